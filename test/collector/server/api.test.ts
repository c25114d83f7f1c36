/** The REST API on PGlite and a real PostgreSQL, through app.inject: no port, no sleeps. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { parseLog } from '../../../collector/parser/index.ts';
import type { App } from '../../../collector/server/types.ts';
import type { BootDetail, BootSummary, BuildDetail, SizeDiff } from '../../../common/types/api.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes, SEED_LOGS } from '../../helpers/fixtures.ts';
import { awkwardConsole, build } from '../db/samples.ts';

const octets = { 'content-type': 'application/octet-stream' };
/** What a JSON answer looks like after the wire: undefined fields gone. */
const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe.each(backends())('REST API on $name', (backend) => {
  let database: Database;
  let app: App;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await app?.close();
    await database?.close();
  });
  async function start(dashboardDir: string | null = null): Promise<App> {
    database = await backend.fresh();
    app = await appOn(database, dashboardDir);
    return app;
  }
  async function upload(bytes: Uint8Array, query = ''): Promise<{ id: number; outcome: string }> {
    const r = await app.inject({
      method: 'POST',
      url: `/api/logs${query}`,
      headers: octets,
      payload: Buffer.from(bytes),
    });
    expect(r.statusCode).toBe(201);
    return r.json();
  }

  it('reports health and which database it uses', async () => {
    await start();
    const r = await app.inject({ method: 'GET', url: '/api/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ ok: true, db: backend.name });
  });

  it('imports every fixture and serves the whole parse object for each boot', async () => {
    await start();
    for (const file of SEED_LOGS) {
      const bytes = fixtureBytes(file);
      const expected = wire(parseLog(bytes));
      const stored = await upload(bytes, '?variant=ladder');
      expect(stored.outcome).toBe(expected.outcome);
      const r = await app.inject({ method: 'GET', url: `/api/boots/${stored.id}` });
      expect(r.statusCode).toBe(200);
      const boot = r.json<BootDetail>();
      const { outcome, stats, ...fields } = expected;
      expect(boot).toMatchObject({
        ...fields,
        outcome,
        parseOutcome: outcome,
        stats,
        variant: 'ladder',
        target: 'import',
      });
    }
  });

  it('lists boots newest first with the contract fields', async () => {
    await start();
    const ids = [];
    for (const file of SEED_LOGS.slice(0, 3)) ids.push((await upload(fixtureBytes(file))).id);
    const r = await app.inject({ method: 'GET', url: '/api/boots?limit=2' });
    expect(r.statusCode).toBe(200);
    const list = r.json<BootSummary[]>();
    expect(list.map((b) => b.id)).toEqual([ids[2], ids[1]]);
    const expected = wire(parseLog(fixtureBytes(SEED_LOGS[2])));
    expect(list[0]).toMatchObject({
      variant: null,
      target: 'import',
      outcome: expected.outcome,
      kernel: expected.kernel,
      panic: expected.panic,
      milestones: expected.milestones,
    });
    expect(Date.parse(list[0].startedAt)).not.toBeNaN();
    const next = await app.inject({ method: 'GET', url: `/api/boots?limit=5&before=${list[1].id}` });
    expect(next.json<BootSummary[]>().map((b) => b.id)).toEqual([ids[0]]);
  });

  it('serves the exact console bytes and its lines a page at a time', async () => {
    await start();
    const bytes = awkwardConsole();
    const { id } = await upload(bytes);
    const raw = await app.inject({ method: 'GET', url: `/api/boots/${id}/console.raw` });
    expect(raw.statusCode).toBe(200);
    expect(raw.headers['content-type']).toBe('application/octet-stream');
    expect(Buffer.compare(raw.rawPayload, bytes)).toBe(0);
    const total = parseLog(bytes).stats.lines;
    const first = (await app.inject({ method: 'GET', url: `/api/boots/${id}/console?limit=50` })).json();
    expect(first).toMatchObject({ bootId: id, from: 1, total, next: 51 });
    expect(first.lines).toHaveLength(50);
    const rest = (
      await app.inject({ method: 'GET', url: `/api/boots/${id}/console?from=51&limit=10000` })
    ).json();
    expect(rest.next).toBeNull();
    expect([...first.lines, ...rest.lines].map((l: { line: number }) => l.line)).toEqual(
      Array.from({ length: total }, (_, i) => i + 1),
    );
  });

  it('answers 4xx with a code and a message for bad input', async () => {
    await start();
    const cases: [InjectOptions, number, string][] = [
      [{ method: 'POST', url: '/api/boots', payload: {} }, 400, 'input.invalid'],
      [{ method: 'POST', url: '/api/boots', payload: { target: 'vm' } }, 400, 'input.invalid'],
      [{ method: 'POST', url: '/api/boots', payload: { target: 'qemu', cpus: 'two' } }, 400, 'input.invalid'],
      [
        {
          method: 'POST',
          url: '/api/boots',
          payload: '{"target":',
          headers: { 'content-type': 'application/json' },
        },
        400,
        'input.invalid',
      ],
      [
        {
          method: 'POST',
          url: '/api/builds',
          payload: { variant: 'x', startedAt: 'yesterday', status: 'PASS' },
        },
        400,
        'input.invalid',
      ],
      [
        { method: 'POST', url: '/api/builds', payload: { variant: 'x', startedAt: '2026-01-01T00:00:00Z' } },
        400,
        'input.invalid',
      ],
      [
        { method: 'POST', url: '/api/boots', payload: { target: 'qemu', buildId: 4242 } },
        404,
        'build.not_found',
      ],
      [{ method: 'GET', url: '/api/boots?limit=0' }, 400, 'input.invalid'],
      [{ method: 'GET', url: '/api/boots/abc' }, 400, 'input.invalid'],
      [{ method: 'GET', url: '/api/boots/4242' }, 404, 'boot.not_found'],
      [{ method: 'GET', url: '/api/boots/4242/console' }, 404, 'boot.not_found'],
      [{ method: 'GET', url: '/api/boots/4242/console.raw' }, 404, 'boot.not_found'],
      [
        { method: 'POST', url: '/api/boots/4242/console?offset=0', headers: octets, payload: 'x' },
        404,
        'boot.not_found',
      ],
      [{ method: 'POST', url: '/api/boots/1/console', headers: octets, payload: 'x' }, 400, 'input.invalid'],
      [{ method: 'POST', url: '/api/logs', payload: { log: 'json is not a log' } }, 400, 'input.invalid'],
      [{ method: 'GET', url: '/api/builds/4242' }, 404, 'build.not_found'],
      [{ method: 'GET', url: '/api/trends?metric=size.bogus' }, 400, 'input.invalid'],
      [{ method: 'GET', url: '/api/trends?metric=size.image&variant=nope' }, 404, 'variant.not_found'],
      [{ method: 'GET', url: '/api/no-such-route' }, 404, 'route.not_found'],
      [
        { method: 'POST', url: '/api/boots', payload: { target: 'qemu', cmdline: 'x'.repeat(2 << 20) } },
        413,
        'input.too_large',
      ],
      [
        { method: 'POST', url: '/api/logs', headers: octets, payload: Buffer.alloc((64 << 20) + 1) },
        413,
        'input.too_large',
      ],
    ];
    for (const [req, status, code] of cases) {
      const r = await app.inject(req);
      expect({ req: `${req.method} ${req.url}`, status: r.statusCode }).toEqual({
        req: `${req.method} ${req.url}`,
        status,
      });
      const body = r.json();
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(3);
    }
  });

  it('answers the same boot for the same idempotency key: 201, then 200', async () => {
    await start();
    const payload = { target: 'qemu', variant: 'v', idempotencyKey: 'spool/boot-1' };
    const first = await app.inject({ method: 'POST', url: '/api/boots', payload });
    const again = await app.inject({ method: 'POST', url: '/api/boots', payload });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
  });

  it('keeps a null a null and a 0 a 0 in JSON bodies (no type coercion)', async () => {
    await start();
    const boot = await app.inject({
      method: 'POST',
      url: '/api/boots',
      payload: { target: 'qemu', variant: 'v', machine: null, cmdline: null, memoryMb: 0, cpus: null },
    });
    expect(boot.statusCode).toBe(201);
    const got = (await app.inject({ method: 'GET', url: `/api/boots/${boot.json().id}` })).json();
    expect(got.machine).toBeNull();
    expect(got.cmdline).toBeNull();
    expect(got.memoryMb).toBe(0);
    expect(got.cpus).toBeNull();
    // A string where a number belongs is refused, not converted.
    const bad = await app.inject({
      method: 'POST',
      url: '/api/boots',
      payload: { target: 'qemu', cpus: '2' },
    });
    expect(bad.statusCode).toBe(400);
    // Query strings are text: they still convert.
    expect((await app.inject({ method: 'GET', url: '/api/boots?limit=1' })).statusCode).toBe(200);
  });

  it('answers the same build for the same idempotency key, storing it once', async () => {
    await start();
    const payload = { ...build('v', { sizes: { image: 1000 } }), idempotencyKey: 'spool/build-1' };
    const first = await app.inject({ method: 'POST', url: '/api/builds', payload });
    const again = await app.inject({ method: 'POST', url: '/api/builds', payload });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const list = (await app.inject({ method: 'GET', url: '/api/builds?variant=v' })).json();
    expect(list).toHaveLength(1);
  });

  it('finishes a boot whose start lies months back (an imported old log) without a duration', async () => {
    await start();
    const payload = { target: 'import', startedAt: '2025-01-01T00:00:00Z' };
    const { id } = (await app.inject({ method: 'POST', url: '/api/boots', payload })).json();
    const bytes = fixtureBytes('logs/03-exec-no-net.log');
    await app.inject({
      method: 'POST',
      url: `/api/boots/${id}/console?offset=0`,
      headers: octets,
      payload: Buffer.from(bytes),
    });
    const fin = await app.inject({
      method: 'POST',
      url: `/api/boots/${id}/finish`,
      payload: { endReason: 'import' },
    });
    expect(fin.statusCode).toBe(200);
    expect(fin.json().outcome).toBe('booted');
  });

  it('stores a boot the runner timed out after init as stalled, not booted', async () => {
    await start();
    const bytes = fixtureBytes('logs/05-net-e1000.log').subarray(0, 12_000);
    const { id } = (
      await app.inject({ method: 'POST', url: '/api/boots', payload: { target: 'qemu' } })
    ).json();
    await app.inject({
      method: 'POST',
      url: `/api/boots/${id}/console?offset=0`,
      headers: octets,
      payload: Buffer.from(bytes),
    });
    expect(parseLog(bytes).outcome).toBe('booted');
    const fin = await app.inject({
      method: 'POST',
      url: `/api/boots/${id}/finish`,
      payload: { endReason: 'timeout' },
    });
    expect(fin.json().outcome).toBe('stalled');
  });

  it("takes the verdict at the runner's completion marker (boot meta), whatever follows it", async () => {
    await start();
    const bytes = fixtureBytes('logs/debian-6.1-marker-then-init-exits.log');
    const verdict = async (meta: Record<string, unknown>) => {
      const payload = { target: 'qemu', initIsScript: true, meta };
      const { id } = (await app.inject({ method: 'POST', url: '/api/boots', payload })).json();
      const headers = octets;
      await app.inject({ method: 'POST', url: `/api/boots/${id}/console?offset=0`, headers, payload: bytes });
      const finish = { endReason: 'marker', consoleBytes: bytes.length };
      await app.inject({ method: 'POST', url: `/api/boots/${id}/finish`, payload: finish });
      return (await app.inject({ method: 'GET', url: `/api/boots/${id}` })).json();
    };
    const marked = await verdict({ markers: ['BOOTWATCH-DONE'] });
    expect(marked.outcome).toBe('booted');
    expect(marked.crashes.map((c: { title: string }) => c.title)).toEqual([
      'kernel panic: Attempted to kill init!',
    ]);
    expect((await verdict({})).outcome).toBe('panic');
  });

  it('takes console bytes by offset over REST: duplicates skipped, gaps refused, finish once', async () => {
    await start();
    const bytes = fixtureBytes('logs/05-net-e1000.log');
    const { id } = (
      await app.inject({ method: 'POST', url: '/api/boots', payload: { target: 'qemu' } })
    ).json();
    const put = (offset: number, data: Uint8Array) =>
      app.inject({
        method: 'POST',
        url: `/api/boots/${id}/console?offset=${offset}`,
        headers: octets,
        payload: Buffer.from(data),
      });
    expect((await put(0, bytes.subarray(0, 4000))).json()).toEqual({ offset: 4000 });
    expect((await put(1000, bytes.subarray(1000, 6000))).json()).toEqual({ offset: 6000 });
    expect((await put(0, bytes.subarray(0, 100))).json()).toEqual({ offset: 6000 });
    const gap = await put(7000, bytes.subarray(7000));
    expect(gap.statusCode).toBe(409);
    expect(gap.json().error.code).toBe('conflict');
    const early = await app.inject({
      method: 'POST',
      url: `/api/boots/${id}/finish`,
      payload: { endReason: 'marker', consoleBytes: bytes.length },
    });
    expect(early.statusCode).toBe(409);
    expect((await put(6000, bytes.subarray(6000))).json()).toEqual({ offset: bytes.length });
    const finish = { endReason: 'marker', consoleBytes: bytes.length };
    const done = await app.inject({ method: 'POST', url: `/api/boots/${id}/finish`, payload: finish });
    expect(done.json()).toEqual({ outcome: parseLog(bytes).outcome });
    const again = await app.inject({ method: 'POST', url: `/api/boots/${id}/finish`, payload: finish });
    expect(again.json()).toEqual(done.json());
    expect((await put(bytes.length, Buffer.from('late\n'))).statusCode).toBe(409);
    const raw = await app.inject({ method: 'GET', url: `/api/boots/${id}/console.raw` });
    expect(Buffer.compare(raw.rawPayload, bytes)).toBe(0);
    const boot = (await app.inject({ method: 'GET', url: `/api/boots/${id}` })).json<BootDetail>();
    expect(boot.events).toEqual(wire(parseLog(bytes).events));
  });

  it("marks a boot 'error' with status ERROR when the harness failed, whatever the console says", async () => {
    await start();
    const bytes = fixtureBytes('logs/03-exec-no-net.log');
    const { id } = (
      await app.inject({ method: 'POST', url: '/api/boots', payload: { target: 'qemu' } })
    ).json();
    await app.inject({
      method: 'POST',
      url: `/api/boots/${id}/console?offset=0`,
      headers: octets,
      payload: bytes,
    });
    const r = await app.inject({
      method: 'POST',
      url: `/api/boots/${id}/finish`,
      payload: { endReason: 'harness_error', harnessError: 'qemu: could not open disk image' },
    });
    expect(r.json()).toEqual({ outcome: 'error' });
    const boot = (await app.inject({ method: 'GET', url: `/api/boots/${id}` })).json<BootDetail>();
    expect(boot).toMatchObject({
      outcome: 'error',
      status: 'ERROR',
      parseOutcome: parseLog(bytes).outcome,
      harnessError: 'qemu: could not open disk image',
    });
  });

  it('stores builds, lists them per variant, opens one and diffs its symbols', async () => {
    await start();
    const post = async (b: ReturnType<typeof build>) => {
      const r = await app.inject({ method: 'POST', url: '/api/builds', payload: b });
      expect(r.statusCode).toBe(201);
      return r.json<{ id: number }>().id;
    };
    const a = await post(build('net', { symbols: { e1000_probe: 900, start_kernel: 100 } }));
    const b = await post(build('net', { symbols: { e1000_probe: 1000 }, startedAt: '2026-01-03T00:00:00Z' }));
    await post(build('serial'));
    const list = (await app.inject({ method: 'GET', url: '/api/builds?variant=net' })).json();
    expect(list.map((x: { id: number }) => x.id)).toEqual([b, a]);
    const detail = (await app.inject({ method: 'GET', url: `/api/builds/${b}` })).json<BuildDetail>();
    expect(detail).toMatchObject({
      id: b,
      variant: 'net',
      config: 'CONFIG_NET=y\n',
      warningCount: 1,
      droppedCount: 1,
    });
    const diff = (await app.inject({ method: 'GET', url: `/api/builds/${b}/size-diff` })).json<SizeDiff>();
    expect(diff).toMatchObject({
      buildId: b,
      againstId: a,
      grown: 1,
      removed: 1,
      total: { delta: 1000 - 1000 },
    });
    const progress = await app.inject({
      method: 'POST',
      url: '/api/builds/progress',
      payload: { variant: 'net', phase: 'compile', percent: 40 },
    });
    expect(progress.statusCode).toBe(202);
  });

  it('answers variants at a glance and trends for the charts', async () => {
    await start();
    const b = (await app.inject({ method: 'POST', url: '/api/builds', payload: build('net') })).json().id;
    const log = fixtureBytes('logs/05-net-e1000.log');
    const boot = await upload(log, `?buildId=${b}`);
    // A bisection's candidate builds live in a scratch variant, off the front page.
    await app.inject({ method: 'POST', url: '/api/builds', payload: build('net~bisect') });
    const variants = (await app.inject({ method: 'GET', url: '/api/variants' })).json();
    expect(variants).toMatchObject([{ name: 'net', latestBuild: { id: b }, latestBoot: { id: boot.id } }]);
    expect(variants).toHaveLength(1);
    const r = await app.inject({
      method: 'GET',
      url: '/api/trends?variant=net&metric=size.image,boot.init_start',
    });
    expect(r.statusCode).toBe(200);
    const { series } = r.json();
    expect(series.map((s: { metric: string }) => s.metric)).toEqual(['size.image', 'boot.init_start']);
    expect(series[1].points[0]).toMatchObject({
      bootId: boot.id,
      value: parseLog(log).milestones.init_start,
    });
  });

  it('serves the OpenAPI document and the docs page', async () => {
    await start();
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const path of [
      '/api/health',
      '/api/boots',
      '/api/boots/{id}',
      '/api/builds',
      '/api/logs',
      '/api/trends',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
    expect(doc.paths['/api/boots/{id}'].get.responses['404']).toBeDefined();
    const ui = await app.inject({ method: 'GET', url: '/api/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('serves the dashboard at / when built, and says how to build it when not', async () => {
    await start(null);
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('npm run build:dashboard');
    await app.close();
    const dir = mkdtempSync(join(tmpdir(), 'bootwatch-dash-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dash</title><div id="app"></div>');
      app = await appOn(database, dir);
      expect((await app.inject({ method: 'GET', url: '/' })).body).toContain('id="app"');
      const deep = await app.inject({ method: 'GET', url: '/boots/12', headers: { accept: 'text/html' } });
      expect(deep.body).toContain('id="app"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
