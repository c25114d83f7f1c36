/**
 * Config bisection against a simulated "config → outcome" oracle with Kconfig-like
 * dependencies: a small olddefconfig (invisible symbols dropped, def_bool symbols derived,
 * defaults applied), the build-count bound checked with fast-check, hints, fragments,
 * partners, skips, the budget and resuming.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BisectDeps,
  type BisectInput,
  type BisectState,
  bisect,
  differingOptions,
  type Evaluation,
  orderOptions,
} from '../../../collector/analysis/bisect.ts';
import { type ConfigValues, configHash, parseConfigText } from '../../../collector/analysis/config-diff.ts';
import { FIXTURES_DIR } from '../../helpers/fixtures.ts';

interface Sym {
  name: string;
  deps: string[];
  /** False: `def_bool y` when the dependencies hold (no prompt, a fragment cannot set it). */
  prompt: boolean;
  def: 'y' | 'n';
}

/** olddefconfig in miniature: symbols in dependency order; invisible ones are left out. */
function kconfig(universe: Sym[]): (v: ConfigValues) => ConfigValues {
  return (values) => {
    const out: ConfigValues = new Map();
    for (const s of universe) {
      if (!s.deps.every((d) => out.get(d) === 'y')) continue;
      out.set(s.name, s.prompt ? (values.get(s.name) ?? s.def) : 'y');
    }
    return out;
  };
}

/** An oracle and counters: each resolved config must be built at most once. */
function harness(universe: Sym[], verdict: (c: ConfigValues) => Evaluation['verdict']) {
  const resolve = kconfig(universe);
  const built = new Map<string, number>();
  const deps: BisectDeps = {
    resolve: async (v) => resolve(v),
    evaluate: async (v) => {
      const h = configHash(v);
      built.set(h, (built.get(h) ?? 0) + 1);
      const r = verdict(v);
      return { verdict: r, outcome: r === 'good' ? 'booted' : r === 'bad' ? 'panic' : 'build failed' };
    },
    dependsOn: (o) => universe.find((s) => s.name === o)?.deps ?? [],
  };
  return { resolve, built, deps };
}

const sym = (name: string, deps: string[] = [], prompt = true, def: 'y' | 'n' = 'n'): Sym => ({
  name: `CONFIG_${name}`,
  deps: deps.map((d) => `CONFIG_${d}`),
  prompt,
  def,
});

// The seed ladder's network step as Kconfig has it (E1000 sits in `if NETDEVICES/ETHERNET/NET_VENDOR_INTEL`).
const NET: Sym[] = [
  sym('NET'),
  sym('INET', ['NET']),
  sym('UNIX', ['NET']),
  sym('PACKET', ['NET']),
  sym('PCI'),
  sym('NETDEVICES', ['NET']),
  sym('ETHERNET', ['NETDEVICES'], true, 'y'),
  sym('NET_VENDOR_INTEL', ['ETHERNET'], true, 'y'),
  sym('E1000', ['PCI', 'NETDEVICES', 'ETHERNET', 'NET_VENDOR_INTEL']),
  sym('E1000E', ['PCI', 'NETDEVICES', 'ETHERNET', 'NET_VENDOR_INTEL']),
  sym('POSIX_TIMERS', [], true, 'n'),
];

const set = (...names: string[]): ConfigValues => new Map(names.map((n) => [`CONFIG_${n}`, 'y']));

describe('ordering and helpers', () => {
  it('puts dependencies first, hints next', () => {
    const deps = (o: string) => NET.find((s) => s.name === o)?.deps ?? [];
    const order = orderOptions(
      [
        'CONFIG_E1000',
        'CONFIG_PCI',
        'CONFIG_ETHERNET',
        'CONFIG_NETDEVICES',
        'CONFIG_NET_VENDOR_INTEL',
        'CONFIG_NET',
      ],
      (o) => (o === 'CONFIG_E1000' ? 0 : 1),
      deps,
    );
    expect(order.indexOf('CONFIG_E1000')).toBe(5);
    for (const d of deps('CONFIG_E1000')) expect(order.indexOf(d)).toBeLessThan(5);
  });
});

