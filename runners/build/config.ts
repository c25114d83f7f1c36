/**
 * Produces a variant's .config in its O= dir the kernel's own way: base target, then
 * scripts/kconfig/merge_config.sh for the fragments, then olddefconfig; then checks that
 * every requested option landed and explains each one Kconfig dropped.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARCH_FACTS, type Arch, DEFAULT_ARCH } from '../../common/arch.ts';
import type { ConfigFragment, DroppedOption } from '../../common/types/ingest.ts';
import type { ResolvedBase } from '../matrix/types.ts';
import { runCommand } from '../process.ts';
import { type ConfigValues, explainDropped, loadKconfig, parseConfig } from './kconfig.ts';
import { archArgs } from './make.ts';

export interface ConfigResult {
  ok: boolean;
  config: string;
  dropped: DroppedOption[];
  /** Output of the config steps (kept for a failed build's log). */
  log: string;
  error: string | null;
}

/** The options the fragments ask for, the last fragment winning. */
function requestedOptions(fragments: ConfigFragment[]): ConfigValues {
  const out: ConfigValues = new Map();
  for (const f of fragments) for (const [k, v] of parseConfig(f.content)) out.set(k, v);
  return out;
}

/** Writes `<outDir>/.config` for base + fragments and reports dropped options. */
export async function makeConfig(
  srcDir: string,
  outDir: string,
  base: ResolvedBase,
  fragments: ConfigFragment[],
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
  arch: Arch = DEFAULT_ARCH,
): Promise<ConfigResult> {
  mkdirSync(outDir, { recursive: true });
  let log = '';
  const make = async (target: string) => {
    const r = await runCommand('make', ['-C', srcDir, `O=${outDir}`, ...archArgs(arch), target], {
      env,
      signal,
    });
    log += r.output;
    return r.spawnError ?? (r.code === 0 ? null : `make ${target} failed (exit ${r.code})`);
  };
  const fail = (error: string): ConfigResult => ({
    ok: false,
    config: safeRead(join(outDir, '.config')),
    dropped: [],
    log,
    error,
  });

  if (typeof base === 'string') {
    const err = await make(base);
    if (err) return fail(err);
  } else {
    copyFileSync(base.file, join(outDir, '.config'));
  }
  if (fragments.length) {
    const fragDir = join(outDir, 'bootwatch-fragments');
    mkdirSync(fragDir, { recursive: true });
    const files = fragments.map((f, i) => {
      const file = join(fragDir, `${String(i).padStart(2, '0')}-${f.name.replace(/[^\w.-]/g, '_')}`);
      writeFileSync(file, f.content);
      return file;
    });
    const r = await runCommand(
      join(srcDir, 'scripts/kconfig/merge_config.sh'),
      ['-m', '-O', outDir, join(outDir, '.config'), ...files],
      { cwd: srcDir, env },
    );
    log += r.output;
    if (r.spawnError || r.code !== 0) return fail(r.spawnError ?? `merge_config.sh failed (exit ${r.code})`);
  }
  const err = await make('olddefconfig');
  if (err) return fail(err);
  const config = readFileSync(join(outDir, '.config'), 'utf8');
  return { ok: true, config, dropped: findDropped(srcDir, fragments, config, arch), log, error: null };
}

/** Every requested option whose final value differs, with Kconfig's reason. */
function findDropped(
  srcDir: string,
  fragments: ConfigFragment[],
  config: string,
  arch: Arch,
): DroppedOption[] {
  const want = requestedOptions(fragments);
  const got = parseConfig(config);
  const dropped: DroppedOption[] = [];
  let db: ReturnType<typeof loadKconfig> | null = null;
  for (const [name, requested] of want) {
    const actual = got.get(name) ?? null;
    if ((actual ?? 'n') === requested) continue;
    db ??= loadKconfig(srcDir, ARCH_FACTS[arch].srcArch);
    dropped.push({
      option: `CONFIG_${name}`,
      requested,
      actual,
      reason: explainDropped(name, requested, got, db),
    });
  }
  return dropped;
}

/** `CONFIG_E1000 requested but not set: depends on PCI [PCI=n]` — one loud line. */
export function formatDropped(d: DroppedOption): string {
  const got = d.actual === null || d.actual === 'n' ? 'not set' : `=${d.actual}`;
  return `${d.option}${d.requested === 'y' ? '' : `=${d.requested}`} requested but ${got}: ${d.reason ?? 'unknown reason'}`;
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
