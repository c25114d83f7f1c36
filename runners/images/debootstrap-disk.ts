/**
 * A root disk a Debian (or Devuan) userspace boots from under QEMU: the cached debootstrap
 * tree, copied and set up for a machine with nothing but a serial console and a NIC — a
 * getty on the console, DHCP on eth0, root without a password, an fstab — then made into
 * an ext4 image, cached per (tree, set-up, size), so it is built once.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootwatchError } from '../../common/errors.ts';
import { imagesDir } from '../paths.ts';
import { runCommand } from '../process.ts';
import { type DebootstrapSpec, debootstrapTree, ext4FromTree } from './debootstrap.ts';

/** The disk's filesystem label; fstab mounts / by it, whatever the bus calls the disk. */
export const DEBOOTSTRAP_ROOT_LABEL = 'bootwatch-root';

/** File contents replacing the tree's, by path inside it; only files the tree's packages use. */
export function rootSetup(tree: string, tty: string): Record<string, string> {
  const read = (p: string) => readFileSync(join(tree, p), 'utf8');
  const files: Record<string, string> = {
    '/etc/fstab': `LABEL=${DEBOOTSTRAP_ROOT_LABEL} / ext4 defaults 0 0\n`,
    // The login prompt lets root in without a password: a throwaway guest behind user networking.
    '/etc/shadow': read('etc/shadow').replace(/^root:[^:]*:/m, 'root::'),
  };
  if (!existsSync(join(tree, 'etc/hosts')))
    files['/etc/hosts'] = '127.0.0.1\tlocalhost\n127.0.1.1\tbootwatch\n';
  if (existsSync(join(tree, 'etc/inittab'))) {
    // No virtual terminals in a serial-only kernel: their gettys would only respawn too fast.
    const lines = read('etc/inittab')
      .split('\n')
      .map((l) => (/^[1-6]:\d+:respawn:.*getty/.test(l) ? `#${l}` : l));
    files['/etc/inittab'] =
      `${lines.join('\n').trimEnd()}\n\n# bootwatch: the login prompt on the serial console\nT0:2345:respawn:/sbin/getty -L ${tty} 115200 vt100\n`;
  }
  if (existsSync(join(tree, 'sbin/ifup')))
    files['/etc/network/interfaces'] =
      'auto lo\niface lo inet loopback\n\n# QEMU user networking answers DHCP\nauto eth0\niface eth0 inet dhcp\n';
  return files;
}

/** Builds (or reuses) the root disk of `spec` for a guest whose console is `tty`; returns its path. */
export async function debootstrapDisk(
  spec: DebootstrapSpec,
  sizeMb: number,
  tty: string,
  onLine?: (l: string) => void,
): Promise<string> {
  const tree = await debootstrapTree(spec, onLine);
  const setup = rootSetup(tree, tty);
  const key = createHash('sha256')
    .update(JSON.stringify([tree, setup, sizeMb]))
    .digest('hex')
    .slice(0, 16);
  const file = join(imagesDir(), `debootstrap-${spec.suite}-${key}.ext4`);
  if (existsSync(file)) return file;
  const stage = `${file}.stage.${process.pid}`;
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(stage, { recursive: true, force: true });
  try {
    // A copy keeps the cached tree as debootstrap left it (the EC2 image starts from it too).
    const cp = await runCommand('cp', ['-a', '--reflink=auto', tree, stage]);
    if (cp.code !== 0)
      throw new BootwatchError('harness.failed', `cp -a ${tree}: ${cp.spawnError ?? cp.output.trim()}`);
    // writeFileSync into an existing file keeps its owner and mode (shadow's root:shadow 0640).
    for (const [p, text] of Object.entries(setup)) writeFileSync(join(stage, p), text);
    await ext4FromTree(stage, tmp, sizeMb, DEBOOTSTRAP_ROOT_LABEL, null);
    renameSync(tmp, file);
    return file;
  } finally {
    rmSync(stage, { recursive: true, force: true });
    rmSync(tmp, { force: true });
  }
}