describe('bisection on the network step', () => {
  it('finds E1000 (a crashing driver) and not the options it needs', async () => {
    const h = harness(NET, (c) => (c.get('CONFIG_E1000') === 'y' ? 'bad' : 'good'));
    const good = h.resolve(set('NET', 'INET'));
    const bad = h.resolve(set('NET', 'INET', 'UNIX', 'PACKET', 'PCI', 'NETDEVICES', 'E1000', 'POSIX_TIMERS'));
    const { report } = await bisect({ good, bad }, h.deps);
    expect(report.status).toBe('found');
    expect(report.culprits.map((c) => c.option)).toEqual(['CONFIG_E1000']);
    expect(report.builds).toBeLessThanOrEqual(Math.ceil(Math.log2(report.differing)) + 2);
    expect([...h.built.values()].every((n) => n === 1)).toBe(true);
  });

  it('without Kconfig knowledge it names the option that let E1000 in, with E1000 beside it', async () => {
    const h = harness(NET, (c) => (c.get('CONFIG_E1000') === 'y' ? 'bad' : 'good'));
    const good = h.resolve(set('NET', 'INET'));
    const bad = h.resolve(set('NET', 'INET', 'PCI', 'NETDEVICES', 'E1000'));
    const { report } = await bisect({ good, bad }, { ...h.deps, dependsOn: undefined });
    const [c] = report.culprits;
    expect([c.option, ...c.with]).toContain('CONFIG_E1000');
  });

  it('a diagnosis hint is confirmed in one build', async () => {
    // The bad side lacks POSIX_TIMERS; the boot's diagnosis names it.
    const h = harness(NET, (c) => (c.get('CONFIG_POSIX_TIMERS') === 'y' ? 'good' : 'bad'));
    const good = h.resolve(set('NET', 'INET', 'UNIX', 'PCI', 'NETDEVICES', 'E1000', 'POSIX_TIMERS'));
    const bad = h.resolve(set('NET'));
    const known = {
      good: { verdict: 'good' as const, outcome: 'booted' },
      bad: { verdict: 'bad' as const, outcome: 'stalled' },
    };
    const { report } = await bisect(
      { good, bad, known, hints: ['CONFIG_POSIX_TIMERS', 'CONFIG_NET'] },
      h.deps,
    );
    expect(report).toMatchObject({ status: 'found', builds: 1 });
    expect(report.culprits).toEqual([
      { option: 'CONFIG_POSIX_TIMERS', good: 'y', bad: 'n', via: 'hint', confirmed: true, with: [] },
    ]);
  });
});

describe('bisection on the real exec step of the seed ladder (simulated boots)', () => {
  const cfg = (n: string) =>
    parseConfigText(readFileSync(join(FIXTURES_DIR, 'configs', `${n}.config`), 'utf8'));
  // olddefconfig for the ELF options: ELFCORE is def_bool with BINFMT_ELF, the core-dump header option needs ELFCORE.
  const resolve = async (v: ConfigValues) => {
    const out = new Map(v);
    const elf = out.get('CONFIG_BINFMT_ELF') === 'y';
    if (elf) {
      out.set('CONFIG_ELFCORE', 'y');
      out.set('CONFIG_CORE_DUMP_DEFAULT_ELF_HEADERS', v.get('CONFIG_CORE_DUMP_DEFAULT_ELF_HEADERS') ?? 'y');
    } else {
      out.delete('CONFIG_ELFCORE');
      out.delete('CONFIG_CORE_DUMP_DEFAULT_ELF_HEADERS');
    }
    return out;
  };
  // A script /init run by busybox needs both binfmts.
  const boots = (c: ConfigValues) =>
    c.get('CONFIG_BINFMT_SCRIPT') === 'y' && c.get('CONFIG_BINFMT_ELF') === 'y';
  let builds = 0;
  const deps: BisectDeps = {
    resolve,
    evaluate: async (c) => {
      builds++;
      return boots(c)
        ? { verdict: 'good', outcome: 'booted' }
        : {
            verdict: 'bad',
            outcome: 'panic',
            hints: ['CONFIG_BINFMT_SCRIPT', 'CONFIG_BINFMT_ELF', 'CONFIG_64BIT'],
          };
    },
  };

  it('with the diagnosis hints: BINFMT_SCRIPT and BINFMT_ELF in two builds', async () => {
    builds = 0;
    const { report } = await bisect(
      {
        good: cfg('03-exec'),
        bad: cfg('02-initrd'),
        known: { good: { verdict: 'good', outcome: 'booted' }, bad: { verdict: 'bad', outcome: 'panic' } },
        hints: ['CONFIG_BINFMT_SCRIPT', 'CONFIG_BINFMT_ELF', 'CONFIG_64BIT'],
      },
      deps,
    );
    expect(report.culprits.map((c) => c.option)).toEqual(['CONFIG_BINFMT_SCRIPT', 'CONFIG_BINFMT_ELF']);
    expect(report.culprits[1].with).toEqual(['CONFIG_CORE_DUMP_DEFAULT_ELF_HEADERS', 'CONFIG_ELFCORE']);
    expect([report.builds, builds, report.differing]).toEqual([2, 2, 4]);
  });

  it('endpoints unknown: their hints come from booting the bad one (2 + 2 builds)', async () => {
    builds = 0;
    const { report } = await bisect({ good: cfg('03-exec'), bad: cfg('02-initrd') }, deps);
    expect(report.culprits.map((c) => c.option)).toEqual(['CONFIG_BINFMT_SCRIPT', 'CONFIG_BINFMT_ELF']);
    expect(report.builds).toBe(4);
    expect(report.steps.map((s) => [s.phase, s.verdict, s.built])).toEqual([
      ['endpoint', 'good', true],
      ['endpoint', 'bad', true],
      ['hint', 'bad', true],
      ['hint', 'bad', true],
    ]);
  });

  it('without hints: at most ⌈log2 4⌉ = 2 builds name one of them', async () => {
    builds = 0;
    const known = {
      good: { verdict: 'good' as const, outcome: 'booted' },
      bad: { verdict: 'bad' as const, outcome: 'panic' },
    };
    const { report } = await bisect(
      { good: cfg('03-exec'), bad: cfg('02-initrd'), known, maxHintTests: 0 },
      deps,
    );
    // Turning both binfmts off resolves to the bad config itself: that half needs no build.
    expect(report.builds).toBe(1);
    expect(['CONFIG_BINFMT_SCRIPT', 'CONFIG_BINFMT_ELF']).toContain(report.culprits[0].option);
  });
});

