/**
 * The symptom table against the failures of the allnoconfig-to-userspace climb, written
 * the way the kernel and busybox print them.
 */
import { describe, expect, it } from 'vitest';
import { parseLog, SYMPTOMS } from '../../../collector/parser/index.ts';
import { ARCH_KNOWLEDGE } from '../../../collector/parser/tables/knowledge.ts';
import type { ParserContext } from '../../../common/types/parse.ts';

const BANNER = '[    0.000000] Linux version 6.1.192 (root@vm) (gcc 12.2.0) #1\n';

function diagnose(lines: string[], context: ParserContext = {}, cmdline = 'console=ttyS0 panic=-1') {
  const log = `${BANNER}[    0.020000] Kernel command line: ${cmdline}\n${lines.join('\n')}\n`;
  return parseLog(log, { context }).diagnosis;
}

function options(lines: string[], context?: ParserContext, cmdline?: string): string[] {
  return diagnose(lines, context, cmdline).map((d) => d.option);
}

const RUN_INIT = '[    0.400000] Run /init as init process';

describe('the symptom table', () => {
  it('has unique ids and well-formed options', () => {
    const ids = SYMPTOMS.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of SYMPTOMS) {
      expect(s.options.length).toBeGreaterThan(0);
      for (const o of s.options) {
        expect(o).toMatch(/^(?:\{option\}|@[a-z]+|[A-Z0-9_]+)$/);
        // An `@list` names a list every architecture has.
        if (o.startsWith('@'))
          for (const k of Object.values(ARCH_KNOWLEDGE)) expect(k.options).toHaveProperty(o.slice(1));
      }
      expect(s.confidence).toBeGreaterThan(0);
      expect(s.confidence).toBeLessThanOrEqual(1);
      expect(Boolean(s.event) || Boolean(s.outcome) || Boolean(s.panic) || Boolean(s.stalledAt)).toBe(true);
    }
  });
});

describe('init that cannot be executed', () => {
  it('-ENOEXEC on a 32-bit kernel: CONFIG_64BIT first', () => {
    const got = options([
      '[    0.000100] 0MB HIGHMEM available.',
      RUN_INIT,
      '[    0.400100] Failed to execute /init (error -8)',
    ]);
    expect(got[0]).toBe('CONFIG_64BIT');
  });

  it('-ENOEXEC of a script init on a 64-bit kernel: BINFMT_SCRIPT first', () => {
    const got = options([RUN_INIT, '[    0.400100] Failed to execute /init (error -8)'], {
      initIsScript: true,
    });
    expect(got[0]).toBe('CONFIG_BINFMT_SCRIPT');
  });

  it('-ENOEXEC of a default init, without context: BINFMT_ELF first', () => {
    const got = options([
      '[    0.400000] Run /sbin/init as init process',
      "[    0.400100] Starting init: /sbin/init exists but couldn't execute it (error -8)",
    ]);
    expect(got[0]).toBe('CONFIG_BINFMT_ELF');
  });

  it('a root whose default inits all fail without a word (no exec handler at all): BINFMT_ELF', () => {
    // What 6.1 prints booting Debian's root without BINFMT_ELF/BINFMT_SCRIPT: exec keeps
    // -ENOENT, which the default inits do not report.
    const run = (path: string, t: number) => [
      `[    0.${t}00000] Run ${path} as init process`,
      `[    0.${t}00001]   with arguments:`,
      `[    0.${t}00002]     ${path}`,
    ];
    const d = diagnose(
      [
        '[    0.300000] EXT4-fs (sda): mounted filesystem with ordered data mode. Quota mode: disabled.',
        '[    0.300100] VFS: Mounted root (ext4 filesystem) readonly on device 8:0.',
        ...run('/sbin/init', 4),
        ...run('/etc/init', 5),
        ...run('/bin/init', 6),
        ...run('/bin/sh', 7),
        '[    0.800000] Kernel panic - not syncing: No working init found.  Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance.',
      ],
      {},
      'console=ttyS0 root=/dev/sda rw panic=-1',
    );
    expect(d.map((x) => x.option).slice(0, 2)).toEqual(['CONFIG_BINFMT_ELF', 'CONFIG_BINFMT_SCRIPT']);
    expect(d[0]).toMatchObject({ rule: 'no-working-init' });
    expect(d[0].evidence).toContain('No working init found');
  });

  it('an init that said why it failed outranks the bare panic', () => {
    const got = options([
      '[    0.000100] 0MB HIGHMEM available.',
      RUN_INIT,
      '[    0.400100] Failed to execute /init (error -8)',
      '[    0.400200] Kernel panic - not syncing: No working init found.  Try passing init= option to kernel.',
    ]);
    expect(got[0]).toBe('CONFIG_64BIT');
  });

  it('cites the failure line as evidence', () => {
    const d = diagnose([RUN_INIT, '[    0.400100] Failed to execute /init (error -2)'], {
      initIsScript: true,
    });
    expect(d[0]).toMatchObject({ option: 'CONFIG_BINFMT_SCRIPT', line: 4, rule: 'init-enoent-script' });
    expect(d[0].evidence).toContain('Failed to execute /init (error -2)');
  });
});

