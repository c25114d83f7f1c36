/**
 * The generated initramfs: a static busybox, the given /init script and the few nodes
 * the kernel wants (/dev/console), gzip-compressed (RD_GZIP is the ladder's choice),
 * cached by content so reruns reuse the same file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BootwatchError } from '../../common/errors.ts';
import { imagesDir } from '../paths.ts';
import { type CpioEntry, writeCpio } from './cpio.ts';

const DIRS = [
  'bin',
  'sbin',
  'dev',
  'etc',
  'proc',
  'sys',
  'tmp',
  'root',
  'mnt',
  'usr',
  'usr/bin',
  'usr/sbin',
  'var',
];

/** The files of a busybox userland, shared by the initramfs and the ext4 root image. */
export function busyboxTree(busybox: string, init: string, files: Record<string, string> = {}): CpioEntry[] {
  if (!existsSync(busybox))
    throw new BootwatchError(
      'harness.failed',
      `busybox not found at ${busybox} (scripts/setup.sh installs busybox-static and each guest arch's busybox)`,
    );
  return [
    ...DIRS.map((path): CpioEntry => ({ path, type: 'dir' })),
    { path: 'dev/console', type: 'char', major: 5, minor: 1 },
    { path: 'dev/null', type: 'char', major: 1, minor: 3, mode: 0o666 },
    { path: 'dev/ttyS0', type: 'char', major: 4, minor: 64 },
    { path: 'bin/busybox', type: 'file', data: readFileSync(busybox), mode: 0o755 },
    { path: 'bin/sh', type: 'symlink', target: 'busybox' },
    { path: 'init', type: 'file', data: Buffer.from(init), mode: 0o755 },
    ...extraFiles(files),
  ];
}

/** Guest path → host file, with the parent dirs the archive needs. */
function extraFiles(files: Record<string, string>): CpioEntry[] {
  const out: CpioEntry[] = [];
  const dirs = new Set(DIRS);
  for (const [guest, host] of Object.entries(files)) {
    const parts = guest.replace(/^\/+/, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) out.push({ path: d, type: 'dir' });
      dirs.add(d);
    }
    out.push({ path: parts.join('/'), type: 'file', data: readFileSync(host), mode: 0o755 });
  }
  return out;
}

/** Builds (or reuses) `<images>/initramfs-<hash>.cpio.gz`; returns its path. */
export function buildInitramfs(
  init: string,
  busybox = '/bin/busybox',
  files: Record<string, string> = {},
): string {
  const entries = busyboxTree(busybox, init, files);
  const cpio = writeCpio(entries);
  const hash = createHash('sha256').update(cpio).digest('hex').slice(0, 16);
  const dir = imagesDir();
  const file = join(dir, `initramfs-${hash}.cpio.gz`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, gzipSync(cpio, { level: 6 }));
  renameSync(tmp, file);
  return file;
}

/** True when /init starts with `#!` (the parser then blames BINFMT_SCRIPT first). */
export function isScript(init: string): boolean {
  return init.startsWith('#!');
}