/** A random Kconfig-like universe, two configs and one culprit among their differences. */
const scenario = fc
  .record({
    size: fc.integer({ min: 4, max: 70 }),
    seed: fc.integer(),
  })
  .map(({ size, seed }) => {
    let s = seed;
    const rnd = () => {
      s = (Math.imul(s ^ (s >>> 15), 2246822519) + 0x9e3779b9) | 0;
      return ((s >>> 0) % 10_000) / 10_000;
    };
    const universe: Sym[] = [];
    for (let i = 0; i < size; i++) {
      const deps = universe
        .filter(() => rnd() < 2 / Math.max(universe.length, 1))
        .map((x) => x.name.slice(7));
      universe.push(sym(`S${i}`, deps.slice(0, 3), rnd() < 0.85, rnd() < 0.2 ? 'y' : 'n'));
    }
    const pick = () =>
      new Map(universe.filter(() => rnd() < 0.5).map((x) => [x.name, rnd() < 0.8 ? 'y' : 'n']));
    return { universe, goodReq: pick(), badReq: pick(), culpritPick: rnd() };
  });

describe('the build-count bound (fast-check)', () => {
  it('one culprit among N differing options: ≤ ⌈log2 N⌉ + 2 builds, each config built once', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.boolean(),
        async ({ universe, goodReq, badReq, culpritPick }, withDeps) => {
          const resolve = kconfig(universe);
          const good = resolve(goodReq);
          const bad = resolve(badReq);
          const d = differingOptions(good, bad).filter((o) => universe.find((x) => x.name === o)?.prompt);
          fc.pre(d.length > 0);
          const c = d[Math.floor(culpritPick * d.length)];
          const badValue = bad.get(c);
          const h = harness(universe, (cfg) => (cfg.get(c) === badValue ? 'bad' : 'good'));
          const deps = withDeps ? h.deps : { ...h.deps, dependsOn: undefined };
          const { report } = await bisect({ good, bad, maxBuilds: 100 }, deps);
          const n = report.differing;
          expect(report.status).toBe('found');
          expect(report.builds).toBeLessThanOrEqual(Math.ceil(Math.log2(n)) + 2);
          expect([...h.built.values()].every((x) => x === 1)).toBe(true);
          const [found] = report.culprits;
          expect([found.option, ...found.with]).toContain(c);
          // A default-y culprit arrives with the option that made it visible; others are named exactly.
          const defaultOn = universe.find((x) => x.name === c)?.def === 'y';
          if (withDeps && badValue === 'y' && !defaultOn) expect(found.option).toBe(c);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('search details', () => {
  const chain = Array.from({ length: 32 }, (_, i) => sym(`O${i}`));
  const all = (n: number) => new Map(chain.slice(0, n).map((s) => [s.name, 'y']));

  it('two options that only break together: confirm finds both', async () => {
    const h = harness(chain, (c) =>
      c.get('CONFIG_O5') === 'y' && c.get('CONFIG_O20') === 'y' ? 'bad' : 'good',
    );
    const { report } = await bisect(
      { good: h.resolve(new Map()), bad: h.resolve(all(32)), confirm: true },
      h.deps,
    );
    expect(report.culprits.map((c) => c.option).sort()).toEqual(['CONFIG_O20', 'CONFIG_O5']);
    expect(report.culprits.every((c) => c.confirmed)).toBe(true);
    expect(report.builds).toBeLessThanOrEqual(2 + 2 * 5 + 2);
  });

  it('fragments first: the guilty fragment, then the option in it', async () => {
    const h = harness(chain, (c) => (c.get('CONFIG_O13') === 'y' ? 'bad' : 'good'));
    const frag = (name: string, from: number, to: number) => ({
      name,
      values: new Map(chain.slice(from, to).map((s) => [s.name, 'y'])),
    });
    const goodFragments = [frag('a', 0, 4)];
    const badFragments = [frag('a', 0, 4), frag('b', 4, 8), frag('c', 8, 16), frag('d', 16, 32)];
    const { report } = await bisect(
      { good: h.resolve(all(4)), bad: h.resolve(all(32)), goodFragments, badFragments },
      h.deps,
    );
    expect(report.culprits[0].option).toBe('CONFIG_O13');
    expect(report.steps.filter((s) => s.phase === 'fragment').length).toBe(2); // ⌈log2 3⌉
    expect(report.steps.filter((s) => s.phase === 'option' && s.built).length).toBe(3); // ⌈log2 8⌉
  });

  it('configs that fail to build are skipped around', async () => {
    const h = harness(chain, (c) => {
      if (c.get('CONFIG_O15') === 'y' && c.get('CONFIG_O16') !== 'y') return 'skip';
      return c.get('CONFIG_O22') === 'y' ? 'bad' : 'good';
    });
    const { report } = await bisect({ good: h.resolve(new Map()), bad: h.resolve(all(32)) }, h.deps);
    expect(report.culprits[0].option).toBe('CONFIG_O22');
    expect(report.steps.some((s) => s.verdict === 'skip')).toBe(true);
  });

  it('stops at the budget and names the suspects', async () => {
    const h = harness(chain, (c) => (c.get('CONFIG_O7') === 'y' ? 'bad' : 'good'));
    const { report } = await bisect(
      { good: h.resolve(new Map()), bad: h.resolve(all(32)), maxBuilds: 4 },
      h.deps,
    );
    expect(report.status).toBe('budget');
    expect(report.builds).toBe(4);
    expect(report.suspects).toContain('CONFIG_O7');
    expect(report.suspects.length).toBe(8);
  });

  it('refuses endpoints that do not differ in outcome', async () => {
    const h = harness(chain, () => 'good');
    const { report } = await bisect({ good: h.resolve(new Map()), bad: h.resolve(all(4)) }, h.deps);
    expect(report.status).toBe('bad_endpoints');
  });

  it('resumes after an interruption without building anything twice', async () => {
    const oracle = (c: ConfigValues) => (c.get('CONFIG_O27') === 'y' ? 'bad' : 'good');
    const input: BisectInput = { good: kconfig(chain)(new Map()), bad: kconfig(chain)(all(32)) };
    const full = harness(chain, oracle);
    const whole = (await bisect(input, full.deps)).report;

    const first = harness(chain, oracle);
    let saved = '';
    const interrupted = bisect(input, {
      ...first.deps,
      onStep: (state) => {
        saved = JSON.stringify(state);
        if (state.builds === 3) throw new Error('runner killed');
      },
    });
    await expect(interrupted).rejects.toThrow('runner killed');
    const second = harness(chain, oracle);
    const resumed = await bisect(JSON.parse(saved) as BisectState, second.deps);
    expect(resumed.report.culprits).toEqual(whole.culprits);
    expect(resumed.report.steps).toEqual(whole.steps);
    expect(resumed.report.builds).toBe(whole.builds);
    const both = [...first.built.keys(), ...second.built.keys()];
    expect(new Set(both).size).toBe(both.length);
    expect(both.length).toBe(whole.builds);
  });
});
