/** Paths and loaders for the real logs under test/fixtures. */
import { readFileSync } from 'node:fs';
import { fromRoot } from '../../common/repo-root.ts';

// From the checkout's root, not this module: the benchmarks also run from the bundle in dist/.
export const FIXTURES_DIR = `${fromRoot('test', 'fixtures')}/`;

/** Raw bytes of a fixture log (relative to test/fixtures/). */
export function fixtureBytes(rel: string): Buffer {
  return readFileSync(`${FIXTURES_DIR}${rel}`);
}

export const SEED_LOGS = [
  'logs/01-serial-no-initrd.log',
  'logs/02-initrd-no-binfmt.log',
  'logs/03-exec-no-net.log',
  'logs/05-net-e1000.log',
  'logs/07-block-initcall-debug.log',
] as const;

export const ALL_LOGS = [...SEED_LOGS, 'logs/debian-6.1-amd64-initcall-debug.log'] as const;
