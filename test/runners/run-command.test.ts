/**
 * `bootwatch run` end to end: a matrix of prebuilt-kernel variants booted under QEMU and
 * ingested into the embedded database (the real collector in-process); the table, the
 * JSON, and a non-zero exit when a boot regressed against its baseline.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { migratedDataDir } from '../helpers/db.ts';
import { debianKernel } from './helpers/debian-kernel.ts';

const run = promisify(execFile);

describe('bootwatch run', () => {
  it('boots each variant, stores it, prints the table and fails on a regression', async () => {
    const k = debianKernel();
    const dir = mkdtempSync(join(tmpdir(), 'bw-run-'));
    writeFileSync(
      join(dir, 'good.sh'),
      '#!/bin/busybox sh\necho "all good"\necho BOOTWATCH-DONE\npoweroff -f\n',
    );
    writeFileSync(join(dir, 'bad.sh'), '#!/bin/busybox sh\necho "about to die"\nexit 1\n');
    writeFileSync(
      join(dir, 'm.yaml'),
      [
        'name: run-e2e',
        'boot: {memory: 256, timeout: 90, markers: [BOOTWATCH-DONE]}',
        'variants:',
        `  - {name: good, kernel: ${k.vmlinuz}, boot: {initramfs: {init: good.sh}}}`,
        `  - {name: bad, kernel: ${k.vmlinuz}, baseline: good, boot: {initramfs: {init: bad.sh}}}`,
        '',
      ].join('\n'),
    );
    const env = {
      ...process.env,
      BOOTWATCH_DATA: await migratedDataDir('bw-run-data-'),
      BOOTWATCH_SPOOL: join(dir, 'spool'),
    };
    const table = await run(resolve('bin/bootwatch'), ['run', join(dir, 'm.yaml')], { env }).catch((e) => e);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^variant\s+image\s+build\s+boot\s+outcome/m);
    expect(table.stdout).toMatch(/^good\s.*booted/m);
    expect(table.stdout).toMatch(/^bad\s.*panic/m);
    expect(table.stdout).toContain('REGRESSION bad: booted → panic (against baseline good)');

    const json = await run(
      resolve('bin/bootwatch'),
      ['run', join(dir, 'm.yaml'), '--only', 'good', '--json'],
      { env },
    );
    const out = JSON.parse(json.stdout);
    expect(out.results).toHaveLength(1);
    expect(out.results[0]).toMatchObject({
      variant: 'good',
      outcome: 'booted',
      delivered: true,
      endReason: 'marker',
    });
    expect(out.results[0].bootId).toBeGreaterThan(2);
    expect(Array.isArray(out.regressions)).toBe(true);
  }, 400_000);
});