describe('pseudo filesystems', () => {
  it.each([
    ['mount: mounting none on /proc failed: No such device', 'CONFIG_PROC_FS'],
    ['mount: mounting sysfs on /sys failed: No such device', 'CONFIG_SYSFS'],
    ['mount: mounting devtmpfs on /dev failed: No such device', 'CONFIG_DEVTMPFS'],
    ['mount: mounting devpts on /dev/pts failed: No such device', 'CONFIG_UNIX98_PTYS'],
    ["mount: /proc: unknown filesystem type 'proc'.", 'CONFIG_PROC_FS'],
    ["mount: /mnt: unknown filesystem type 'ext4'.", 'CONFIG_EXT4_FS'],
    ['mount: mounting tmpfs on /tmp failed: No such device', 'CONFIG_TMPFS'],
  ])('%s → %s', (line, option) => {
    expect(options([RUN_INIT, 'init: started', line])[0]).toBe(option);
  });

  it('a missing mount point is not a kernel option', () => {
    expect(
      options([RUN_INIT, 'init: started', 'mount: mounting none on /proc failed: No such file or directory']),
    ).toEqual([]);
  });
});

describe('networking', () => {
  it('socket ENOSYS: the kernel has no networking', () => {
    expect(options([RUN_INIT, 'init: started', 'ip: socket: Function not implemented']).slice(0, 3)).toEqual([
      'CONFIG_NET',
      'CONFIG_INET',
      'CONFIG_UNIX',
    ]);
  });

  it('address family not supported: INET first, PACKET for a DHCP client', () => {
    expect(
      options([RUN_INIT, 'init: started', 'nc: socket: Address family not supported by protocol'])[0],
    ).toBe('CONFIG_INET');
    expect(
      options([
        RUN_INIT,
        'init: started',
        'udhcpc: socket(AF_PACKET,2,8): Address family not supported by protocol',
      ])[0],
    ).toBe('CONFIG_PACKET');
  });

  it.each([
    "ip: can't find device 'eth0'",
    'ifconfig: SIOCGIFFLAGS: No such device',
    'ip: SIOCGIFFLAGS: No such device',
  ])('no NIC: %s → E1000 and its menu', (line) => {
    const got = options([RUN_INIT, 'init: started', line]);
    expect(got[0]).toBe('CONFIG_E1000');
    expect(got).toEqual(
      expect.arrayContaining([
        'CONFIG_PCI',
        'CONFIG_NETDEVICES',
        'CONFIG_ETHERNET',
        'CONFIG_NET_VENDOR_INTEL',
      ]),
    );
  });
});

describe('the kernel names the option', () => {
  it('POSIX timers', () => {
    const d = diagnose([
      RUN_INIT,
      'init: started',
      '[    1.500000] process 75 (nc) attempted a POSIX timer syscall while CONFIG_POSIX_TIMERS is not set',
    ]);
    expect(d[0]).toMatchObject({ option: 'CONFIG_POSIX_TIMERS', line: 5, rule: 'kernel-names-option' });
  });

  it('a userspace ENOSYS from timer_create', () => {
    expect(options([RUN_INIT, 'init: started', 'timer_create: Function not implemented'])[0]).toBe(
      'CONFIG_POSIX_TIMERS',
    );
  });
});

