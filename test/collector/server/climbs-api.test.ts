/**
 * The climb routes on PGlite and PostgreSQL: a real climb (collector/analysis/climb.ts on the
 * simulated kernel) put mid-run and again once reached, then listed and opened by id and by
 * key; every put reaches the live feed as a `climb` message; bad bodies answer 400; each
 * attempt's stored boot and build name the climb and the attempt they were made for.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ClimbState, climb, initialClimbState } from '../../../collector/analysis/climb.ts';
import type { Database } from '../../../collector/db/client.ts';
import type { App } from '../../../collector/server/types.ts';
import type {
  BootDetail,
  BuildDetail,
  ClimbDetail,
  ClimbInput,
  ClimbSummary,
} from '../../../common/types/api.ts';
import { attemptStore, ladderOracle } from '../../helpers/climb-oracle.ts';
import { appOn, connectWs } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';

const KEY = '0123456789abcdef';

/** A real climb's state after its third attempt, and its final state. */
async function realClimb(): Promise<{ running: ClimbInput; done: ClimbInput }> {
  const { deps } = ladderOracle();
  let mid: ClimbState | null = null;
  const state = await climb(initialClimbState(['marker'], 20), {
    ...deps,
    onStep: (s) => {
      if (s.attempts.length === 3) mid ??= structuredClone(s);
    },
  });
  const base = { matrix: 'seed-ladder', variant: '00-allnoconfig', agent: 'test-host' };
  return {
    running: { ...base, status: 'running', state: mid! },
    done: { ...base, status: state.status, state },
  };
}

