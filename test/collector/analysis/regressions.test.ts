/**
 * Regression detection on sequences of real seed-ladder boots: jitter that must stay
 * quiet, real breakage that must alert, and fixes that close what they fixed.
 */
import { describe, expect, it } from 'vitest';
import { judgeGrowth, noiseStats } from '../../../collector/analysis/noise.ts';
import {
  detectRegressions,
  type Finding,
  isFixed,
  pickBaseline,
  type RunFacts,
  recoveredFrom,
  reviewOpen,
} from '../../../collector/analysis/regressions.ts';
import { parseLog } from '../../../collector/parser/index.ts';
import type { ParseResult } from '../../../common/types/parse.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const parsed = new Map<string, ParseResult>();
function parse(log: string): ParseResult {
  if (!parsed.has(log))
    parsed.set(log, parseLog(fixtureBytes(`logs/${log}`), { context: { initIsScript: true } }));
  return structuredClone(parsed.get(log)!);
}

/** A deterministic pseudo-random stream (mulberry32) for reproducible jitter. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let seq = 0;
/** One run of a variant from a real log, with build facts and optional jitter (±fraction). */
function run(
  log: string,
  o: { image?: number; wallMs?: number; jitter?: number; seed?: number; status?: 'PASS' | 'FAIL' } = {},
): RunFacts {
  const p = parse(log);
  const r = rng(o.seed ?? ++seq);
  const j = (v: number) => v * (1 + (r() * 2 - 1) * (o.jitter ?? 0));
  const init = p.milestones.init_start;
  return {
    bootId: ++seq,
    buildId: seq,
    variant: 'v',
    at: new Date(1_700_000_000_000 + seq * 60_000).toISOString(),
    outcome: o.status === 'FAIL' ? null : p.outcome,
    buildStatus: o.status ?? 'PASS',
    crashes: o.status === 'FAIL' ? [] : p.crashes,
    events: o.status === 'FAIL' ? [] : p.events,
    milestones:
      o.status === 'FAIL' ? {} : { ...p.milestones, ...(init != null ? { init_start: j(init) } : {}) },
    initcalls: o.status === 'FAIL' ? [] : p.initcalls.map((c) => ({ ...c, usecs: Math.round(j(c.usecs)) })),
    sizes: { image: o.image ?? 1_200_000, text: 3_000_000 },
    buildWallMs: Math.round(j(o.wallMs ?? 180_000)),
  };
}

/** Feeds runs one by one the way the collector does; returns what each run opened and fixed. */
function replay(runs: RunFacts[]) {
  const done: RunFacts[] = [];
  let open: Finding[] = [];
  return runs.map((cur) => {
    const history = [...done].reverse();
    const { fixed, still } = reviewOpen(open, cur);
    const fresh = detectRegressions({ current: cur, baseline: pickBaseline(history), history }).filter(
      (f) => !still.some((s) => s.key === f.key),
    );
    open = [...still, ...fresh];
    done.push(cur);
    return { opened: fresh.map((f) => f.key), fixed: fixed.map((f) => f.key), open: open.map((f) => f.key) };
  });
}

describe('noise', () => {
  it('median/MAD ignore a single outlier', () => {
    expect(noiseStats([10, 11, 9, 10, 500])).toEqual({ n: 5, median: 10, mad: 1 });
  });
  it('judges against history, falls back to the baseline, and needs a floor to alert', () => {
    const rule = { k: 4, minAbs: 5, minRel: 0.1, minHistory: 4, fallbackRel: 0.5 };
    expect(judgeGrowth(104, [100, 100, 100, 100], 100, rule).regressed).toBe(false);
    expect(judgeGrowth(111, [100, 100, 100, 100], 100, rule).regressed).toBe(true);
    expect(judgeGrowth(140, [100], 100, rule)).toMatchObject({ regressed: false, basis: 'baseline' });
    expect(judgeGrowth(160, [100], 100, rule)).toMatchObject({ regressed: true, basis: 'baseline' });
    expect(judgeGrowth(1e9, [], null, rule).regressed).toBe(false);
  });
});

