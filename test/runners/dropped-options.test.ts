/**
 * Options Kconfig drops are reported with their unmet dependency, using the kernel's own
 * merge_config.sh + olddefconfig on the real linux-source-6.1 tree (config only, no compile).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv } from '../../runners/build/build-kernel.ts';
import { formatDropped, makeConfig } from '../../runners/build/config.ts';
import { evalExpr, parseConfig } from '../../runners/build/kconfig.ts';
import { type KernelSource, prepareSource } from '../../runners/source.ts';

let src: KernelSource;
const out = mkdtempSync(join(tmpdir(), 'bw-config-'));

beforeAll(async () => {
  src = await prepareSource({ kind: 'tarball', path: '/usr/src/linux-source-6.1.tar.xz' });
}, 600_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('dropped-option detection', () => {
  it('E1000 without PCI is reported loudly with "depends on ... PCI"', async () => {
    const r = await makeConfig(
      src.dir,
      out,
      'allnoconfig',
      [
        {
          name: 'serial.config',
          content: 'CONFIG_PRINTK=y\nCONFIG_TTY=y\nCONFIG_SERIAL_8250=y\nCONFIG_SERIAL_8250_CONSOLE=y\n',
        },
        {
          name: 'nic.config',
          content:
            'CONFIG_NET=y\nCONFIG_NETDEVICES=y\nCONFIG_ETHERNET=y\nCONFIG_NET_VENDOR_INTEL=y\nCONFIG_E1000=y\nCONFIG_NO_SUCH_OPTION=y\n',
        },
      ],
      buildEnv(),
    );
    expect(r.ok).toBe(true);
    const byName = new Map(r.dropped.map((d) => [d.option, d]));
    expect(byName.get('CONFIG_E1000')?.reason).toMatch(/^depends on .*PCI \[PCI=n\]/);
    expect(formatDropped(byName.get('CONFIG_E1000')!)).toMatch(
      /^CONFIG_E1000 requested but not set: depends on/,
    );
    expect(byName.get('CONFIG_NO_SUCH_OPTION')?.reason).toBe('no such option in this kernel version');
    // What did land is not reported.
    expect(byName.has('CONFIG_NET')).toBe(false);
    expect(byName.has('CONFIG_SERIAL_8250_CONSOLE')).toBe(false);
    expect(parseConfig(r.config).get('SERIAL_8250')).toBe('y');
  }, 180_000);

  it('evaluates Kconfig expressions with tristate logic', () => {
    const cfg = parseConfig('CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_S="x86"\n');
    expect(evalExpr('A && B', cfg)).toBe(1);
    expect(evalExpr('A && !C', cfg)).toBe(2);
    expect(evalExpr('C || (A && B)', cfg)).toBe(1);
    expect(evalExpr('S = "x86"', cfg)).toBe(2);
    expect(evalExpr('UNKNOWN', cfg)).toBe(0);
  });
});
