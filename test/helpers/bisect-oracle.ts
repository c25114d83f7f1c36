/**
 * A simulated "config → outcome" oracle for bisections that must not build kernels: a
 * miniature olddefconfig over the seed ladder's network options (Kconfig dependencies,
 * invisible symbols dropped) and a boot that breaks exactly when CONFIG_E1000 is on.
 * Every evaluation is counted, so a test can tell a resumed step from a rebuilt one.
 */
import type { BisectDeps, BisectInput, Evaluation } from '../../collector/analysis/bisect.ts';
import { type ConfigValues, configHash } from '../../collector/analysis/config-diff.ts';
import type { Toolchain } from '../../runners/bisect/run-bisection.ts';

interface Sym {
  name: string;
  deps: string[];
}

const sym = (name: string, deps: string[] = []): Sym => ({
  name: `CONFIG_${name}`,
  deps: deps.map((d) => `CONFIG_${d}`),
});

const NET: Sym[] = [
  sym('NET'),
  sym('INET', ['NET']),
  sym('UNIX', ['NET']),
  sym('PACKET', ['NET']),
  sym('PCI'),
  sym('NETDEVICES', ['NET']),
  sym('E1000', ['PCI', 'NETDEVICES']),
  sym('POSIX_TIMERS'),
];

function olddefconfig(values: ConfigValues): ConfigValues {
  const out: ConfigValues = new Map();
  for (const s of NET)
    if (s.deps.every((d) => out.get(d) === 'y')) out.set(s.name, values.get(s.name) ?? 'n');
  return out;
}

const set = (...names: string[]): ConfigValues => new Map(names.map((n) => [`CONFIG_${n}`, 'y']));

/** The good and bad sides as .config text (what a user would pass as files). */
const ORACLE_GOOD = set('NET', 'INET');
const ORACLE_BAD = set('NET', 'INET', 'UNIX', 'PACKET', 'PCI', 'NETDEVICES', 'E1000', 'POSIX_TIMERS');

const configText = (v: ConfigValues): string =>
  `${[...v].map(([k, x]) => (x === 'n' ? `# ${k} is not set` : `${k}=${x}`)).join('\n')}\n`;

export interface Oracle {
  deps: Pick<BisectDeps, 'resolve' | 'evaluate' | 'dependsOn'>;
  input: BisectInput;
  /** Evaluations per resolved config hash. */
  built: Map<string, number>;
  evaluations(): number;
}

/** A fresh oracle; `delayMs` makes each evaluation take a while (an agent to kill mid-run). */
export function netOracle(delayMs = 0): Oracle {
  const built = new Map<string, number>();
  return {
    built,
    evaluations: () => [...built.values()].reduce((a, b) => a + b, 0),
    input: { good: olddefconfig(ORACLE_GOOD), bad: olddefconfig(ORACLE_BAD), maxBuilds: 24 },
    deps: {
      resolve: async (v) => olddefconfig(v),
      evaluate: async (v): Promise<Evaluation> => {
        const h = configHash(v);
        built.set(h, (built.get(h) ?? 0) + 1);
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        return v.get('CONFIG_E1000') === 'y'
          ? { verdict: 'bad', outcome: 'panic: BUG: unable to handle page fault in e1000_probe' }
          : { verdict: 'good', outcome: 'booted' };
      },
      dependsOn: (o) => NET.find((s) => s.name === o)?.deps ?? [],
    },
  };
}

/** The oracle as a bisection's toolchain: no kernel tree, no builds, no boots. */
export function oracleToolchain(o: Oracle, workDir: string): Toolchain {
  return {
    source: async () => ({ dir: workDir, input: { name: 'simulated', kind: 'dir' } }),
    deps: () => o.deps,
  };
}

/** Both sides as a queued job sends them: .config files by content. */
export const oracleSides = {
  good: { file: 'good.config', content: configText(ORACLE_GOOD) },
  bad: { file: 'bad.config', content: configText(ORACLE_BAD) },
};
