/** The parser against every real log in test/fixtures/logs, with exact expectations. */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import type { BootEvent, ParseResult } from '../../../common/types/parse.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

function parse(rel: string, initIsScript = true): ParseResult {
  return parseLog(fixtureBytes(rel), { context: { initIsScript } });
}

function ofKind<K extends BootEvent['kind']>(r: ParseResult, kind: K): Extract<BootEvent, { kind: K }>[] {
  return r.events.filter((e): e is Extract<BootEvent, { kind: K }> => e.kind === kind);
}

function topOptions(r: ParseResult, n: number): string[] {
  return r.diagnosis.slice(0, n).map((d) => d.option);
}

describe('01-serial-no-initrd: no initramfs support', () => {
  const r = parse('logs/01-serial-no-initrd.log');

  it('reads the kernel, command line and milestones', () => {
    expect(r.kernel.version).toBe('6.1.192');
    expect(r.kernel.cmdline).toBe('console=ttyS0 panic=-1');
    expect(r.kernel.bits).toBe(32);
    expect(r.milestones).toEqual({ kernel_start: 0, console: 0.061531 });
    expect(r.lastStage).toBe('console');
  });

  it('panics on the root mount and says so', () => {
    expect(r.outcome).toBe('panic');
    expect(r.panic).toEqual({
      reason: 'VFS: Unable to mount root fs on unknown-block(0,0)',
      line: 77,
      time: 0.180864,
    });
    expect(r.crashes).toHaveLength(1);
    expect(r.crashes[0]).toMatchObject({
      kind: 'panic',
      title: 'kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)',
      line: 77,
      endLine: 92,
      fatal: true,
    });
    expect(r.crashes[0].frames.map((f) => f.fn)).toContain('mount_root');
  });

  it('keeps the call trace out of the events', () => {
    const traceLines = new Set(Array.from({ length: 15 }, (_, i) => 78 + i));
    expect(r.events.filter((e) => traceLines.has(e.line))).toEqual([]);
    expect(r.stats.byClass.crash).toBe(16);
  });

  it('records the failed root mount and blames initramfs support first', () => {
    expect(ofKind(r, 'mount_failed')).toMatchObject([
      { line: 77, target: '/', source: 'unknown-block(0,0)' },
    ]);
    expect(topOptions(r, 2)).toEqual(['CONFIG_BLK_DEV_INITRD', 'CONFIG_RD_GZIP']);
    expect(r.diagnosis[0].line).toBe(77);
  });

  it('classifies the firmware noise and the glued first kernel line', () => {
    expect(r.stats.byClass.firmware).toBe(3);
    expect(r.stats.lines).toBe(92);
    expect(Object.values(r.stats.byClass).reduce((a, b) => a + b, 0)).toBe(92);
  });
});

describe('02-initrd-no-binfmt: init cannot be executed', () => {
  const r = parse('logs/02-initrd-no-binfmt.log');

  it('reaches the initramfs but not init', () => {
    expect(r.outcome).toBe('panic');
    expect(r.milestones).toEqual({ kernel_start: 0, console: 0.063355, initramfs: 0.247321 });
    expect(r.panic?.line).toBe(86);
    expect(r.panic?.reason).toBe(
      'No working init found.  Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance.',
    );
  });

  it('records every init attempt: /init failed with -2, the defaults silently', () => {
    const inits = ofKind(r, 'init_exec');
    expect(inits.map((e) => [e.path, e.errno, e.line, e.implied ?? false])).toEqual([
      ['/init', -2, 81, false],
      ['/sbin/init', -2, 82, true],
      ['/etc/init', -2, 83, true],
      ['/bin/init', -2, 84, true],
      ['/bin/sh', -2, 85, true],
    ]);
    expect(inits[0].errnoName).toBe('ENOENT');
    expect(ofKind(r, 'error')).toMatchObject([
      { line: 81, errno: -2, errnoName: 'ENOENT', source: 'kernel' },
    ]);
  });

  it('suggests the binary format handlers first, and 64BIT for this 32-bit kernel', () => {
    expect(topOptions(r, 3)).toEqual(['CONFIG_BINFMT_SCRIPT', 'CONFIG_BINFMT_ELF', 'CONFIG_64BIT']);
    expect(r.diagnosis[0]).toMatchObject({
      line: 81,
      evidence: '[    0.296411] Failed to execute /init (error -2)',
    });
  });
});

