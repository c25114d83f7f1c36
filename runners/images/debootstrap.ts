/**
 * A Debian (or Devuan) root tree from debootstrap, made into an ext4 image with
 * `mkfs.ext4 -d`; the tree is cached per (mirror, suite, packages).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootwatchError } from '../../common/errors.ts';
import { setting } from '../../common/settings.ts';
import type { DebootstrapInput } from '../matrix/debootstrap-schema.ts';
import { imagesDir } from '../paths.ts';
import { runCommand } from '../process.ts';

export interface DebootstrapSpec {
  /** `http://deb.debian.org/debian`, `http://deb.devuan.org/merged`, or a local mirror. */
  mirror: string;
  suite: string;
  variant: 'minbase' | 'buildd' | 'default';
  include: string[];
  /** Left out when empty, so the cache key of a spec without it stays the same. */
  exclude?: string[];
}

const DEBIAN_ARCHIVE = 'http://deb.debian.org/debian';

/**
 * The first `deb` URI serving `suite` in apt's sources (deb822 `.sources` or one-line
 * `.list` texts), so debootstrap downloads from where apt already does.
 */
export function mirrorFromAptSources(texts: string[], suite: string): string | null {
  for (const text of texts) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (k: string) =>
        stanza
          .match(new RegExp(`^${k}:[ \\t]*(.*)$`, 'im'))?.[1]
          .trim()
          .split(/\s+/) ?? [];
      if (field('Types').includes('deb') && field('Suites').includes(suite) && field('URIs')[0])
        return field('URIs')[0];
    }
    for (const line of text.split('\n')) {
      const m = line.match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/);
      if (m && m[2] === suite) return m[1];
    }
  }
  return null;
}

/** The archive a spec without `mirror` uses: BOOTWATCH_DEBIAN_MIRROR, apt's, else Debian's own. */
function defaultMirror(suite: string): string {
  const set = setting('BOOTWATCH_DEBIAN_MIRROR');
  if (set) return set;
  const texts: string[] = [];
  const read = (f: string) => {
    try {
      texts.push(readFileSync(f, 'utf8'));
    } catch {
      // An absent sources file is no source.
    }
  };
  read('/etc/apt/sources.list');
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d').sort())
      if (/\.(sources|list)$/.test(f)) read(join('/etc/apt/sources.list.d', f));
  } catch {
    // No sources.list.d: the one file, or the default.
  }
  return mirrorFromAptSources(texts, suite) ?? DEBIAN_ARCHIVE;
}

/** A matrix's debootstrap key with its defaults: bookworm, minbase, the default mirror. */
export function resolveDebootstrap(d: DebootstrapInput): DebootstrapSpec {
  const suite = d.suite ?? 'bookworm';
  return {
    mirror: d.mirror ?? defaultMirror(suite),
    suite,
    variant: d.variant ?? 'minbase',
    include: d.include ?? [],
    ...(d.exclude?.length ? { exclude: d.exclude } : {}),
  };
}

/** Throws `input.invalid` for a spec debootstrap would reject later, after a long wait. */
export function validateDebootstrap(s: DebootstrapSpec): void {
  let url: URL;
  try {
    url = new URL(s.mirror);
  } catch {
    throw new BootwatchError(
      'input.invalid',
      `debootstrap mirror "${s.mirror}" is not a URL (http://..., https://... or file:///...)`,
    );
  }
  if (!['http:', 'https:', 'file:'].includes(url.protocol))
    throw new BootwatchError('input.invalid', `debootstrap mirror "${s.mirror}": use http, https or file`);
  if (!/^[a-z][a-z0-9.-]*$/.test(s.suite))
    throw new BootwatchError(
      'input.invalid',
      `debootstrap suite "${s.suite}" is not a suite name (bookworm, daedalus, ...)`,
    );
  for (const p of [...s.include, ...(s.exclude ?? [])])
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(p))
      throw new BootwatchError('input.invalid', `debootstrap package "${p}" is not a package name`);
}

/** Runs debootstrap into the cache (once); returns the tree's directory. */
export async function debootstrapTree(s: DebootstrapSpec, onLine?: (l: string) => void): Promise<string> {
  validateDebootstrap(s);
  const key = createHash('sha256').update(JSON.stringify(s)).digest('hex').slice(0, 16);
  const dir = join(imagesDir(), `debootstrap-${s.suite}-${key}`);
  if (existsSync(join(dir, 'etc/os-release'))) return dir;
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const args = [
    ...(s.variant === 'default' ? [] : [`--variant=${s.variant}`]),
    ...(s.include.length ? [`--include=${s.include.join(',')}`] : []),
    ...(s.exclude?.length ? [`--exclude=${s.exclude.join(',')}`] : []),
    s.suite,
    tmp,
    s.mirror,
  ];
  const r = await runCommand('debootstrap', args, { onLine });
  if (r.spawnError)
    throw new BootwatchError('harness.failed', `debootstrap: ${r.spawnError} (apt-get install debootstrap)`);
  if (r.code !== 0)
    throw new BootwatchError(
      'harness.failed',
      `debootstrap ${s.suite} ${s.mirror} failed: ${r.output.trim().slice(-600)}`,
    );
  // The console prompt then says which machine it is.
  writeFileSync(join(tmp, 'etc/hostname'), 'bootwatch\n');
  renameSync(tmp, dir);
  return dir;
}

/** ext4 image of `tree` (sizeMb, label) with `init` added as /init via debugfs, so the cached tree stays untouched. */
export async function ext4FromTree(
  tree: string,
  out: string,
  sizeMb: number,
  label: string,
  init: string | null,
): Promise<void> {
  const mk = await runCommand('mkfs.ext4', ['-q', '-F', '-L', label, '-d', tree, out, `${sizeMb}M`]);
  if (mk.code !== 0)
    throw new BootwatchError(
      'harness.failed',
      `mkfs.ext4 -d ${tree} failed: ${mk.spawnError ?? mk.output.trim()}`,
    );
  if (!init) return;
  const file = join(tmpdir(), `bootwatch-init-${process.pid}`);
  writeFileSync(file, init, { mode: 0o755 });
  try {
    for (const cmd of ['rm /init', `write ${file} /init`, 'set_inode_field /init mode 0100755']) {
      const r = await runCommand('debugfs', ['-w', '-R', cmd, out]);
      if (r.code !== 0 && !cmd.startsWith('rm'))
        throw new BootwatchError('harness.failed', `debugfs ${cmd} failed: ${r.output.trim()}`);
    }
  } finally {
    rmSync(file, { force: true });
  }
}
