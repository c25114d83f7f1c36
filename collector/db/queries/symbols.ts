/** A build's System.map and where its vmlinux lives, for symbolizing call traces. */
import { gunzipSync } from 'node:zlib';
import { eq } from 'drizzle-orm';
import { byteaHex, fromHex } from '../blobs.ts';
import type { Db } from '../client.ts';
import { buildSystemMaps, builds } from '../schema/index.ts';

/** The stored System.map text of a build, or null. */
export async function getSystemMap(db: Db, buildId: number): Promise<string | null> {
  const [r] = await db
    .select({ hex: byteaHex(buildSystemMaps.data) })
    .from(buildSystemMaps)
    .where(eq(buildSystemMaps.buildId, buildId));
  return r ? gunzipSync(fromHex(r.hex)).toString('utf8') : null;
}

/** The build's O= directory as its make command named it (where vmlinux was left), or null. */
export async function buildOutDir(db: Db, buildId: number): Promise<string | null> {
  const [r] = await db.select({ command: builds.command }).from(builds).where(eq(builds.id, buildId));
  return r?.command?.match(/(?:^|\s)O=(\S+)/)?.[1] ?? null;
}
