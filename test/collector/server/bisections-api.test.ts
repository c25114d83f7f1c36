/**
 * The bisection routes on PGlite and PostgreSQL: a real bisection (collector/analysis/bisect.ts
 * on a simulated oracle) put mid-run and again with its report, then listed and opened by id
 * and by key; every put reaches the live feed; bad bodies answer 400.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BisectState, bisect } from '../../../collector/analysis/bisect.ts';
import type { Database } from '../../../collector/db/client.ts';
import type { App } from '../../../collector/server/types.ts';
import type { BisectionDetail, BisectionInput, BisectionSummary } from '../../../common/types/api.ts';
import { netOracle } from '../../helpers/bisect-oracle.ts';
import { appOn, connectWs } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';

const KEY = '0123456789abcdef';

/** A real bisection's state after its second step, and its final state and report. */
async function realBisection(): Promise<{ running: BisectionInput; done: BisectionInput }> {
  const o = netOracle();
  let mid: BisectState | null = null;
  const { state, report } = await bisect(o.input, {
    ...o.deps,
    onStep: (s) => {
      if (s.steps.length === 2) mid = structuredClone(s);
    },
  });
  const base = { variant: '05-net', good: '04-procfs', bad: '05-net', maxBuilds: 24, agent: 'test-host' };
  return {
    running: { ...base, status: 'running', builds: mid!.builds, state: mid!, report: null },
    done: { ...base, status: report.status, builds: report.builds, state, report },
  };
}

describe.each(backends())('bisection API on $name', (backend) => {
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
  const put = (key: string, body: unknown) =>
    app.inject({ method: 'PUT', url: `/api/bisections/${key}`, payload: body as object });

  it('upserts by key, lists newest first without the state, opens by id and by key', async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const { running, done } = await realBisection();
    expect(done.report?.culprits.map((c) => c.option)).toEqual(['CONFIG_E1000']);
    const feed = await connectWs(app, '/api/feed');
    await feed.next((m) => m.type === 'subscribed');

    const first = await put(KEY, running);
    expect(first.statusCode, first.body).toBe(200);
    const { id } = first.json() as { id: number };
    expect(await feed.next((m) => m.type === 'bisection')).toEqual({
      type: 'bisection',
      id,
      key: KEY,
      variant: '05-net',
      status: 'running',
      builds: 2,
      maxBuilds: 24,
      steps: 2,
    });
    const [row] = await get<BisectionSummary[]>('/api/bisections');
    expect(row).toMatchObject({ id, key: KEY, status: 'running', builds: 2, culprits: [], message: null });
    expect(row).not.toHaveProperty('state');
    const mid = await get<BisectionDetail>(`/api/bisections/${id}`);
    expect(mid.steps.map((s) => [s.n, s.phase, s.verdict])).toEqual([
      [1, 'endpoint', 'good'],
      [2, 'endpoint', 'bad'],
    ]);
    expect(mid.differing).toBe(done.report!.differing);

    const second = await put(KEY, done);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toEqual({ id });
    const msg = await feed.next((m) => m.type === 'bisection');
    expect(msg).toMatchObject({ id, status: 'found', builds: done.builds, steps: done.report!.steps.length });

    await put('fedcba9876543210', { ...running, variant: 'other' });
    const list = await get<BisectionSummary[]>('/api/bisections');
    expect(list.map((b) => b.variant)).toEqual(['other', '05-net']);
    expect(list[1]).toMatchObject({
      id,
      status: 'found',
      builds: done.builds,
      maxBuilds: 24,
      culprits: ['CONFIG_E1000'],
      message: done.report!.message,
      agent: 'test-host',
    });
    expect(Date.parse(list[1].updatedAt)).toBeGreaterThanOrEqual(Date.parse(list[1].startedAt));

    const detail = await get<BisectionDetail>(`/api/bisections/${id}`);
    expect(detail.culprits).toEqual(done.report!.culprits);
    expect(detail.steps).toEqual(done.report!.steps);
    expect(detail).not.toHaveProperty('state');
    const byKey = await get<BisectionDetail>(`/api/bisections/${KEY}?state=true`);
    expect(byKey.id).toBe(id);
    expect(byKey.state).toEqual(JSON.parse(JSON.stringify(done.state)));
    await get(`/api/bisections/999`, 404);
    await get(`/api/bisections/aaaaaaaaaaaaaaaa`, 404);
  });

  it('answers 400 for bad bodies and keys', async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const { running } = await realBisection();
    const bad = [
      { ...running, status: 'finished' },
      { ...running, state: undefined },
      { ...running, state: { ...running.state, version: 2 } },
      { ...running, builds: -1 },
      { ...running, variant: '' },
      { ...running, state: { ...running.state, steps: [{ ...running.state.steps[0], verdict: 'maybe' }] } },
    ];
    for (const body of bad) {
      const r = await put(KEY, body);
      expect(r.statusCode, JSON.stringify(body).slice(0, 200)).toBe(400);
      expect(r.json().error.code).toBe('input.invalid');
    }
    expect((await put('not-a-key', running)).statusCode).toBe(400);
    await get('/api/bisections/0', 400);
    expect(await get<BisectionSummary[]>('/api/bisections')).toEqual([]);
  });
});
