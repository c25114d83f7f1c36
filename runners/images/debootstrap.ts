/**
 * A Debian (or Devuan) root tree from debootstrap, when the user names a mirror, made
 * into an ext4 image with `mkfs.ext4 -d`; the tree is cached per (mirror, suite, packages).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootwatchError } from '../../common/errors.ts';
import { imagesDir } from '../paths.ts';
import { runCommand } from '../process.ts';

export interface DebootstrapSpec {
  /** `http://deb.debian.org/debian`, `http://deb.devuan.org/merged`, or a local mirror. */
  mirror: string;
  suite: string;
  variant: 'minbase' | 'buildd' | 'default';
  include: string[];
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
  for (const p of s.include)
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(p))
      throw new BootwatchError('input.invalid', `debootstrap include "${p}" is not a package name`);
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
