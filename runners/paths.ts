/**
 * Where the runners keep things: a cache that can be thrown away (kernel sources, build
 * dirs, images) and a spool that must not be (console bytes not yet at the collector).
 */
import { join, resolve } from 'node:path';
import { setting } from '../common/settings.ts';

/** `$BOOTWATCH_CACHE`, default `~/.cache/bootwatch`. */
export function cacheDir(): string {
  return resolve(setting('BOOTWATCH_CACHE'));
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
  return resolve(setting('BOOTWATCH_SPOOL') ?? join(setting('BOOTWATCH_DATA'), 'spool'));
}
