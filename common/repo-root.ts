/**
 * The checkout's root, where package.json lives: modules run from their sources and from the
 * compiled bundle in dist/, at different depths, so paths to shipped files start from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'bootwatch')
      return dir;
    if (dirname(dir) === dir) throw new Error(`no bootwatch package.json above ${start}`);
  }
}

export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the checkout (or the image), e.g. `fromRoot('migrations')`. */
export const fromRoot = (...parts: string[]): string => join(REPO_ROOT, ...parts);
