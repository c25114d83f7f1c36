/**
 * Once per boot among every collector on the database: the collector that finishes a boot
 * runs its analysis, and a second finish of the same boot elsewhere (a runner that resent it
 * to another collector) finds the claim taken. A reopened import finishes anew and is
 * analysed anew: the claim is per finish.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { analysisClaims, boots } from '../db/schema/index.ts';

/** True when this caller is the first to analyse the boot's current finish for `task`. */
export async function claimBootAnalysis(
  db: Db,
  bootId: number,
  task: 'regressions' | 'issues',
): Promise<boolean> {
  const [b] = await db.select({ finishedAt: boots.finishedAt }).from(boots).where(eq(boots.id, bootId));
  if (!b?.finishedAt) return false;
  const won = await db
    .insert(analysisClaims)
    .values({ bootId, task, finishedAt: b.finishedAt })
    .onConflictDoNothing()
    .returning({ bootId: analysisClaims.bootId });
  return won.length > 0;
}
