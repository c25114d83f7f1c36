/**
 * An ext4 root disk image built locally from busybox with `mkfs.ext4 -d`; device nodes
 * are added with debugfs so no root privileges are needed.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootwatchError } from '../../common/errors.ts';
import { imagesDir } from '../paths.ts';
import { runCommand } from '../process.ts';
import { busyboxTree } from './initramfs.ts';

/** Builds (or reuses) `<images>/rootfs-<hash>.ext4`; returns its path. */
export async function buildRootfs(init: string, busybox: string, sizeMb: number): Promise<string> {
  const entries = busyboxTree(busybox, init);
  const hash = createHash('sha256')
    .update(init)
    .update(busybox)
    .update(String(sizeMb))
    .digest('hex')
    .slice(0, 16);
  const dir = imagesDir();
  const file = join(dir, `rootfs-${hash}.ext4`);
  if (existsSync(file)) return file;
  const stage = join(dir, `rootfs-${hash}.stage.${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const nodes: string[] = [];
  for (const e of entries) {
    const p = join(stage, e.path);
    if (e.type === 'dir') mkdirSync(p, { recursive: true });
    else if (e.type === 'file') {
      writeFileSync(p, e.data);
      chmodSync(p, e.mode ?? 0o644);
    } else if (e.type === 'symlink') symlinkSync(e.target, p);
    else nodes.push(`mknod /${e.path} c ${e.major} ${e.minor}`);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const mk = await runCommand('mkfs.ext4', [
      '-q',
      '-F',
      '-L',
      'bootwatch-root',
      '-d',
      stage,
      tmp,
      `${sizeMb}M`,
    ]);
    if (mk.code !== 0)
      throw new BootwatchError('harness.failed', `mkfs.ext4 failed: ${mk.spawnError ?? mk.output.trim()}`);
    for (const cmd of nodes) {
      const r = await runCommand('debugfs', ['-w', '-R', cmd, tmp]);
      if (r.code !== 0)
        throw new BootwatchError(
          'harness.failed',
          `debugfs ${cmd} failed: ${r.spawnError ?? r.output.trim()}`,
        );
    }
    renameSync(tmp, file);
    return file;
  } finally {
    rmSync(stage, { recursive: true, force: true });
    rmSync(tmp, { force: true });
  }
}