describe('root filesystem and block devices', () => {
  const panicLine =
    '[    0.300000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)';

  it('root=/dev/sda1 that never appeared: the SCSI/SATA disk stack', () => {
    const got = options(
      ['[    0.290000] VFS: Cannot open root device "sda1" or unknown-block(0,0): error -6', panicLine],
      {},
      'console=ttyS0 root=/dev/sda1',
    );
    expect(got.slice(0, 4)).toEqual([
      'CONFIG_BLK_DEV_SD',
      'CONFIG_ATA_PIIX',
      'CONFIG_SATA_AHCI',
      'CONFIG_ATA',
    ]);
    expect(got).not.toContain('CONFIG_BLK_DEV_INITRD');
  });

  it('root=/dev/vda: virtio', () => {
    expect(options([panicLine], {}, 'console=ttyS0 root=/dev/vda')[0]).toBe('CONFIG_VIRTIO_BLK');
  });

  it('a disk that exists but no filesystem mounts it: EXT4_FS', () => {
    const got = options(
      ['[    0.300000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(8,1)'],
      {},
      'console=ttyS0 root=/dev/sda1',
    );
    expect(got[0]).toBe('CONFIG_EXT4_FS');
  });

  it('rootwait for a disk that never comes: the boot stalls there', () => {
    const d = diagnose(
      ['[    0.300000] Waiting for root device /dev/sda1...'],
      {},
      'console=ttyS0 root=/dev/sda1 rootwait',
    );
    expect(d[0]).toMatchObject({ option: 'CONFIG_BLK_DEV_SD', line: 3, rule: 'rootwait-scsi-disk' });
  });

  it('an initramfs compressed with a method the kernel lacks', () => {
    expect(
      options(['[    0.200000] Initramfs unpacking failed: invalid magic at start of compressed archive'])[0],
    ).toBe('CONFIG_RD_GZIP');
  });
});

describe('diagnosis per architecture', () => {
  const options = (log: string, context: ParserContext) =>
    parseLog(log, { context }).diagnosis.map((d) => d.option);

  it("names each arch's console driver when nothing reached the console", () => {
    expect(options('', {}).slice(0, 2)).toEqual(['CONFIG_SERIAL_8250_CONSOLE', 'CONFIG_SERIAL_8250']);
    expect(options('', { arch: 'x86_64' })[0]).toBe('CONFIG_SERIAL_8250_CONSOLE');
    expect(options('', { arch: 'arm64' }).slice(0, 2)).toEqual([
      'CONFIG_SERIAL_AMBA_PL011_CONSOLE',
      'CONFIG_SERIAL_AMBA_PL011',
    ]);
    expect(options('', { arch: 'riscv64' }).slice(0, 2)).toEqual([
      'CONFIG_SERIAL_8250_CONSOLE',
      'CONFIG_SERIAL_OF_PLATFORM',
    ]);
    const arm = parseLog('', { context: { arch: 'arm64' } });
    expect(arm.diagnosis[0].reason).toContain('PL011 UART');
    expect(arm.diagnosis[0].reason).toContain('console=ttyAMA0');
    expect(arm.arch).toBe('arm64');
  });

  it('asks for virtio-mmio on the virt machines and virtio-pci on x86 when the virtio root is missing', () => {
    const log = [
      '[    0.000000] Kernel command line: console=ttyAMA0 root=/dev/vda rootfstype=ext4 panic=-1',
      '[    1.000000] VFS: Cannot open root device "vda" or unknown-block(0,0): error -6',
      '[    1.000001] Please append a correct "root=" boot option; here are the available partitions:',
      '[    1.000002] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
    ].join('\n');
    expect(options(log, { arch: 'arm64' })).toEqual(
      expect.arrayContaining(['CONFIG_VIRTIO_BLK', 'CONFIG_VIRTIO_MMIO']),
    );
    expect(options(log, { arch: 'arm64' })).not.toContain('CONFIG_VIRTIO_PCI');
    expect(options(log, {})).toEqual(expect.arrayContaining(['CONFIG_VIRTIO_BLK', 'CONFIG_VIRTIO_PCI']));
  });

  it('tells riscv64 that an init killed by SIGILL needs the FPU (Debian userspace is lp64d)', () => {
    const log = [
      '[    0.172995] Run /init as init process',
      '[    0.222655] init[1]: unhandled signal 4 code 0x1 at 0x0000000000010634 in busybox[10000+19e000]',
      '[    0.226479] Hardware name: riscv-virtio,qemu (DT)',
      '[    0.226798] epc : 0000000000010634 ra : 00000000000ca54c sp : 00ffffffcb27ec30',
      '[    0.269310] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000004',
    ].join('\n');
    expect(options(log, { arch: 'riscv64' })[0]).toBe('CONFIG_FPU');
    // The log's own arch decides; an x86 init killed by SIGILL names no option.
    expect(options(log, { arch: 'x86_64' })[0]).toBe('CONFIG_FPU');
    const x86 = '[    0.269310] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000004';
    expect(options(x86, { arch: 'x86_64' })).not.toContain('CONFIG_FPU');
  });
});
