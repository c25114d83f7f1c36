/**
 * Where the runners keep things: a cache that can be thrown away (kernel sources, build
 * dirs, images) and a spool that must not be (console bytes not yet at the collector).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `$BOOTWATCH_CACHE`, default `~/.cache/bootwatch`. */
export function cacheDir(): string {
  return resolve(process.env.BOOTWATCH_CACHE || join(homedir(), '.cache', 'bootwatch'));
}

/** Out-of-tree build dirs live here, one per variant config. */
export function buildsDir(): string {
  return join(cacheDir(), 'build');
}

/** Generated initramfs and disk images. */
export function imagesDir(): string {
  return join(cacheDir(), 'images');
}

/** `$BOOTWATCH_SPOOL`, default `<BOOTWATCH_DATA or .bootwatch>/spool`: data, not cache. */
export function spoolDir(): string {
  if (process.env.BOOTWATCH_SPOOL) return resolve(process.env.BOOTWATCH_SPOOL);
  return resolve(process.env.BOOTWATCH_DATA || '.bootwatch', 'spool');
}