describe.each(backends())('climb API on $name', (backend) => {
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
    app.inject({ method: 'PUT', url: `/api/climbs/${key}`, payload: body as object });

  it('upserts by key, lists the latest first, opens by id and by key, tells the feed', async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const { running, done } = await realClimb();
    expect(done.state.status).toBe('reached');
    const feed = await connectWs(app, '/api/feed?types=climb');
    await feed.next((m) => m.type === 'subscribed');

    const first = await put(KEY, running);
    expect(first.statusCode, first.body).toBe(200);
    const { id } = first.json() as { id: number };
    expect(await feed.next((m) => m.type === 'climb')).toEqual({
      type: 'climb',
      id,
      key: KEY,
      variant: '00-allnoconfig',
      status: 'running',
      phase: 'climb',
      builds: 3,
      maxBuilds: 20,
      steps: 3,
    });
    const [row] = await get<ClimbSummary[]>('/api/climbs');
    expect(row).toMatchObject({
      id,
      key: KEY,
      matrix: 'seed-ladder',
      goals: ['marker'],
      status: 'running',
      builds: 3,
      steps: 3,
      kept: running.state.attempts.filter((a) => a.verdict === 'kept').length,
      stage: running.state.current!.lastStage,
      agent: 'test-host',
    });
    expect(row).not.toHaveProperty('state');

    const second = await put(KEY, done);
    expect(second.json()).toEqual({ id });
    expect(await feed.next((m) => m.type === 'climb')).toMatchObject({
      id,
      status: 'reached',
      phase: 'minimise',
      steps: done.state.attempts.length,
      builds: done.state.builds,
    });

    await put('fedcba9876543210', { ...running, variant: 'other' });
    const list = await get<ClimbSummary[]>('/api/climbs');
    expect(list.map((c) => c.variant)).toEqual(['other', '00-allnoconfig']);
    expect(list[1]).toMatchObject({ id, status: 'reached', kept: 3, stopped: null });

    const detail = await get<ClimbDetail>(`/api/climbs/${id}`);
    expect(detail.attempts).toEqual(JSON.parse(JSON.stringify(done.state.attempts)));
    expect(detail.rungs.map((r) => r.option)).toEqual([
      'CONFIG_PRINTK',
      'CONFIG_RD_GZIP',
      'CONFIG_BINFMT_ELF',
    ]);
    expect(detail.rungs[0].with).toContain('CONFIG_SERIAL_8250_CONSOLE');
    expect(detail.fragment).toContain('CONFIG_BINFMT_SCRIPT=y\n');
    expect(detail.options).toEqual(done.state.options);
    expect(detail).not.toHaveProperty('state');
    const byKey = await get<ClimbDetail>(`/api/climbs/${KEY}?state=true`);
    expect(byKey.id).toBe(id);
    expect(byKey.state).toEqual(JSON.parse(JSON.stringify(done.state)));
    await get('/api/climbs/999', 404);
    await get('/api/climbs/aaaaaaaaaaaaaaaa', 404);
  });

  it("links each attempt's boot and build back to the climb and the attempt", async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const store = attemptStore('00-allnoconfig~climb', async (url, body) => {
      const bytes = Buffer.isBuffer(body);
      const r = await app.inject({
        method: 'POST',
        url,
        payload: body,
        headers: { 'content-type': bytes ? 'application/octet-stream' : 'application/json' },
      });
      expect(r.statusCode, r.body).toBeLessThan(300);
      return r.json() as { id: number };
    });
    const { deps } = ladderOracle({ store });
    const state = await climb(initialClimbState(['marker'], 20), deps);
    const { id } = (
      await put(KEY, { matrix: 'seed-ladder', variant: '00-allnoconfig', status: state.status, state })
    ).json() as { id: number };
    const built = state.attempts.filter((a) => a.bootId != null);
    // One boot per build; minimise's first removal reuses the boot of the trial beneath it.
    expect(new Set(built.map((a) => a.bootId)).size).toBe(state.builds);
    expect(built.length).toBe(state.builds + 1);
    const climbRef = {
      id,
      matrix: 'seed-ladder',
      variant: '00-allnoconfig',
      goals: ['marker'],
      status: 'reached',
      maxBuilds: 20,
    };
    for (const a of built) {
      const { bootId, buildId } = a;
      // The next attempt's symptom cites this boot too: only the attempts that booted it count
      // (two when minimise reused it).
      const link = built
        .filter((b) => b.bootId === bootId)
        .map(({ bootId, buildId, outcome, lastStage, imageBytes, ...rest }) => ({
          climb: climbRef,
          attempt: JSON.parse(JSON.stringify(rest)),
        }));
      const boot = await get<BootDetail>(`/api/boots/${bootId}`);
      expect(boot.variant).toBe('00-allnoconfig~climb');
      expect(boot.buildId).toBe(buildId);
      expect(boot.climbAttempts).toEqual(link);
      expect((await get<BuildDetail>(`/api/builds/${buildId}`)).climbAttempts).toEqual(link);
    }
    const kept = built.filter((a) => a.verdict === 'kept').map((a) => a.option);
    expect(kept).toContain('CONFIG_BINFMT_ELF');
    // A boot and a build no climb made.
    const { id: plainBuild } = (
      await app.inject({
        method: 'POST',
        url: '/api/builds',
        payload: { variant: '03-exec', status: 'PASS', startedAt: new Date().toISOString() },
      })
    ).json() as { id: number };
    const plainBoot = (
      await app.inject({
        method: 'POST',
        url: '/api/logs?variant=03-exec',
        payload: Buffer.from('Linux version 6.1.0\n'),
        headers: { 'content-type': 'application/octet-stream' },
      })
    ).json() as { id: number };
    expect((await get<BuildDetail>(`/api/builds/${plainBuild}`)).climbAttempts).toEqual([]);
    expect((await get<BootDetail>(`/api/boots/${plainBoot.id}`)).climbAttempts).toEqual([]);
  });

  it('answers 400 for bad bodies and keys, and stores nothing', async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const { running } = await realClimb();
    const attempt = running.state.attempts[1];
    const bad = [
      { ...running, status: 'finished' },
      { ...running, state: undefined },
      { ...running, state: { ...running.state, goals: ['moon'] } },
      { ...running, state: { ...running.state, goals: [] } },
      { ...running, state: { ...running.state, builds: -1 } },
      { ...running, variant: '' },
      { ...running, state: { ...running.state, attempts: [{ ...attempt, verdict: 'maybe' }] } },
      { ...running, state: { ...running.state, attempts: [{ ...attempt, bootId: 0 }] } },
    ];
    for (const body of bad) {
      const r = await put(KEY, body);
      expect(r.statusCode, JSON.stringify(body).slice(0, 200)).toBe(400);
      expect(r.json().error.code).toBe('input.invalid');
    }
    expect((await put('not-a-key', running)).statusCode).toBe(400);
    await get('/api/climbs/0', 400);
    await get('/api/climbs?limit=0', 400);
    expect(await get<ClimbSummary[]>('/api/climbs')).toEqual([]);
  });
});
