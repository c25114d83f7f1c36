/**
 * The EC2 fragments hold on the real linux-source-6.1 tree: every option they ask for
 * lands in .config on top of allnoconfig (the runner's own dropped-option check; arm64's
 * with ARCH=arm64 and the cross toolchain), and the check speaks up when a fragment's
 * dependency is missing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv } from '../../../runners/build/build-kernel.ts';
import { formatDropped, makeConfig } from '../../../runners/build/config.ts';
import { parseConfig } from '../../../runners/build/kconfig.ts';
import { type KernelSource, prepareSource } from '../../../runners/source.ts';

const fragment = (name: string) => ({
  name,
  content: readFileSync(new URL(`../../../examples/fragments/${name}`, import.meta.url), 'utf8'),
});
let src: KernelSource;
const out = mkdtempSync(join(tmpdir(), 'bw-ec2-config-'));

beforeAll(async () => {
  src = await prepareSource({ kind: 'tarball', path: '/usr/src/linux-source-6.1.tar.xz' });
}, 600_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('examples/fragments/ec2*.config', () => {
  it('Nitro and Xen fragments land whole on allnoconfig', async () => {
    const r = await makeConfig(
      src.dir,
      out,
      'allnoconfig',
      [fragment('ec2.config'), fragment('ec2-xen.config')],
      buildEnv(),
    );
    expect(r.error).toBeNull();
    expect(r.dropped.map(formatDropped)).toEqual([]);
    const cfg = parseConfig(r.config);
    for (const opt of [
      'BLK_DEV_NVME',
      'ENA_ETHERNET',
      'PCI_MSI',
      'SERIAL_8250_CONSOLE',
      'EFI_STUB',
      'EFI_PARTITION',
      'XEN_BLKDEV_FRONTEND',
      'XEN_NETDEV_FRONTEND',
    ])
      expect(cfg.get(opt), opt).toBe('y');
  }, 120_000);

  it('the Graviton fragment lands whole on arm64 allnoconfig: ACPI, 8250 console on PCI, NVMe, ENA', async () => {
    const r = await makeConfig(
      src.dir,
      join(out, 'arm64'),
      'allnoconfig',
      [fragment('ec2-arm64.config')],
      buildEnv(),
      undefined,
      'arm64',
    );
    expect(r.error).toBeNull();
    expect(r.dropped.map(formatDropped)).toEqual([]);
    const cfg = parseConfig(r.config);
    expect(cfg.get('ARM64')).toBe('y');
    for (const opt of [
      'ACPI',
      'ACPI_SPCR_TABLE',
      'ACPI_MCFG',
      'EFI_STUB',
      'PCI_QUIRKS',
      'ARM_GIC_V3_ITS_PCI',
      'SERIAL_8250_CONSOLE',
      'SERIAL_8250_PCI',
      'SERIAL_AMBA_PL011_CONSOLE',
      'BLK_DEV_NVME',
      'ENA_ETHERNET',
    ])
      expect(cfg.get(opt), opt).toBe('y');
  }, 120_000);

  it('the Xen fragment alone (without ec2.config) is caught: its options depend on what it lacks', async () => {
    const r = await makeConfig(
      src.dir,
      join(out, 'xen-alone'),
      'allnoconfig',
      [fragment('ec2-xen.config')],
      buildEnv(),
    );
    const lines = r.dropped.map(formatDropped);
    expect(
      lines.some((l) =>
        /^CONFIG_XEN(_BLKDEV_FRONTEND|_NETDEV_FRONTEND)? requested but not set: depends on/.test(l),
      ),
    ).toBe(true);
  }, 120_000);
});
