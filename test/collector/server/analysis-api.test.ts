import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateKcidb } from '../../../collector/analysis/kcidb.ts';
import type { Database } from '../../../collector/db/client.ts';
import type { App } from '../../../collector/server/types.ts';
import type {
  CompareResponse,
  FailureGroupItem,
  RegressionDetail,
  RegressionItem,
} from '../../../common/types/api.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { seedRegressedExec } from '../../helpers/regressed-exec.ts';

describe.each(backends())('analysis API on $name', (backend) => {
  let database: Database;
  let app: App;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await app?.close();
    await database?.close();
  });
  const get = async <T>(url: string, status = 200): Promise<T> => {
    const r = await app.inject({ method: 'GET', url });
    expect(r.statusCode, r.body).toBe(status);
    return r.json() as T;
  };

  it('answers regressions, compare, failures, baselines and exports', async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const c = app.collector;
    const { goodBuild, good, badBuild, bad } = await seedRegressedExec(c);

    const open = await get<RegressionItem[]>('/api/regressions');
    expect(open.map((r) => r.key).sort()).toEqual([
      'crash:kernel panic: No working init found. Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst f',
      'init_exec:/init:ENOENT',
      'outcome',
      'size:image',
    ]);
    const outcome = open.find((r) => r.kind === 'outcome')!;
    expect(outcome).toMatchObject({
      bootId: bad.id,
      baselineBootId: good.id,
      buildId: badBuild,
      baselineBuildId: goodBuild,
    });
    expect(await get<RegressionItem[]>(`/api/regressions?boot=${good.id}`)).toEqual([]);
    expect((await get<RegressionItem[]>('/api/regressions?variant=nope')).length).toBe(0);

    const detail = await get<RegressionDetail>(`/api/regressions/${outcome.id}`);
    expect(detail.config?.changed.map((x) => `${x.option} ${x.old}->${x.new}`)).toEqual([
      'CONFIG_BINFMT_ELF y->n',
      'CONFIG_BINFMT_SCRIPT y->n',
    ]);
    expect(detail.config?.text).toContain(' BINFMT_SCRIPT y -> n\n');
    expect(detail.size).toMatchObject({ added: 265, removed: 0, grown: 6, up: 52040, changedCount: 271 });
    expect(detail.size?.text.split('\n')[0]).toBe(
      'add/remove: 265/0 grow/shrink: 6/0 up/down: 52040/0 (52040)',
    );
    await get(`/api/regressions/99999`, 404);

    // One click from the failed boot: compared with the last good one.
    const cmp = await get<CompareResponse>(`/api/compare?b=${bad.id}&limit=5`);
    expect(cmp.aChosen).toBe('last_good');
    expect(cmp.a.id).toBe(good.id);
    expect(cmp.size?.symbols.length).toBe(5);
    expect(cmp.appeared.map((t) => t.cls)).toEqual(['crash', 'error']);
    expect(cmp.vanished.map((t) => t.title)).toContain('ip: socket: Function not implemented');
    expect(cmp.milestones.find((m) => m.name === 'init_start')).toMatchObject({ a: 0.482756, b: null });
    const same = await get<CompareResponse>(`/api/compare?a=${good.id}&b=${good.id}`);
    expect([same.config?.text, same.size, same.appeared]).toEqual(['', null, []]);
    await get(`/api/compare?b=${good.id}`, 404);

    const failures = await get<FailureGroupItem[]>('/api/failures');
    expect(failures.map((f) => [f.kind, f.count, f.variants, f.isNew])).toEqual([
      ['crash', 1, ['exec'], true],
    ]);
    expect(await get<FailureGroupItem[]>('/api/failures?kind=probe')).toEqual([]);

    const pin = await app.inject({
      method: 'PUT',
      url: '/api/variants/exec/baseline',
      payload: { bootId: good.id, note: 'release' },
    });
    expect(pin.statusCode, pin.body).toBe(200);
    expect(pin.json()).toMatchObject({
      variant: 'exec',
      bootId: good.id,
      buildId: goodBuild,
      note: 'release',
    });
    expect((await get<CompareResponse>(`/api/compare?b=${bad.id}`)).aChosen).toBe('pinned');
    expect((await get<unknown[]>('/api/baselines')).length).toBe(1);
    const wrong = await app.inject({
      method: 'PUT',
      url: '/api/variants/nope/baseline',
      payload: { bootId: good.id },
    });
    expect(wrong.statusCode).toBe(404);
    const th = await app.inject({
      method: 'PUT',
      url: '/api/variants/exec/thresholds',
      payload: { size: { bytes: 4096 } },
    });
    expect(th.statusCode, th.body).toBe(200);
    expect(th.json().size).toEqual({ metrics: ['image', 'text'], bytes: 4096, percent: 1 });
    expect((await get<{ historyLength: number }>('/api/variants/exec/thresholds')).historyLength).toBe(10);
    const bad400 = await app.inject({
      method: 'PUT',
      url: '/api/variants/exec/thresholds',
      payload: { size: { bytes: -1 } },
    });
    expect(bad400.statusCode).toBe(400);
    const del = await app.inject({ method: 'DELETE', url: '/api/variants/exec/baseline' });
    expect(del.json()).toEqual({ unpinned: true });

    const kcidb = await get<{ builds: unknown[]; tests: { path: string; status: string }[] }>(
      '/api/export/kcidb',
    );
    expect(validateKcidb(kcidb)).toEqual({ valid: true, errors: [] });
    expect(kcidb.builds.length).toBe(2);
    expect(kcidb.tests.filter((t) => t.path === 'boot').map((t) => t.status)).toEqual(['PASS', 'FAIL']);

    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain; version=0.0.4');
    expect(metrics.body).toContain('bootwatch_image_size_bytes{variant="exec",kind="image"} 1060000');
    expect(metrics.body).toContain('bootwatch_boot_outcome{variant="exec",outcome="panic"} 1');
    expect(metrics.body).toContain('bootwatch_time_to_init_seconds{variant="exec"} 0.482756');
    expect(metrics.body).toContain('bootwatch_open_regressions{variant="exec"} 4');

    const run = await app.inject({
      method: 'POST',
      url: '/api/runs',
      payload: {
        matrix: 'seed-ladder',
        results: [
          { variant: 'exec', outcome: 'booted', bootId: good.id, buildId: goodBuild },
          { variant: 'exec-2', outcome: 'panic', bootId: bad.id, buildId: badBuild },
          { variant: 'broken', outcome: 'build_failed', bootId: null, buildId: null },
        ],
      },
    });
    expect(run.statusCode, run.body).toBe(201);
    const xml = await app.inject({ method: 'GET', url: `/api/runs/${run.json().id}/junit.xml` });
    expect(xml.statusCode).toBe(200);
    expect(xml.headers['content-type']).toContain('application/xml');
    expect(xml.body).toContain('tests="3" failures="2" errors="0" skipped="0"');
    expect(xml.body).toContain('diagnosis: CONFIG_BINFMT_SCRIPT');
    expect((await app.inject({ method: 'GET', url: '/api/runs/latest/junit.xml' })).body).toBe(xml.body);
    expect((await app.inject({ method: 'GET', url: '/api/runs/999/junit.xml' })).statusCode).toBe(404);
  });
});
