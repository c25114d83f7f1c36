/**
 * Builds one variant: config, make, artifacts, and a BuildInput for the collector —
 * also when the build broke (status FAIL with its error lines) or the environment did
 * (status ERROR with the reason), so a broken build is a stored result, not a crash.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Arch } from '../../common/arch.ts';
import type { BuildInput } from '../../common/types/ingest.ts';
import { crossCompilePrefix } from '../host-arch.ts';
import type { ResolvedVariant } from '../matrix/types.ts';
import { buildsDir } from '../paths.ts';
import { runCommand } from '../process.ts';
import type { KernelSource } from '../source.ts';
import { collectArtifacts } from './artifacts.ts';
import { formatDropped, makeConfig } from './config.ts';
import { acquireBuildLock } from './lock.ts';
import { scanBuildLog } from './log-scan.ts';
import { runMake } from './make.ts';

export interface BuildProgress {
  phase: 'waiting' | 'config' | 'compile' | 'artifacts' | 'done' | 'failed';
  percent?: number;
  message?: string;
}

export interface BuildOptions {
  jobs?: number;
  ccache?: boolean;
  onProgress?: (p: BuildProgress) => void;
  /** Aborts config and make (an agent that lost its lease). */
  signal?: AbortSignal;
  /** Where O= dirs live (default `$BOOTWATCH_CACHE/build`). */
  buildRoot?: string;
}

export interface BuildOutcome {
  input: BuildInput;
  /** The image to boot (bzImage, Image), when the build produced one. */
  image: string | null;
  outDir: string;
  /** One loud line per dropped option. */
  droppedLines: string[];
}

/** The env every build runs with: reproducible version strings help ccache. */
export function buildEnv(): NodeJS.ProcessEnv {
  return { ...process.env, KBUILD_BUILD_USER: 'bootwatch', KBUILD_BUILD_HOST: 'bootwatch', LC_ALL: 'C' };
}

/** Configures and builds a variant in its own O= dir; never throws for a broken build. */
export async function buildVariant(
  v: ResolvedVariant,
  src: KernelSource,
  opts: BuildOptions = {},
): Promise<BuildOutcome> {
  const outDir = join(opts.buildRoot ?? buildsDir(), v.matrix, v.name);
  const startedAt = new Date().toISOString();
  const progress = opts.onProgress ?? (() => {});
  const base: BuildInput = {
    variant: v.name,
    matrix: v.matrix,
    source: src.input,
    arch: v.arch,
    baseConfig: typeof v.base === 'string' ? v.base : v.base.file,
    fragments: v.fragments,
    status: 'ERROR',
    startedAt,
    host: hostname(),
    compiler: await compilerVersion(v.arch),
  };
  let release = () => {};
  try {
    // Inside the try: a host without flock is the harness's ERROR, like a host without make.
    release = await acquireBuildLock(
      () => progress({ phase: 'waiting', message: 'waiting for another kernel build (the host build lock)' }),
      undefined,
      opts.signal,
    );
    progress({ phase: 'config', percent: 0, message: 'merging config fragments' });
    const env = buildEnv();
    const cfg = await makeConfig(src.dir, outDir, v.base, v.fragments, env, opts.signal, v.arch);
    if (!cfg.ok) {
      progress({ phase: 'failed', message: cfg.error ?? 'config failed' });
      const found = scanBuildLog(cfg.log);
      return {
        input: {
          ...base,
          status: 'ERROR',
          config: cfg.config || null,
          errors: [cfg.error ?? 'config failed', ...found.errors],
          logTail: tail(cfg.log),
        },
        image: null,
        outDir,
        droppedLines: [],
      };
    }
    const droppedLines = cfg.dropped.map(formatDropped);
    const mk = await runMake({
      srcDir: src.dir,
      outDir,
      arch: v.arch,
      jobs: opts.jobs,
      ccache: opts.ccache,
      env,
      signal: opts.signal,
      onProgress: (percent, step) => progress({ phase: 'compile', percent, message: step }),
    });
    const found = scanBuildLog(mk.log);
    const ok = mk.exitCode === 0;
    progress({ phase: 'artifacts', message: 'sizes and symbols' });
    const art = ok ? await collectArtifacts(outDir, v.arch) : null;
    // A missing make/gcc is the environment's fault (ERROR), a compile error the tree's (FAIL).
    const status = ok
      ? 'PASS'
      : mk.spawnError || /not found|No such file or directory.*(gcc|ccache)/.test(found.errors.join('\n'))
        ? 'ERROR'
        : 'FAIL';
    progress({
      phase: ok ? 'done' : 'failed',
      percent: ok ? 100 : undefined,
      message: ok ? 'built' : (found.errors[0] ?? `make exited ${mk.exitCode}`),
    });
    return {
      input: {
        ...base,
        status,
        exitCode: mk.exitCode,
        config: cfg.config,
        wallMs: Math.round(mk.wallMs),
        userMs: Math.round(mk.userMs),
        sysMs: Math.round(mk.sysMs),
        sizes: art?.sizes ?? {},
        symbols: art?.symbols ?? [],
        warnings: found.warnings,
        errors: mk.spawnError ? [mk.spawnError, ...found.errors] : found.errors,
        dropped: cfg.dropped,
        command: mk.command,
        logTail: ok ? null : tail(mk.log),
        systemMap: art?.systemMap ?? null,
      },
      image: art?.image ?? null,
      outDir,
      droppedLines,
    };
  } catch (err) {
    progress({ phase: 'failed', message: (err as Error).message });
    return {
      input: { ...base, status: 'ERROR', errors: [`runner: ${(err as Error).message}`] },
      image: null,
      outDir,
      droppedLines: [],
    };
  } finally {
    release();
  }
}

function tail(log: string, lines = 150): string {
  return log.split('\n').slice(-lines).join('\n');
}

const compilers = new Map<Arch, string | null>();
/** The first line of the (cross) compiler's --version, once per arch. */
async function compilerVersion(arch: Arch): Promise<string | null> {
  if (!compilers.has(arch)) {
    const r = await runCommand(`${crossCompilePrefix(arch)}gcc`, ['--version']);
    compilers.set(arch, r.code === 0 ? r.output.split('\n')[0] : null);
  }
  return compilers.get(arch) ?? null;
}
