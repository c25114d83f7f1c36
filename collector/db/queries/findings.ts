/** Events, initcalls, crashes and diagnosis rows of a boot. */
import { eq, sql } from 'drizzle-orm';
import type { BootEvent, Crash, Diagnosis, Initcall } from '../../../common/types/parse.ts';
import type { CopyIn, Db } from '../client.ts';
import { BinaryRows } from '../copy-binary.ts';
import { copyParts, copyRow } from '../copy-rows.ts';
import { cleanJson, cleanNullable, cleanText, jsonText } from '../sanitize.ts';
import { crashes, diagnoses, events, initcalls } from '../schema/index.ts';

const BATCH = 5000;

/** Events of one boot numbered from `firstSeq` on. */
export interface EventRun {
  bootId: number;
  firstSeq: number;
  events: BootEvent[];
}

const EVENT_COLUMNS =
  'boot_id, seq, line, time, kind, errno, errno_name, driver, device, option, message, data';

/**
 * Stores runs of events. With `copy` (PostgreSQL) the rows stream in by binary COPY, the
 * fastest way in, encoded while the server reads the part before; its rows are never
 * replays, since writers store events in the transaction that moves the boot's stored-byte
 * mark, after taking that row. Without it (PGlite), a batch travels as one JSON document the
 * server unpacks (far cheaper there than a parameter per value) and a replayed event (same
 * seq) is skipped.
 */
export async function insertEvents(db: Db, runs: EventRun[], copy: CopyIn | null = null): Promise<void> {
  if (copy) {
    if (!runs.some((r) => r.events.length)) return;
    const out = new BinaryRows();
    await copy(`copy events (${EVENT_COLUMNS}) from stdin (format binary)`, eventRows(runs, out));
    out.recycle();
    return;
  }
  for (const r of runs)
    for (let i = 0; i < r.events.length; i += BATCH) {
      const json = jsonText(r.events.slice(i, i + BATCH));
      await db.execute(sql`
      insert into ${events} (${sql.raw(EVENT_COLUMNS)})
      select ${r.bootId}, ${r.firstSeq + i - 1} + x.n::int, (e->>'line')::int, (e->>'time')::float8, e->>'kind',
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

/** The events as binary COPY parts, made one part at a time as the stream asks for them. */
function* eventRows(runs: EventRun[], out: BinaryRows): Generator<Buffer> {
  for (const r of runs)
    for (let i = 0; i < r.events.length; i++) {
      // The columns the JSON path derives, with the same values.
      const e = r.events[i] as unknown as Record<string, unknown>;
      let json = JSON.stringify(e);
      // JSON.stringify escapes NULs and lone surrogates as \u: without one, every string in the
      // event is storable as it is, and the cleaning passes (a quarter of the encoding) are skipped.
      const clean = !json.includes('\\u');
      if (!clean) json = jsonText(e);
      const probe = e.kind === 'probe';
      out.row(12);
      out.int4(r.bootId);
      out.int4(r.firstSeq + i);
      out.int4(e.line as number);
      out.float8(typeof e.time === 'number' ? e.time : null);
      out.text(jsonScalar(e.kind, clean));
      out.int4(typeof e.errno === 'number' ? e.errno : null);
      out.text(jsonScalar(e.errnoName, clean));
      out.text(probe ? jsonScalar(e.driver, clean) : null);
      out.text(probe ? jsonScalar(e.device, clean) : null);
      out.text(e.kind === 'missing_config' ? jsonScalar(e.option, clean) : null);
      out.text(jsonScalar(e.message ?? e.text ?? e.name, clean));
      out.jsonb(json);
      const part = out.part();
      if (part) yield part;
    }
  yield out.end();
}

/** A JSON value as `->>` reads it from the cleaned JSON (jsonText); `clean`: its strings need no cleaning. */
function jsonScalar(v: unknown, clean: boolean): string | null {
  if (typeof v === 'string') return clean ? v : cleanText(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  return v == null ? null : jsonText(v);
}

/** Initcall timings of one boot. */
export interface InitcallRun {
  bootId: number;
  initcalls: Initcall[];
}

/** Stores initcall timings, one per return line; a replayed one is skipped. */
export async function insertInitcalls(
  db: Db,
  runs: InitcallRun[],
  copy: CopyIn | null = null,
): Promise<void> {
  const all = runs.flatMap((r) => r.initcalls.map((c) => ({ bootId: r.bootId, c })));
  if (copy) {
    // As for events: never replays, since their writer holds the boot's stored-byte mark.
    const rows = all.map(({ bootId, c }) =>
      copyRow([bootId, c.line, cleanText(c.fn), Math.round(c.usecs), c.ret, c.time, cleanNullable(c.module)]),
    );
    if (rows.length)
      await copy('copy initcalls (boot_id, line, fn, usecs, ret, time, module) from stdin', copyParts(rows));
    return;
  }
  for (let i = 0; i < all.length; i += BATCH) {
    const batch = all.slice(i, i + BATCH);
    await db.execute(sql`
      insert into ${initcalls} (boot_id, line, fn, usecs, ret, time, module)
      select * from unnest(
        ${sql.param(batch.map((x) => x.bootId))}::int[],
        ${sql.param(batch.map(({ c }) => c.line))}::int[],
        ${sql.param(batch.map(({ c }) => cleanText(c.fn)))}::text[],
        ${sql.param(batch.map(({ c }) => Math.round(c.usecs)))}::int8[],
        ${sql.param(batch.map(({ c }) => c.ret))}::int[],
        ${sql.param(batch.map(({ c }) => c.time))}::float8[],
        ${sql.param(batch.map(({ c }) => cleanNullable(c.module)))}::text[])
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
