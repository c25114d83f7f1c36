/** Events, initcalls, crashes and diagnosis rows of a boot. */
import { eq, sql } from 'drizzle-orm';
import type { BootEvent, Crash, Diagnosis, Initcall } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { cleanJson, cleanNullable, cleanText, jsonText } from '../sanitize.ts';
import { crashes, diagnoses, events, initcalls } from '../schema/index.ts';

const BATCH = 5000;

/**
 * Stores events numbered from `firstSeq` on; a replayed event (same seq) is skipped. The
 * batch travels as one JSON document the server unpacks: far cheaper than a parameter per
 * value or per-element array escaping.
 */
export async function insertEvents(
  db: Db,
  bootId: number,
  firstSeq: number,
  list: BootEvent[],
): Promise<void> {
  for (let i = 0; i < list.length; i += BATCH) {
    const json = jsonText(list.slice(i, i + BATCH));
    await db.execute(sql`
      insert into ${events} (boot_id, seq, line, time, kind, errno, errno_name, driver, device, option, message, data)
      select ${bootId}, ${firstSeq + i - 1} + x.n::int, (e->>'line')::int, (e->>'time')::float8, e->>'kind',
        case when jsonb_typeof(e->'errno') = 'number' then (e->>'errno')::int end,
        e->>'errnoName',
        case when e->>'kind' = 'probe' then e->>'driver' end,
        case when e->>'kind' = 'probe' then e->>'device' end,
        case when e->>'kind' = 'missing_config' then e->>'option' end,
        coalesce(e->>'message', e->>'text', e->>'name'),
        e
      from jsonb_array_elements(${json}::jsonb) with ordinality as x(e, n)
      on conflict do nothing`);
  }
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
