/**
 * The seed ladder's `exec` variant regressing, from real data: 03-exec built (its real
 * .config and symbols) and booted fine, then 02-initrd built and panicked, an hour ago.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseNmOutput } from '../../collector/analysis/size-diff.ts';
import type { Collector } from '../../collector/ingest/collector.ts';
import type { BuildInput } from '../../common/types/ingest.ts';
import { FIXTURES_DIR, fixtureBytes } from './fixtures.ts';

const BASE = Date.now() - 3600_000;
/** A time `minute` minutes into the seeded hour. */
const at = (minute: number) => new Date(BASE + minute * 60_000).toISOString();

/** A build of `exec` from a fixture .config and symbol table; `extra` adds or overrides fields. */
function execBuild(
  minute: number,
  cfg: string,
  syms: string,
  image: number,
  extra: Partial<BuildInput> = {},
): BuildInput {
  return {
    variant: 'exec',
    matrix: 'seed-ladder',
    status: 'PASS',
    startedAt: at(minute),
    config: readFileSync(join(FIXTURES_DIR, 'configs', `${cfg}.config`), 'utf8'),
    baseConfig: 'allnoconfig',
    fragments: [{ name: '01-serial.config', content: 'CONFIG_SERIAL_8250=y\n' }],
    symbols: parseNmOutput(
      gunzipSync(readFileSync(join(FIXTURES_DIR, 'sizes', `${syms}.nm.gz`))).toString('utf8'),
    ),
    sizes: { image, text: 2_000_000 },
    wallMs: 120_000,
    arch: 'x86_64',
    source: { name: 'linux-source-6.1', version: '6.1.192', kind: 'tarball' },
    ...extra,
  };
}

/** Stores the good run then the bad one; returns their build ids and boots. */
export async function seedRegressedExec(c: Collector, extra: Partial<BuildInput> = {}) {
  const goodBuild = await c.recordBuild(execBuild(0, '03-exec', '00-allnoconfig', 1_000_000, extra));
  const good = await c.importLog(fixtureBytes('logs/03-exec-no-net.log'), {
    buildId: goodBuild,
    variant: 'exec',
    startedAt: at(1),
    initIsScript: true,
  });
  const badBuild = await c.recordBuild(execBuild(5, '02-initrd', '01-serial', 1_060_000, extra));
  const bad = await c.importLog(fixtureBytes('logs/02-initrd-no-binfmt.log'), {
    buildId: badBuild,
    variant: 'exec',
    startedAt: at(6),
    initIsScript: true,
  });
  return { goodBuild, good, badBuild, bad };
}
