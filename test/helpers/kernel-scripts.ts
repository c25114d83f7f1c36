/**
 * The kernel's own scripts (diffconfig, bloat-o-meter) that tests compare against: from an
 * unpacked linux-source-6.1 in the cache, else taken once out of Debian's source tarball.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const TARBALL = '/usr/src/linux-source-6.1.tar.xz';
const CACHE = join(homedir(), '.cache/bootwatch');
const SCRIPTS = ['diffconfig', 'bloat-o-meter'];

/** The path of scripts/NAME, or null when neither the tree nor the tarball is here. */
export function kernelScript(name: string): string | null {
  const unpacked = join(CACHE, 'src/linux-source-6.1/scripts', name);
  if (existsSync(unpacked)) return unpacked;
  const dir = join(CACHE, 'kernel-scripts');
  const extracted = join(dir, 'linux-source-6.1/scripts', name);
  if (existsSync(extracted)) return extracted;
  if (!existsSync(TARBALL)) return null;
  mkdirSync(dir, { recursive: true });
  // Both at once: each extraction reads the whole 1.3 GB stream (half a minute).
  const members = SCRIPTS.map((s) => `linux-source-6.1/scripts/${s}`);
  execFileSync('tar', ['-xJf', TARBALL, '-C', dir, '--occurrence', ...members]);
  return existsSync(extracted) ? extracted : null;
}
