/**
 * Kernel builds: a real allnoconfig + serial build of linux-source-6.1 (ccache keeps reruns
 * fast) that then boots and panics as it should; a broken build stored as a result; a
 * broken build environment reported as the harness's error.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVariant } from '../../runners/build/build-kernel.ts';
import { CollectorClient } from '../../runners/collector-client.ts';
import { buildInitramfs } from '../../runners/images/initramfs.ts';
import { loadMatrix } from '../../runners/matrix/load.ts';
import type { ResolvedVariant } from '../../runners/matrix/types.ts';
import { bootQemu } from '../../runners/qemu/boot.ts';
import { prepareSource } from '../../runners/source.ts';
import { Spool } from '../../runners/spool.ts';
import { type RealCollector, startRealCollector } from './helpers/real-collector.ts';

let collector: RealCollector;
beforeAll(async () => {
  collector = await startRealCollector();
}, 120_000);
afterAll(() => collector.stop());

const ladder = loadMatrix('examples/seed-ladder.yaml');
const variant = (name: string): ResolvedVariant => ladder.variants.find((v) => v.name === name)!;

/** A source tree whose make fails the way a compile error does. */
function brokenTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-broken-'));
  mkdirSync(join(dir, 'scripts/kconfig'), { recursive: true });
  writeFileSync(
    join(dir, 'Makefile'),
    [
      'VERSION = 6',
      'PATCHLEVEL = 1',
      'SUBLEVEL = 0',
      'EXTRAVERSION = -broken',
      'allnoconfig olddefconfig:',
      '\t@mkdir -p $(O) && echo CONFIG_PRINTK=y > $(O)/.config',
      'bzImage:',
      '\t@echo "  CC      kernel/fork.o"',
      '\t@echo "kernel/fork.c:42:5: warning: unused variable \'x\' [-Wunused-variable]"',
      "\t@echo \"kernel/fork.c:99:1: error: expected ';' before '}' token\" >&2",
      '\t@echo "make[2]: *** [scripts/Makefile.build:250: kernel/fork.o] Error 1" >&2',
      '\t@exit 2',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('buildVariant', () => {
  it('builds allnoconfig + serial for real: sizes, symbols, System.map, timings; it boots and panics for want of an initramfs', async () => {
    const src = await prepareSource({ kind: 'tarball', path: '/usr/src/linux-source-6.1.tar.xz' });
    const phases = new Set<string>();
    const b = await buildVariant(variant('01-serial'), src, { onProgress: (p) => phases.add(p.phase) });
    const i = b.input;
    expect(i.status).toBe('PASS');
    expect(i.exitCode).toBe(0);
    expect(i.dropped).toEqual([]);
    expect(i.sizes?.image).toBeGreaterThan(1_000_000);
    expect(i.sizes?.text).toBeGreaterThan(1_000_000);
    expect(i.sizes?.data).toBeGreaterThan(0);
    expect(i.sizes?.bss).toBeGreaterThan(0);
    expect(i.symbols?.length).toBeGreaterThan(1000);
    expect(i.symbols?.[0].size).toBeGreaterThanOrEqual(i.symbols?.[1].size ?? 0);
    expect(i.systemMap).toMatch(/ T start_kernel\n/);
    expect(i.config).toContain('CONFIG_SERIAL_8250_CONSOLE=y');
    expect(i.wallMs).toBeGreaterThan(0);
    expect(i.source?.version).toMatch(/^6\.1\.\d+/);
    expect([...phases]).toEqual(expect.arrayContaining(['config', 'done']));
    expect(b.image).toMatch(/bzImage$/);

    const posted = await new CollectorClient(
      collector.url,
      new Spool(mkdtempSync(join(tmpdir(), 'bw-s-'))),
    ).postBuild(i);
    expect(posted.id).toBeGreaterThan(0);

    const r = await bootQemu({
      variant: '01-serial',
      kernel: b.image!,
      boot: { ...variant('01-serial').boot, net: null, timeoutMs: 60_000 },
      initrd: buildInitramfs('#!/bin/busybox sh\necho never runs\n'),
      disk: null,
      initIsScript: true,
    });
    expect(r.outcome).toBe('panic');
    expect(r.parse.panic?.reason).toMatch(/VFS: Unable to mount root fs/);
    expect(r.parse.diagnosis[0]?.option).toBe('CONFIG_BLK_DEV_INITRD');
    // Decided from the console (how fast: `bootwatch bench --only runner-verdict`).
    expect(r.verdictLatencyMs).not.toBeNull();
  }, 1_200_000);

  it('a broken build is a stored result (FAIL) with its error lines, not a crash', async () => {
    const dir = brokenTree();
    const v: ResolvedVariant = { ...variant('00-allnoconfig'), name: 'broken', matrix: 'test-broken' };
    const b = await buildVariant(
      v,
      { dir, input: { name: 'broken', kind: 'dir', path: dir } },
      { buildRoot: join(dir, 'out') },
    );
    expect(b.input.status).toBe('FAIL');
    expect(b.input.exitCode).toBe(2);
    expect(b.image).toBeNull();
    expect(b.input.errors).toContain("kernel/fork.c:99:1: error: expected ';' before '}' token");
    expect(b.input.warnings?.[0]).toMatch(/unused variable/);
    expect(b.input.logTail).toMatch(/Error 1/);
    const posted = await new CollectorClient(
      collector.url,
      new Spool(mkdtempSync(join(tmpdir(), 'bw-s-'))),
    ).postBuild(b.input);
    expect(posted.id).toBeGreaterThan(0);
    const stored = await collector.get<{ variant: string; status: string; errors?: string[] }>(
      `/api/builds/${posted.id}`,
    );
    expect(stored).toMatchObject({ variant: 'broken', status: 'FAIL' });
  }, 60_000);

  /** Builds the broken tree with PATH holding only `tools` (taken from the real PATH). */
  async function buildWithOnly(tools: string[], name: string) {
    const dir = brokenTree();
    const path = process.env.PATH;
    const bin = mkdtempSync(join(tmpdir(), 'bw-empty-path-'));
    for (const t of tools)
      symlinkSync(execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim(), join(bin, t));
    process.env.PATH = bin;
    try {
      const v: ResolvedVariant = { ...variant('00-allnoconfig'), name, matrix: 'test-broken' };
      return await buildVariant(
        v,
        { dir, input: { name: 'broken', kind: 'dir', path: dir } },
        { buildRoot: join(dir, 'out') },
      );
    } finally {
      process.env.PATH = path;
    }
  }

  it('a build environment without make is ERROR (the harness), not FAIL (the kernel)', async () => {
    // Only make is missing: flock (the host build lock) stays reachable.
    const b = await buildWithOnly(['flock'], 'no-make');
    expect(b.input.status).toBe('ERROR');
    expect(b.input.errors?.join('\n')).toMatch(/make.*ENOENT/);
  }, 60_000);

  it('a host without flock (the build lock) is ERROR too, and the build says why', async () => {
    const b = await buildWithOnly([], 'no-flock');
    expect(b.input.status).toBe('ERROR');
    expect(b.input.errors?.join('\n')).toMatch(/flock.*ENOENT/);
  }, 60_000);
});
