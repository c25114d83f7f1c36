/**
 * Regression detection through the collector's real write path (builds and console
 * imports) on PGlite and PostgreSQL: a variant's history of real seed-ladder boots opens
 * regressions when it gets worse and closes them when it gets well.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { listRegressions, pinBaseline, setThresholds } from '../../../collector/db/queries/regressions.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import { settleRegressions } from '../../../collector/regressions/detect.ts';
import type { BuildInput } from '../../../common/types/ingest.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

// Recent times: an imported boot's duration runs from its start to now and must fit the column.
const BASE = Date.now() - 2 * 3600_000;
const at = (minute: number) => new Date(BASE + minute * 60_000).toISOString();

function build(minute: number, o: Partial<BuildInput> = {}): BuildInput {
  return {
    variant: 'ladder',
    status: 'PASS',
    startedAt: at(minute),
    config: 'CONFIG_NET=y\n',
    sizes: { image: 1_000_000, text: 3_000_000 },
    wallMs: 180_000,
    ...o,
  };
}

describe.each(backends())('regression detection on $name', (backend) => {
  let database: Database;
  let c: Collector;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await settleRegressions(database.db);
    await database?.close();
  });

  /** One run: a build, then (unless it broke) a boot of it from a real log. */
  async function run(minute: number, log: string | null, o: Partial<BuildInput> = {}) {
    const buildId = await c.recordBuild(build(minute, o));
    const boot = log
      ? await c.importLog(fixtureBytes(`logs/${log}`), {
          buildId,
          variant: o.variant ?? 'ladder',
          startedAt: at(minute + 1),
          initIsScript: true,
        })
      : null;
    await settleRegressions(database.db);
    return { buildId, bootId: boot?.id ?? null };
  }
  const open = () => listRegressions(database.db, { status: 'open', limit: 100 });

  it('opens what got worse, links the runs, closes what got well', async () => {
    database = await backend.fresh();
    c = new Collector(database);
    const r1 = await run(0, '05-net-e1000.log');
    await run(5, '05-net-e1000.log');
    expect(await open()).toEqual([]);

    const bad = await run(10, '03-exec-no-net.log', { sizes: { image: 1_050_000, text: 3_000_000 } });
    const found = await open();
    expect(found.map((r) => r.key).sort()).toEqual([
      'error:ENOSYS:ip: socket: Function not implemented',
      'error:ENOSYS:nc: socket: Function not implemented',
      'mount_failed:none on /dev:ENODEV',
      'probe:e1000',
      'size:image',
    ]);
    const size = found.find((r) => r.key === 'size:image')!;
    expect(size).toMatchObject({ variant: 'ladder', buildId: bad.buildId, was: 1_000_000, now: 1_050_000 });
    const probe = found.find((r) => r.key === 'probe:e1000')!;
    expect(probe).toMatchObject({ bootId: bad.bootId, baselineBootId: r1.bootId! + 1, severity: 'medium' });

    const broken = await run(15, null, { status: 'FAIL', sizes: {}, wallMs: 20_000 });
    expect((await open()).map((r) => r.key)).toContain('build');

    // The same regressions are not opened twice by a run that still shows them.
    await run(20, '03-exec-no-net.log', { sizes: { image: 1_050_000, text: 3_000_000 } });
    const again = await open();
    expect(again.length).toBe(5);
    expect(again.find((r) => r.key === 'build')).toBeUndefined();

    const good = await run(25, '05-net-e1000.log');
    // Everything is fixed; what is left is true of these logs: the net step's init starts at
    // 0.857 s, the no-net step's at 0.483 s, and with too little history that is beyond +50%.
    expect((await open()).map((r) => [r.key, r.was, r.now])).toEqual([
      ['boot_time:init_start', 0.482756, 0.85727],
    ]);
    const fixed = await listRegressions(database.db, { status: 'fixed', limit: 100 });
    expect(fixed.length).toBe(6);
    expect(fixed.find((r) => r.key === 'build')).toMatchObject({
      buildId: broken.buildId,
      fixedBuildId: expect.any(Number),
    });
    expect(fixed.find((r) => r.key === 'probe:e1000')).toMatchObject({ fixedBootId: good.bootId });
  });

  it('booted → panic against a pinned baseline, and a harness error proves nothing', async () => {
    database = await backend.fresh();
    c = new Collector(database);
    const first = await run(0, '03-exec-no-net.log');
    await pinBaseline(database.db, 1, first.bootId!, 'known good');
    await run(5, '02-initrd-no-binfmt.log');
    const [outcome] = (await open()).filter((r) => r.kind === 'outcome');
    expect(outcome).toMatchObject({
      was: 'booted',
      now: 'panic',
      baselineBootId: first.bootId,
      severity: 'high',
    });
    expect(outcome.title).toContain('outcome booted → panic: kernel panic: No working init found');
    expect(outcome.evidence[0].text).toContain('Kernel panic - not syncing: No working init found');

    // A boot the harness lost (QEMU died) neither regresses nor fixes.
    const buildId = await c.recordBuild(build(10));
    const { id } = await c.startBoot({ buildId, variant: 'ladder', target: 'qemu', startedAt: at(11) });
    await c.console.finish(id, { endReason: 'harness_error', harnessError: 'qemu: could not start' });
    await settleRegressions(database.db);
    expect((await open()).some((r) => r.kind === 'outcome')).toBe(true);
  });

  it('a boot cut short (its agent stopped, its lease lost) is skipped: it neither regresses nor fixes', async () => {
    database = await backend.fresh();
    c = new Collector(database);
    const good = await run(0, '05-net-e1000.log');
    const log = fixtureBytes('logs/05-net-e1000.log');
    /** A boot of a new build whose runner cancelled it after `bytes` of console. */
    const cancelled = async (minute: number, bytes: Uint8Array) => {
      const buildId = await c.recordBuild(build(minute));
      const { id } = await c.startBoot({
        buildId,
        variant: 'ladder',
        target: 'qemu',
        startedAt: at(minute + 1),
      });
      await c.console.append(id, 0, bytes);
      const outcome = await c.console.finish(id, { endReason: 'cancelled', consoleBytes: bytes.length });
      await settleRegressions(database.db);
      return outcome;
    };
    // Stopped before init: the console alone reads as a stall.
    expect(await cancelled(5, log.subarray(0, log.indexOf('\n', log.length / 4) + 1))).toBe('stalled');
    expect(await open()).toEqual([]);

    // A panic after it is judged against the boot that booted...
    await run(10, '02-initrd-no-binfmt.log');
    const [outcome] = (await open()).filter((r) => r.kind === 'outcome');
    expect(outcome).toMatchObject({ was: 'booted', now: 'panic', baselineBootId: good.bootId });
    // ...and a cut-short boot whose console got as far as a good one fixes nothing.
    expect(await cancelled(15, log)).toBe('booted');
    expect((await open()).map((r) => r.id)).toContain(outcome.id);
  });

  it("a bisection's scratch variant (name~bisect) flips by design: stored, never judged", async () => {
    database = await backend.fresh();
    c = new Collector(database);
    const scratch = { variant: 'ladder~bisect' };
    await run(0, '05-net-e1000.log', scratch);
    const bad = await run(5, '03-exec-no-net.log', { ...scratch, status: 'FAIL', sizes: {} });
    await run(10, '02-initrd-no-binfmt.log', scratch);
    expect(bad.bootId).not.toBeNull();
    expect(await open()).toEqual([]);
  });

  it('per-variant thresholds: a tight size limit alerts on growth the defaults allow', async () => {
    database = await backend.fresh();
    c = new Collector(database);
    await run(0, '05-net-e1000.log');
    await setThresholds(database.db, 1, { size: { metrics: ['image'], bytes: 1000, percent: null } });
    await run(5, '05-net-e1000.log', { sizes: { image: 1_002_000, text: 3_000_000 } });
    expect((await open()).map((r) => [r.key, r.threshold])).toEqual([['size:image', 1_001_000]]);
  });
});
