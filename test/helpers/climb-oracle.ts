/**
 * A simulated kernel for climbs that must not build kernels: a miniature Kconfig (options
 * whose dependencies are off are dropped) and the console the seed ladder's kernel would
 * print under a set of options, read by the real parser. Every build is recorded.
 */
import { createHash } from 'node:crypto';
import type { ClimbDeps, ClimbEvaluation } from '../../collector/analysis/climb.ts';
import { parseLog } from '../../collector/parser/index.ts';
import type { ClimbToolchain } from '../../runners/climb/run-climb.ts';

/** Kconfig in miniature: what each option depends on. */
const DEPENDS: Record<string, string[]> = {
  CONFIG_SERIAL_8250_CONSOLE: ['CONFIG_SERIAL_8250'],
  CONFIG_SERIAL_8250: ['CONFIG_TTY'],
  CONFIG_RD_GZIP: ['CONFIG_BLK_DEV_INITRD'],
};

/** olddefconfig: an option whose dependencies are off is dropped. */
function resolve(options: readonly string[]): Set<string> {
  const on = new Set(options);
  for (let changed = true; changed; ) {
    changed = false;
    for (const o of on)
      if ((DEPENDS[o] ?? []).some((d) => !on.has(d))) {
        on.delete(o);
        changed = true;
      }
  }
  return on;
}

const STAMP = (i: number) => `[    0.${String(100000 + i).slice(1)}0] `;

/** What the seed ladder's kernel prints under `options` (a script /init, busybox ELF). */
function consoleOf(on: Set<string>): string {
  const has = (...o: string[]) => o.every((x) => on.has(`CONFIG_${x}`));
  if (!has('SERIAL_8250_CONSOLE', 'SERIAL_8250', 'TTY', 'PRINTK')) return '';
  const lines = [
    'Linux version 6.1.0 (bootwatch@bootwatch) #1',
    'Kernel command line: console=ttyS0 panic=-1',
  ];
  if (!has('BLK_DEV_INITRD', 'RD_GZIP')) {
    if (has('BLK_DEV_INITRD'))
      lines.push('Initramfs unpacking failed: invalid magic at start of compressed archive');
    lines.push(
      'VFS: Cannot open root device "(null)" or unknown-block(0,0): error -6',
      'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
    );
  } else if (!has('BINFMT_SCRIPT', 'BINFMT_ELF')) {
    lines.push(
      'Run /init as init process',
      'Failed to execute /init (error -8)',
      'Kernel panic - not syncing: No working init found.  Try passing init= option to kernel.',
    );
  } else {
    lines.push('Run /init as init process');
    return `${lines.map((l, i) => STAMP(i) + l).join('\n')}\ninit: started\nSEEDLAB-DONE\n`;
  }
  return `${lines.map((l, i) => STAMP(i) + l).join('\n')}\n`;
}

/** Keeps an attempt as a real build and boot in a collector: their ids. */
export type AttemptStore = (
  console: string,
  options: readonly string[],
  imageBytes: number,
) => Promise<{ buildId: number; bootId: number }>;

/**
 * The climb's build-and-boot steps on the simulated kernel; `crashAfter` builds, the host dies.
 * `store` keeps each attempt as a real build and boot (the dashboard links to them).
 */
export function ladderOracle(
  opts: { unlandable?: string[]; crashAfter?: number; store?: AttemptStore } = {},
) {
  const built: string[][] = [];
  const deps: ClimbDeps = {
    async apply(options, candidate) {
      if (opts.unlandable?.includes(candidate))
        return { options: [...options], landed: false, reason: 'depends on X86_32 [X86_32=n]' };
      const out = [...options];
      const add = (o: string) => {
        for (const d of DEPENDS[o] ?? []) add(d);
        if (!out.includes(o)) out.push(o);
      };
      add(candidate);
      return { options: out, landed: resolve(out).has(candidate), reason: null };
    },
    async configKey(options) {
      return createHash('sha256')
        .update([...resolve(options)].sort().join(' '))
        .digest('hex');
    },
    async unmet(options) {
      const on = resolve(options);
      return options.filter((o) => !on.has(o));
    },
    async evaluate(options) {
      if (opts.crashAfter !== undefined && built.length >= opts.crashAfter) throw new Error('host died');
      built.push([...options]);
      const text = consoleOf(resolve(options));
      const imageBytes = 1_000_000 + options.length * 10_000;
      const stored = opts.store ? await opts.store(text, options, imageBytes) : null;
      const p = parseLog(text, {
        context: { initIsScript: true, cmdline: 'console=ttyS0 panic=-1', markers: ['SEEDLAB-DONE'] },
      });
      return {
        outcome: p.outcome,
        lastStage: p.lastStage,
        milestones: Object.keys(p.milestones),
        marker: text.includes('SEEDLAB-DONE'),
        checks: [],
        diagnosis: p.diagnosis,
        lastLine: text.trimEnd().split('\n').at(-1) ?? '',
        imageBytes,
        buildId: stored?.buildId ?? built.length,
        bootId: stored?.bootId ?? built.length,
      } satisfies ClimbEvaluation;
    },
  };
  return { deps, built };
}

/** The oracle as a climb's toolchain: no kernel tree, no builds, no boots. */
export function climbToolchain(oracle: ReturnType<typeof ladderOracle>, workDir: string): ClimbToolchain {
  return {
    source: async () => ({ dir: workDir, input: { name: 'simulated', kind: 'dir' } }),
    deps: () => oracle.deps,
  };
}

/**
 * An AttemptStore over a collector's HTTP API (`post` answers `{ id }`): the attempt's options
 * as a build of the scratch variant `variant`, its console imported as a boot of that build.
 */
export function attemptStore(
  variant: string,
  post: (path: string, body: object | Buffer) => Promise<{ id: number }>,
): AttemptStore {
  return async (text, options, imageBytes) => {
    const { id: buildId } = await post('/api/builds', {
      variant,
      status: 'PASS',
      startedAt: new Date().toISOString(),
      fragments: [{ name: 'climb', content: options.map((o) => `${o}=y\n`).join('') }],
      sizes: { image: imageBytes },
    });
    const q = new URLSearchParams({ variant, buildId: String(buildId), initScript: 'true' });
    const { id: bootId } = await post(`/api/logs?${q}`, Buffer.from(text || '\n'));
    return { buildId, bootId };
  };
}