describe('sequences of real runs', () => {
  it('boots of the block step with ±10% jitter (260 initcalls, build and init times) raise nothing', () => {
    for (const seed of [100, 1000, 2000, 3000, 4000]) {
      const runs = Array.from({ length: 15 }, (_, i) =>
        run('07-block-initcall-debug.log', { jitter: 0.1, seed: seed + i, image: 1_500_000 + (i % 3) * 64 }),
      );
      expect(runs[0].initcalls.length).toBe(260);
      for (const step of replay(runs)) expect(step.opened).toEqual([]);
    }
  });

  it('one initcall 20x slower alerts on that initcall only, and closes when it is back', () => {
    const runs = Array.from({ length: 8 }, (_, i) =>
      run('07-block-initcall-debug.log', { jitter: 0.1, seed: 200 + i }),
    );
    const slow = run('07-block-initcall-debug.log', { jitter: 0.1, seed: 300 });
    const victim = [...slow.initcalls].sort((a, b) => b.usecs - a.usecs)[5];
    victim.usecs *= 20;
    const after = run('07-block-initcall-debug.log', { jitter: 0.1, seed: 301 });
    const steps = replay([...runs, slow, after]);
    expect(steps[8].opened).toEqual([`initcall:${victim.fn}`]);
    expect(steps[9]).toMatchObject({ opened: [], fixed: [`initcall:${victim.fn}`], open: [] });
  });

  it('build time and time to init: noise stays quiet, a real slowdown alerts', () => {
    const quiet = Array.from({ length: 10 }, (_, i) =>
      run('05-net-e1000.log', { jitter: 0.04, wallMs: 180_000, seed: 400 + i }),
    );
    const slowBuild = run('05-net-e1000.log', { jitter: 0.04, wallMs: 260_000, seed: 500 });
    const slowInit = run('05-net-e1000.log', { jitter: 0, seed: 501 });
    slowInit.milestones.init_start = 2.5;
    const steps = replay([...quiet, slowBuild, slowInit]);
    for (const s of steps.slice(0, 10)) expect(s.opened).toEqual([]);
    expect(steps[10].opened).toEqual(['build_time']);
    expect(steps[11].opened).toEqual(['boot_time:init_start']);
    expect(steps[11].fixed).toEqual(['build_time']);
  });

  it('a single slow previous run is not a baseline: no alert on a return to normal', () => {
    const runs = Array.from({ length: 6 }, (_, i) =>
      run('05-net-e1000.log', { jitter: 0.03, seed: 600 + i }),
    );
    runs[4].buildWallMs = 400_000; // one outlier in history
    const steps = replay([...runs, run('05-net-e1000.log', { jitter: 0.03, seed: 700 })]);
    expect(steps[6].opened).toEqual([]);
  });

  it('losing the network step: lost e1000 probe and new socket errors; fixed when it comes back', () => {
    const noNet = run('03-exec-no-net.log');
    noNet.milestones.init_start = 0.85727; // as fast as the net step: only the network differs
    const steps = replay([run('05-net-e1000.log'), run('05-net-e1000.log'), noNet, run('05-net-e1000.log')]);
    expect(steps[2].opened).toEqual(
      expect.arrayContaining([
        'probe:e1000',
        'error:ENOSYS:ip: socket: Function not implemented',
        'mount_failed:none on /dev:ENODEV',
      ]),
    );
    expect(steps[2].opened).not.toContain('outcome');
    expect(steps[3].fixed.sort()).toEqual([...steps[2].opened].sort());
    expect(steps[3].open).toEqual([]);
  });

  it('booted → panic: outcome and crash, no pile of lost milestones; fixed by the next good boot', () => {
    const good = run('03-exec-no-net.log');
    const bad = run('02-initrd-no-binfmt.log');
    const found = detectRegressions({ current: bad, baseline: good, history: [good] });
    const outcome = found.find((f) => f.kind === 'outcome')!;
    expect(outcome).toMatchObject({ was: 'booted', now: 'panic', severity: 'high' });
    expect(outcome.title).toContain('kernel panic: No working init found');
    expect(outcome.evidence[0].text).toContain('Kernel panic - not syncing: No working init found');
    expect(found.map((f) => f.key)).toEqual(
      expect.arrayContaining([
        'crash:kernel panic: No working init found. Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst f',
        'init_exec:/init:ENOENT',
      ]),
    );
    expect(found.filter((f) => f.kind === 'milestone')).toEqual([]);
    const steps = replay([good, bad, run('03-exec-no-net.log')]);
    expect(steps[2].open).toEqual([]);
  });

  it('a harness error proves nothing: no regression, no fix', () => {
    const good = run('05-net-e1000.log');
    const bad = run('02-initrd-no-binfmt.log');
    const harness = {
      ...run('05-net-e1000.log'),
      outcome: 'error' as const,
      events: [],
      crashes: [],
      milestones: {},
    };
    const open = detectRegressions({ current: bad, baseline: good, history: [good] });
    expect(detectRegressions({ current: harness, baseline: good, history: [bad, good] })).toEqual([]);
    expect(reviewOpen(open, harness).fixed).toEqual([]);
  });

  it('a variant that never booted has nothing to fix, yet its first good boot recovered from the failure', () => {
    const bad = run('02-initrd-no-binfmt.log');
    const harness = { ...run('05-net-e1000.log'), outcome: 'error' as const };
    const build = run('05-net-e1000.log', { status: 'FAIL' });
    const good = run('05-net-e1000.log');
    // Newest first: a harness error and a failed build say nothing about the kernel.
    const history = [build, harness, bad];
    expect(replay([bad, good]).map((s) => s.fixed)).toEqual([[], []]);
    expect(recoveredFrom(good, history)).toBe(bad);
    expect(recoveredFrom(run('05-net-e1000.log'), [good, bad])).toBeNull();
    expect(recoveredFrom(run('02-initrd-no-binfmt.log'), history)).toBeNull();
    expect(recoveredFrom(good, [])).toBeNull();
  });

  it('a panic earlier than a new warning does not count as fixing the warning', () => {
    const good = run('05-net-e1000.log');
    const warned = run('05-net-e1000.log');
    warned.crashes.push({
      kind: 'warning',
      title: 'WARNING in e1000_probe',
      line: 300,
      time: 0.6,
      fatal: false,
    });
    const [f] = detectRegressions({ current: warned, baseline: good, history: [good] });
    expect(f).toMatchObject({ kind: 'crash', key: 'crash:WARNING in e1000_probe', severity: 'medium' });
    expect(isFixed(f, run('01-serial-no-initrd.log'))).toBe(false); // panicked at 0.18 s
    expect(isFixed(f, run('05-net-e1000.log'))).toBe(true);
  });

  it('image size growth beyond bytes or percent; small growth is fine', () => {
    const base = run('05-net-e1000.log', { image: 1_000_000 });
    const cases: [number, boolean][] = [
      [1_005_000, false],
      [1_012_000, true], // > 1 %
      [999_000, false],
    ];
    for (const [image, alerts] of cases) {
      const cur = run('05-net-e1000.log', { image });
      const keys = detectRegressions({ current: cur, baseline: base, history: [base] }).map((f) => f.key);
      expect(keys.includes('size:image')).toBe(alerts);
    }
    const cur = run('05-net-e1000.log', { image: 1_003_000 });
    const tight = { size: { metrics: ['image' as const], bytes: 2048, percent: null } };
    const [f] = detectRegressions({ current: cur, baseline: base, history: [base], options: tight });
    expect(f).toMatchObject({ key: 'size:image', was: 1_000_000, now: 1_003_000, threshold: 1_002_048 });
    expect(isFixed(f, run('05-net-e1000.log', { image: 1_001_000 }), tight)).toBe(true);
  });

  it('a broken build is a regression; the next good build fixes it', () => {
    const steps = replay([
      run('05-net-e1000.log'),
      run('05-net-e1000.log', { status: 'FAIL', wallMs: 20_000 }),
      run('05-net-e1000.log'),
    ]);
    expect(steps[1].opened).toEqual(['build']);
    expect(steps[2]).toMatchObject({ fixed: ['build'], open: [] });
  });

  it('picks the newest good run as baseline, the pinned one when given', () => {
    const a = run('05-net-e1000.log');
    const b = run('02-initrd-no-binfmt.log');
    const h = [b, a];
    expect(pickBaseline(h)).toBe(a);
    expect(pickBaseline(h, b)).toBe(b);
    expect(pickBaseline([b])).toBe(b);
    expect(pickBaseline([])).toBeNull();
  });
});
