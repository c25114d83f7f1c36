/**
 * A log import cut off midway never stays `running`: the next collector to start finishes it
 * as an infrastructure error (runner-streamed boots are left for their runner), and a retry
 * with the same Idempotency-Key completes that boot instead of making another.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { Collector, IMPORT_INTERRUPTED } from '../../../collector/ingest/collector.ts';
import type { App } from '../../../collector/server/types.ts';
import type { BootDetail } from '../../../common/types/api.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { pgliteBackend } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { largeLog } from '../../helpers/large-log.ts';

let database: Database | null = null;
let app: App | null = null;
afterEach(async () => {
  await app?.close();
  await database?.close();
  app = database = null;
});

const octets = (key?: string) => ({
  'content-type': 'application/octet-stream',
  ...(key ? { 'idempotency-key': key } : {}),
});

/** What a killed importer leaves: a running import boot holding part of its log, no claim. */
async function cutOffImport(db: Database, bytes: Buffer, key?: string): Promise<number> {
  const c = new Collector(db);
  await c.recovered;
  const { id } = await c.startBoot({ target: 'import', idempotencyKey: key ?? null });
  await c.console.append(id, 0, bytes.subarray(0, bytes.length >> 1));
  await c.settle();
  return id;
}

async function detail(a: App, id: number): Promise<BootDetail> {
  const r = await a.inject({ method: 'GET', url: `/api/boots/${id}` });
  expect(r.statusCode).toBe(200);
  return r.json();
}

/** Every stored console line, checked to be numbered 1..n with none twice. */
async function lines(a: App, id: number): Promise<string[]> {
  const out: string[] = [];
  for (let from = 1; ; ) {
    const page = (
      await a.inject({ method: 'GET', url: `/api/boots/${id}/console?from=${from}&limit=10000` })
    ).json();
    for (const l of page.lines as { line: number; text: string }[]) {
      expect(l.line).toBe(out.length + 1);
      out.push(l.text);
    }
    if (page.next == null) return out;
    from = page.next;
  }
}

describe('interrupted imports', () => {
  it('are finished as errors when a collector starts; running qemu boots are left alone', async () => {
    database = await pgliteBackend().fresh();
    const log = fixtureBytes('logs/05-net-e1000.log');
    const runner = new Collector(database);
    await runner.recovered;
    const { id: qemu } = await runner.startBoot({ target: 'qemu' });
    await runner.console.append(qemu, 0, log.subarray(0, 1000));
    const imported = await cutOffImport(database, log);

    app = await appOn(database);
    expect(await app.collector.recovered).toEqual([imported]);
    const boot = await detail(app, imported);
    expect(boot).toMatchObject({
      state: 'finished',
      outcome: 'error',
      status: 'ERROR',
      endReason: 'harness_error',
      harnessError: IMPORT_INTERRUPTED,
    });
    expect(boot.consoleBytes).toBe(log.length >> 1);
    expect((await detail(app, qemu)).state).toBe('running');
    // A runner resumes its boot after the restart.
    const resumed = await app.collector.console.append(qemu, 1000, log.subarray(1000));
    expect(resumed).toBe(log.length);
  });

  it('answers a repeated Idempotency-Key with the first boot and stores nothing twice', async () => {
    database = await pgliteBackend().fresh();
    app = await appOn(database);
    const log = fixtureBytes('logs/03-exec-no-net.log');
    const first = await app.inject({
      method: 'POST',
      url: '/api/logs',
      headers: octets('log-a'),
      payload: log,
    });
    expect(first.statusCode).toBe(201);
    const again = await app.inject({
      method: 'POST',
      url: '/api/logs',
      headers: octets('log-a'),
      payload: log,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const boots = (await app.inject({ method: 'GET', url: '/api/boots' })).json();
    expect(boots).toHaveLength(1);
    const raw = await app.inject({ method: 'GET', url: `/api/boots/${first.json().id}/console.raw` });
    expect(raw.rawPayload.equals(log)).toBe(true);

    for (const bad of ['k'.repeat(201), 'tab\there', 'ünïcode']) {
      const r = await app.inject({ method: 'POST', url: '/api/logs', headers: octets(bad), payload: log });
      expect({ bad, status: r.statusCode, code: r.json().error.code }).toEqual({
        bad,
        status: 400,
        code: 'input.invalid',
      });
    }
    // A key that names a boot of another kind is a conflict, not a silent mix.
    await app.inject({
      method: 'POST',
      url: '/api/boots',
      payload: { target: 'qemu', idempotencyKey: 'q-1' },
    });
    const clash = await app.inject({
      method: 'POST',
      url: '/api/logs',
      headers: octets('q-1'),
      payload: log,
    });
    expect(clash.statusCode).toBe(409);
  });

  it('completes a cut-off import when it is retried with its key, even after a restart finished it', async () => {
    database = await pgliteBackend().fresh();
    const log = largeLog(3 << 20);
    const cut = await cutOffImport(database, log, 'big-log');
    app = await appOn(database);
    expect(await app.collector.recovered).toEqual([cut]);
    expect((await detail(app, cut)).outcome).toBe('error');

    const retry = await app.inject({
      method: 'POST',
      url: '/api/logs',
      headers: octets('big-log'),
      payload: log,
    });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().id).toBe(cut);
    const fresh = await app.inject({ method: 'POST', url: '/api/logs', headers: octets(), payload: log });
    expect(fresh.statusCode).toBe(201);

    const [done, clean] = [await detail(app, cut), await detail(app, fresh.json().id)];
    expect(done).toMatchObject({ state: 'finished', endReason: 'import', harnessError: null });
    expect(done.outcome).toBe(clean.outcome);
    expect(done.consoleLines).toBe(clean.consoleLines);
    expect(done.events).toEqual(clean.events);
    expect(done.diagnosis).toEqual(clean.diagnosis);
    const raw = await app.inject({ method: 'GET', url: `/api/boots/${cut}/console.raw` });
    expect(raw.rawPayload.equals(log)).toBe(true);
    expect(await lines(app, cut)).toEqual(await lines(app, fresh.json().id));
    const boots = (await app.inject({ method: 'GET', url: '/api/boots' })).json();
    expect(boots).toHaveLength(2);
  });
});
