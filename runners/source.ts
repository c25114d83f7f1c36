/**
 * Kernel source trees: a directory as given, or a Debian linux-source tarball unpacked
 * once into the cache (`$BOOTWATCH_CACHE/src/<name>`), shared by every build.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BootwatchError } from '../common/errors.ts';
import type { KernelSourceInput } from '../common/types/ingest.ts';
import type { ResolvedSource } from './matrix/types.ts';
import { cacheDir } from './paths.ts';
import { runCommand } from './process.ts';

export interface KernelSource {
  dir: string;
  input: KernelSourceInput;
}

/** Returns a ready source dir, unpacking a tarball into the cache the first time. */
export async function prepareSource(src: ResolvedSource): Promise<KernelSource> {
  if (src.kind === 'dir') {
    checkTree(src.path);
    return {
      dir: src.path,
      input: {
        name: basename(src.path),
        kind: existsSync(join(src.path, '.git')) ? 'git' : 'dir',
        path: src.path,
        version: kernelVersion(src.path),
      },
    };
  }
  const name = basename(src.path).replace(/\.tar(\.\w+)?$/, '');
  const dir = join(cacheDir(), 'src', name);
  if (!existsSync(join(dir, 'Makefile'))) {
    if (!existsSync(src.path))
      throw new BootwatchError(
        'harness.failed',
        `kernel tarball not found: ${src.path} (apt-get install ${name})`,
      );
    // A directory of our own: two processes may unpack at once (the first one in wins).
    mkdirSync(dirname(dir), { recursive: true });
    const tmp = mkdtempSync(`${dir}.unpacking-`);
    const r = await runCommand('tar', ['-xf', src.path, '-C', tmp, '--strip-components=1']);
    if (r.code !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new BootwatchError('harness.failed', `unpacking ${src.path} failed: ${r.output.slice(-500)}`);
    }
    try {
      renameSync(tmp, dir);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(dir, 'Makefile'))) throw err;
    }
  }
  checkTree(dir);
  return { dir, input: { name, kind: 'tarball', path: src.path, version: kernelVersion(dir) } };
}

/** An in-tree build leaves a .config that makes every O= build fail: say so up front. */
function checkTree(dir: string): void {
  if (!existsSync(join(dir, 'Makefile')))
    throw new BootwatchError('harness.failed', `not a kernel source tree: ${dir}`);
  if (existsSync(join(dir, '.config')) || existsSync(join(dir, 'include/config'))) {
    throw new BootwatchError(
      'harness.failed',
      `kernel source ${dir} is not clean (an in-tree build was made there); run 'make mrproper' in it`,
    );
  }
}

/** `6.1.192` from the top-level Makefile. */
function kernelVersion(dir: string): string | null {
  try {
    return versionFromMakefile(readFileSync(join(dir, 'Makefile'), 'utf8').slice(0, 2000));
  } catch {
    return null;
  }
}

/** `6.1.192` (or `6.8.0-rc1`) from the head of a kernel's top-level Makefile; null when it has none. */
export function versionFromMakefile(mk: string): string | null {
  // Blanks only: `\s` would run past an empty `EXTRAVERSION =` into the next line (`NAME = ...`).
  const get = (k: string) => mk.match(new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, 'm'))?.[1] ?? '';
  const v = `${get('VERSION')}.${get('PATCHLEVEL')}.${get('SUBLEVEL')}${get('EXTRAVERSION')}`;
  return v === '..' ? null : v;
}
