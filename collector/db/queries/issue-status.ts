/**
 * Issue status as the live feed announces it: after a boot's issues are recorded, the issues
 * it showed and the other issues of its variant are judged again; one just created, or whose
 * status changed since it was last announced, becomes an `issue` message.
 */
import { eq, inArray, or, sql } from 'drizzle-orm';
import type { FeedMessage } from '../../../common/schemas/feed.ts';
import type { Db } from '../client.ts';
import { boots, issueBoots, issues } from '../schema/index.ts';
import { statusesOf } from './issues.ts';

export type IssueMessage = Extract<FeedMessage, { type: 'issue' }>;

/**
 * Stores the current status of the issues a finished boot touched and returns the messages
 * to announce: created ones, and changed ones that were announced before (a backfill stores
 * statuses without announcing: `announce` false).
 */
export async function issueChanges(
  db: Db,
  bootId: number,
  created: readonly number[],
  announce = true,
): Promise<IssueMessage[]> {
  const variantOfBoot = sql`(select ${boots.variantId} from ${boots} where ${boots.id} = ${bootId})`;
  const touched = await db
    .selectDistinct({ id: issueBoots.issueId })
    .from(issueBoots)
    .where(or(eq(issueBoots.bootId, bootId), eq(issueBoots.variantId, variantOfBoot)));
  if (!touched.length) return [];
  const rows = await db
    .select({
      id: issues.id,
      signature: issues.signature,
      kind: issues.kind,
      title: issues.title,
      status: issues.status,
    })
    .from(issues)
    .where(
      inArray(
        issues.id,
        touched.map((t) => t.id),
      ),
    );
  const now = await statusesOf(
    db,
    rows.map((r) => r.id),
  );
  const out: IssueMessage[] = [];
  for (const r of rows) {
    const status = now.get(r.id)!;
    const isNew = created.includes(r.id);
    if (status === r.status && !isNew) continue;
    await db.update(issues).set({ status }).where(eq(issues.id, r.id));
    if (announce && (isNew || r.status !== null))
      out.push({
        type: 'issue',
        id: r.id,
        signature: r.signature,
        kind: r.kind,
        title: r.title,
        status,
        previous: isNew ? null : r.status,
        bootId,
      });
  }
  return out.sort((a, b) => a.id - b.id);
}