describe('03-exec-no-net: userspace runs without devtmpfs and networking', () => {
  const r = parse('logs/03-exec-no-net.log');

  it('boots, runs init and halts', () => {
    expect(r.outcome).toBe('booted');
    expect(r.panic).toBeNull();
    expect(r.crashes).toEqual([]);
    expect(r.milestones).toEqual({
      kernel_start: 0,
      console: 0.08067,
      initramfs: 0.448614,
      init_start: 0.482756,
      userspace: 0.482756,
      shutdown: 0.591181,
    });
    expect(r.lastStage).toBe('shutdown');
    expect(ofKind(r, 'init_exec')).toMatchObject([{ path: '/init', errno: null, line: 86 }]);
  });

  it('tells userspace lines from kernel lines and QEMU from both', () => {
    expect(ofKind(r, 'userspace').map((e) => e.line)).toEqual([87, 88, 89, 90, 91, 92, 93]);
    expect(r.stats.byClass.userspace).toBe(7);
    expect(r.stats.byClass.harness).toBe(1);
  });

  it('reads the busybox mount failure and the missing socket syscall', () => {
    expect(ofKind(r, 'mount_failed')).toMatchObject([
      { line: 88, source: 'none', target: '/dev', errno: -19, errnoName: 'ENODEV' },
    ]);
    const errors = ofKind(r, 'error');
    expect(errors.map((e) => [e.line, e.errnoName, e.source])).toEqual([
      [88, 'ENODEV', 'userspace'],
      [90, 'ENOSYS', 'userspace'],
      [91, 'ENOSYS', 'userspace'],
      [92, 'ENOSYS', 'userspace'],
    ]);
  });

  it('diagnoses networking and devtmpfs', () => {
    const options = r.diagnosis.map((d) => d.option);
    expect(options.slice(0, 2).sort()).toEqual(['CONFIG_DEVTMPFS', 'CONFIG_NET']);
    expect(options).toContain('CONFIG_INET');
    expect(r.diagnosis.find((d) => d.option === 'CONFIG_NET')?.line).toBe(90);
    expect(r.diagnosis.find((d) => d.option === 'CONFIG_DEVTMPFS')?.line).toBe(88);
  });
});

describe('05-net-e1000: networking and the e1000 NIC', () => {
  const r = parse('logs/05-net-e1000.log');

  it('boots with eth0 probed by e1000', () => {
    expect(r.outcome).toBe('booted');
    expect(ofKind(r, 'probe')).toMatchObject([
      { driver: 'e1000', device: '0000:00:03.0', ok: true, line: 136 },
    ]);
    expect(r.milestones.init_start).toBe(0.85727);
    expect(r.milestones.shutdown).toBe(2.023746);
  });

  it('has nothing left to diagnose', () => {
    expect(r.diagnosis).toEqual([]);
    expect(ofKind(r, 'error')).toEqual([]);
  });
});

describe('07-block-initcall-debug: every initcall timed', () => {
  const r = parse('logs/07-block-initcall-debug.log');

  it('collects every initcall with its start time', () => {
    expect(r.initcalls).toHaveLength(260);
    expect(r.initcalls.find((i) => i.fn === 'e1000_init_module')).toEqual({
      fn: 'e1000_init_module',
      usecs: 416955,
      ret: 0,
      line: 668,
      time: 0.530785,
      module: null,
    });
    const slowest = [...r.initcalls].sort((a, b) => b.usecs - a.usecs)[0];
    expect(slowest.fn).toBe('e1000_init_module');
  });

  it('finds the disk controllers and the NIC', () => {
    const probes = ofKind(r, 'probe').map((p) => `${p.driver} ${p.device} ${p.ok}`);
    expect(probes).toEqual(
      expect.arrayContaining(['ata_piix host0 true', 'ata_piix host1 true', 'e1000 0000:00:03.0 true']),
    );
    expect(probes.some((p) => p.includes('shutdown'))).toBe(false);
  });

  it('powers down after init', () => {
    expect(r.outcome).toBe('booted');
    expect(r.milestones.shutdown).toBe(1.186033);
    expect(r.milestones.init_start).toBe(1.017289);
    expect(r.kernel.cmdline).toBe('console=ttyS0 panic=-1 initcall_debug ignore_loglevel');
  });
});

describe('Debian 6.1 distro kernel', () => {
  const r = parse('logs/debian-6.1-amd64-initcall-debug.log');

  it('reads the distro banner after the EDD probe glued to it', () => {
    expect(r.kernel.version).toBe('6.1.0-56-amd64');
    expect(r.milestones.kernel_start).toBe(0);
    expect(r.stats.byClass.firmware).toBe(4);
  });

  it('times 670 initcalls and boots', () => {
    expect(r.initcalls).toHaveLength(670);
    expect(r.initcalls.find((i) => i.fn === 'crypto_algapi_init')?.usecs).toBe(212915);
    expect(r.outcome).toBe('booted');
    expect(r.milestones.init_start).toBe(2.015434);
  });
});
