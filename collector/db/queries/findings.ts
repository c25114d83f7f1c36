/** Events, initcalls, crashes and diagnosis rows of a boot. */
import { eq, sql } from 'drizzle-orm';
import type { BootEvent, Crash, Diagnosis, Initcall } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { cleanJson, cleanNullable, cleanText, jsonText } from '../sanitize.ts';
import { crashes, diagnoses, events, initcalls } from '../schema/index.ts';

const BATCH = 5000;

/** Stores events numbered from `firstSeq` on; a replayed event (same seq) is skipped. */
export async function insertEvents(
  db: Db,
  bootId: number,
  firstSeq: number,
  list: BootEvent[],
): Promise<void> {
  for (let i = 0; i < list.length; i += BATCH) {
    const batch = list.slice(i, i + BATCH);
    const col = <T>(f: (e: BootEvent) => T) => sql.param(batch.map(f));
    await db.execute(sql`
      insert into ${events} (boot_id, seq, line, time, kind, errno, errno_name, driver, device, option, message, data)
      select ${bootId}, * from unnest(
        ${sql.param(batch.map((_, j) => firstSeq + i + j))}::int[],
        ${col((e) => e.line)}::int[],
        ${col((e) => e.time)}::float8[],
        ${col((e) => e.kind)}::text[],
        ${col((e) => ('errno' in e && typeof e.errno === 'number' ? e.errno : null))}::int[],
        ${col((e) => ('errnoName' in e ? cleanNullable(e.errnoName) : null))}::text[],
        ${col((e) => (e.kind === 'probe' ? cleanText(e.driver) : null))}::text[],
        ${col((e) => (e.kind === 'probe' ? cleanText(e.device) : null))}::text[],
        ${col((e) => (e.kind === 'missing_config' ? cleanText(e.option) : null))}::text[],
        ${col((e) => cleanNullable(eventMessage(e)))}::text[],
        ${col((e) => jsonText(e))}::jsonb[])
      on conflict do nothing`);
  }
}

function eventMessage(e: BootEvent): string | null {
  if ('message' in e) return e.message;
  if (e.kind === 'userspace') return e.text;
  if (e.kind === 'milestone') return e.name;
  return null;
}

/** Stores initcall timings; one per return line. */
export async function insertInitcalls(db: Db, bootId: number, list: Initcall[]): Promise<void> {
  for (let i = 0; i < list.length; i += BATCH) {
    const batch = list.slice(i, i + BATCH);
    await db.execute(sql`
      insert into ${initcalls} (boot_id, line, fn, usecs, ret, time, module)
      select ${bootId}, * from unnest(
        ${sql.param(batch.map((c) => c.line))}::int[],
        ${sql.param(batch.map((c) => cleanText(c.fn)))}::text[],
        ${sql.param(batch.map((c) => Math.round(c.usecs)))}::int8[],
        ${sql.param(batch.map((c) => c.ret))}::int[],
        ${sql.param(batch.map((c) => c.time))}::float8[],
        ${sql.param(batch.map((c) => cleanNullable(c.module)))}::text[])
      on conflict do nothing`);
  }
}

/** Replaces the boot's crash rows with the parser's final list. */
export async function replaceCrashes(db: Db, bootId: number, list: Crash[]): Promise<void> {
  await db.delete(crashes).where(eq(crashes.bootId, bootId));
  if (!list.length) return;
  const clean = cleanJson(list);
  await db.insert(crashes).values(
    clean.map((c, seq) => ({
      bootId,
      seq,
      kind: c.kind,
      title: c.title,
      line: c.line,
      endLine: c.endLine,
      time: c.time,
      function: c.function,
      location: c.location,
      fatal: c.fatal,
      corrupted: c.corrupted ?? false,
      frames: c.frames,
      report: c.report,
    })),
  );
}

/** Replaces the boot's diagnosis rows (best first). */
export async function replaceDiagnoses(db: Db, bootId: number, list: Diagnosis[]): Promise<void> {
  await db.delete(diagnoses).where(eq(diagnoses.bootId, bootId));
  if (!list.length) return;
  const clean = cleanJson(list);
  await db.insert(diagnoses).values(clean.map((d, rank) => ({ bootId, rank, ...d })));
}
