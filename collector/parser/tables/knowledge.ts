/**
 * What a symptom on the console says about the kernel's configuration: one row per
 * symptom, the options most likely to fix it (best first) and why. This table is the
 * knowledge of the allnoconfig-to-userspace climb; extend it by adding rows.
 *
 * A row matches an event (kind + field patterns) or a boot-level fact, optionally only
 * in a context (32-bit kernel, script init, initramfs present, root= given).
 * In options and reasons, `{field}` is replaced by the matched event's field (or a word of
 * the guest's architecture, ARCH_KNOWLEDGE.words); an option `@name` stands for that
 * architecture's list of options (ARCH_KNOWLEDGE.options): one row serves every arch.
 */
import type { Arch } from '../../../common/arch.ts';
import type { EventKind, Outcome } from '../../../common/types/parse.ts';

export type FieldPattern = string | number | RegExp | null;

export interface SymptomContext {
  /** Word size of the kernel, from the log (HIGHMEM lines) or the runner. */
  kernelBits?: 32 | 64;
  initIsScript?: boolean;
  /** An initramfs was unpacked. */
  initramfs?: boolean;
  /** `root=` was on the command line. */
  rootGiven?: boolean;
  /** The `root=` value matches. */
  rootDevice?: RegExp;
}

interface ArchKnowledge {
  options: Record<'console' | 'virtio' | 'nic' | 'compat' | 'sigill', string[]>;
  words: Record<'archUart' | 'archConsole' | 'archNic', string>;
}

/**
 * What differs per architecture on the machines bootwatch boots: the serial console's
 * driver (x86's 8250 at the ISA ports; virt's PL011 on arm64; a device-tree 16550 on
 * riscv64), virtio's transport (PCI on x86; virtio-mmio on the virt machines), the NIC QEMU
 * gives the guest, and what runs the other word size's binaries.
 */
export const ARCH_KNOWLEDGE: Record<Arch, ArchKnowledge> = {
  x86_64: {
    options: {
      console: ['SERIAL_8250_CONSOLE', 'SERIAL_8250', 'TTY', 'PRINTK'],
      virtio: ['VIRTIO_PCI'],
      nic: ['E1000', 'NET_VENDOR_INTEL', 'ETHERNET', 'NETDEVICES', 'PCI'],
      compat: ['64BIT', 'IA32_EMULATION'],
      sigill: [],
    },
    words: {
      archUart: '8250 UART',
      archConsole: 'ttyS0',
      archNic: 'QEMU emulates an Intel e1000 by default',
    },
  },
  arm64: {
    options: {
      console: ['SERIAL_AMBA_PL011_CONSOLE', 'SERIAL_AMBA_PL011', 'TTY', 'PRINTK'],
      virtio: ['VIRTIO_MMIO'],
      nic: ['VIRTIO_NET', 'VIRTIO_MMIO', 'NETDEVICES'],
      compat: ['COMPAT'],
      sigill: [],
    },
    words: {
      archUart: 'PL011 UART',
      archConsole: 'ttyAMA0',
      archNic: "the virt machine's NIC is virtio-net over virtio-mmio",
    },
  },
  riscv64: {
    options: {
      console: ['SERIAL_8250_CONSOLE', 'SERIAL_OF_PLATFORM', 'SERIAL_8250', 'TTY', 'PRINTK'],
      virtio: ['VIRTIO_MMIO'],
      nic: ['VIRTIO_NET', 'VIRTIO_MMIO', 'NETDEVICES'],
      compat: ['COMPAT'],
      // Without FPU the kernel leaves floating point off: lp64d userspace dies of SIGILL.
      sigill: ['FPU'],
    },
    words: {
      archUart: 'device-tree 16550 UART',
      archConsole: 'ttyS0',
      archNic: "the virt machine's NIC is virtio-net over virtio-mmio",
    },
  },
};

export interface Symptom {
  id: string;
  /** An event of this kind whose fields match every pattern. */
  event?: EventKind;
  fields?: Record<string, FieldPattern>;
  /** Or a boot-level fact: the outcome, or the panic reason. */
  outcome?: Outcome;
  panic?: RegExp;
  /** A boot that stalled with this as its last kernel word. */
  stalledAt?: RegExp;
  when?: SymptomContext;
  /** Option names (CONFIG_ prefix optional), best first. */
  options: string[];
  /** Confidence of the first option; later ones step down a little each. */
  confidence: number;
  reason: string;
}

const SCSI_DISK = ['BLK_DEV_SD', 'ATA_PIIX', 'SATA_AHCI', 'ATA', 'SCSI', 'BLOCK'];

const ROWS: Symptom[] = [
  // The kernel says it itself.
  {
    id: 'kernel-names-option',
    event: 'missing_config',
    options: ['{option}'],
    confidence: 0.97,
    reason: 'the kernel names the missing option itself',
  },
  // Silence: nothing reached the serial console.
  {
    id: 'silent-console',
    outcome: 'no_output',
    options: ['@console'],
    confidence: 0.8,
    reason:
      'no kernel message reached the serial console: printk, the TTY layer, the {archUart} driver and its console are all needed (and console={archConsole} on the command line)',
  },
  // No root and no initramfs.
  {
    id: 'no-root-no-initramfs',
    panic: /^VFS: Unable to mount root fs on unknown-block\(0,0\)/,
    when: { initramfs: false, rootGiven: false },
    options: ['BLK_DEV_INITRD', 'RD_GZIP'],
    confidence: 0.92,
    reason:
      'no initramfs was unpacked and no root= device was given, so the kernel had nothing to mount as /: initramfs support (and its gzip decompressor) is missing',
  },
  {
    id: 'root-scsi-disk-missing',
    panic: /^VFS: Unable to mount root fs on unknown-block\(0,0\)/,
    when: { rootDevice: /^\/dev\/sd|^PARTUUID=|^UUID=|^LABEL=/ },
    options: SCSI_DISK,
    confidence: 0.8,
    reason: 'root= names a SCSI/SATA disk the kernel never found: the disk driver stack is missing',
  },
  {
    id: 'root-virtio-disk-missing',
    panic: /^VFS: Unable to mount root fs on unknown-block\(0,0\)/,
    when: { rootDevice: /^\/dev\/vd/ },
    options: ['VIRTIO_BLK', '@virtio', 'BLOCK'],
    confidence: 0.85,
    reason: 'root= names a virtio disk the kernel never found',
  },
  {
    id: 'root-nvme-missing',
    panic: /^VFS: Unable to mount root fs on unknown-block\(0,0\)/,
    when: { rootDevice: /^\/dev\/nvme/ },
    options: ['BLK_DEV_NVME', 'PCI', 'BLOCK'],
    confidence: 0.85,
    reason: 'root= names an NVMe namespace the kernel never found',
  },
  {
    id: 'rootwait-scsi-disk',
    stalledAt: /Waiting for root device (?:\/dev\/)?(?:sd|hd)/,
    options: SCSI_DISK,
    confidence: 0.8,
    reason: 'the kernel waits forever for a SCSI/SATA root disk (rootwait) that no driver found',
  },
  {
    id: 'rootwait-virtio-disk',
    stalledAt: /Waiting for root device (?:\/dev\/)?vd/,
    options: ['VIRTIO_BLK', '@virtio', 'BLOCK'],
    confidence: 0.85,
    reason: 'the kernel waits forever for a virtio root disk (rootwait) that no driver found',
  },
  {
    id: 'rootwait-nvme',
    stalledAt: /Waiting for root device (?:\/dev\/)?nvme/,
    options: ['BLK_DEV_NVME', 'PCI', 'BLOCK'],
    confidence: 0.85,
    reason: 'the kernel waits forever for an NVMe root disk (rootwait) that no driver found',
  },
  {
    id: 'root-device-missing',
    event: 'mount_failed',
    fields: { target: '/', errnoName: /^(ENXIO|ENODEV|ENOENT)$/ },
    options: SCSI_DISK,
    confidence: 0.7,
    reason: 'the root device could not be opened: no driver found the disk',
  },
  {
    id: 'root-fs-unknown',
    event: 'mount_failed',
    fields: { target: '/', source: /^unknown-block\((?!0,0)/ },
    options: ['EXT4_FS'],
    confidence: 0.85,
    reason: 'the root disk exists but no filesystem in the kernel could mount it',
  },
  {
    id: 'initramfs-compression',
    event: 'kernel_error',
    fields: { message: /^Initramfs unpacking failed: .*(?:invalid magic|compression method|junk)/ },
    options: ['RD_GZIP', 'RD_XZ', 'RD_ZSTD', 'RD_LZ4'],
    confidence: 0.7,
    reason: 'the initramfs is compressed with a method the kernel cannot decompress',
  },
  // init exists but cannot be executed.
  {
    id: 'init-enoent-script',
    event: 'init_exec',
    fields: { errnoName: 'ENOENT', implied: null },
    when: { initIsScript: true },
    options: ['BINFMT_SCRIPT', 'BINFMT_ELF'],
    confidence: 0.93,
    reason:
      '{path} exists but exec returned -ENOENT: no binary format handler accepted it (a #! script needs BINFMT_SCRIPT, its interpreter BINFMT_ELF)',
  },
  {
    id: 'init-enoent',
    event: 'init_exec',
    fields: { errnoName: 'ENOENT', implied: null },
    options: ['BINFMT_SCRIPT', 'BINFMT_ELF'],
    confidence: 0.9,
    reason:
      '{path} exists but exec returned -ENOENT: the kernel has no binary format handler for it (BINFMT_SCRIPT for #! scripts, BINFMT_ELF for programs)',
  },
  {
    id: 'init-enoent-32bit',
    event: 'init_exec',
    fields: { errnoName: 'ENOENT', implied: null },
    when: { kernelBits: 32 },
    options: ['64BIT'],
    confidence: 0.6,
    reason: 'this is a 32-bit kernel: a 64-bit userspace will need CONFIG_64BIT once the exec handlers exist',
  },
  {
    id: 'init-enoexec-32bit',
    event: 'init_exec',
    fields: { errnoName: 'ENOEXEC' },
    when: { kernelBits: 32 },
    options: ['64BIT', 'BINFMT_ELF'],
    confidence: 0.92,
    reason: '{path} is not executable by this 32-bit kernel (-ENOEXEC): a 64-bit init needs CONFIG_64BIT',
  },
  {
    id: 'init-enoexec-script',
    event: 'init_exec',
    fields: { errnoName: 'ENOEXEC' },
    when: { initIsScript: true },
    options: ['BINFMT_SCRIPT', 'BINFMT_ELF', '64BIT'],
    confidence: 0.9,
    reason: '{path} is a #! script the kernel could not run (-ENOEXEC): BINFMT_SCRIPT is missing',
  },
  {
    // Exit code 4 is SIGILL: init ran, and its first instruction the kernel left disabled killed it.
    id: 'init-sigill',
    panic: /^Attempted to kill init! exitcode=0x00000004\b/,
    options: ['@sigill'],
    confidence: 0.85,
    reason:
      'init died of an illegal instruction (SIGILL): the kernel leaves an instruction set its userspace uses disabled (riscv64: floating point without CONFIG_FPU)',
  },
  {
    id: 'init-enoexec',
    event: 'init_exec',
    fields: { errnoName: 'ENOEXEC' },
    options: ['BINFMT_ELF', 'BINFMT_SCRIPT', '@compat'],
    confidence: 0.85,
    reason:
      '{path} has a format the kernel cannot execute (-ENOEXEC): ELF support, script support, or the right word size',
  },
  {
    // 6.1's exec starts from -ENOENT and keeps it when no binary format handler is built in,
    // and the default inits' -ENOENT is not printed: a root with a real /sbin/init shows only
    // `Run /sbin/init as init process` lines, then this panic.
    id: 'no-working-init',
    panic: /^No working init found/,
    options: ['BINFMT_ELF', 'BINFMT_SCRIPT'],
    confidence: 0.75,
    reason:
      'every default init (/sbin/init, /etc/init, /bin/init, /bin/sh) failed without a word: the kernel has no binary format handler for them (BINFMT_ELF for programs, BINFMT_SCRIPT for #! scripts), or the root has none of them',
  },
  // Pseudo filesystems that busybox/systemd mount first.
  ...pseudoFs('/proc', 'proc', ['PROC_FS']),
  ...pseudoFs('/sys', 'sysfs', ['SYSFS']),
  ...pseudoFs('/dev', 'devtmpfs', ['DEVTMPFS', 'DEVTMPFS_MOUNT']),
  ...pseudoFs('/dev/pts', 'devpts', ['UNIX98_PTYS']),
  ...pseudoFs('/dev/shm', 'tmpfs', ['SHMEM', 'TMPFS']),
  ...pseudoFs('/tmp', 'tmpfs', ['TMPFS', 'SHMEM']),
  ...pseudoFs('/run', 'tmpfs', ['TMPFS', 'SHMEM']),
  ...pseudoFs('/sys/kernel/debug', 'debugfs', ['DEBUG_FS']),
  ...pseudoFs('/sys/kernel/tracing', 'tracefs', ['FTRACE', 'TRACING']),
  ...pseudoFs('/sys/kernel/config', 'configfs', ['CONFIGFS_FS']),
  ...pseudoFs('/sys/kernel/security', 'securityfs', ['SECURITYFS']),
  ...pseudoFs('/sys/fs/cgroup', 'cgroup2', ['CGROUPS']),
  ...pseudoFs('/sys/fs/bpf', 'bpf', ['BPF_SYSCALL']),
  ...pseudoFs('/dev/mqueue', 'mqueue', ['POSIX_MQUEUE']),
  ...pseudoFs('/proc/sys/fs/binfmt_misc', 'binfmt_misc', ['BINFMT_MISC']),
  ...fsType('ext4', ['EXT4_FS']),
  ...fsType('ext3', ['EXT4_FS', 'EXT4_USE_FOR_EXT2']),
  ...fsType('ext2', ['EXT4_FS', 'EXT4_USE_FOR_EXT2', 'EXT2_FS']),
  ...fsType('vfat', ['VFAT_FS', 'NLS_CODEPAGE_437', 'NLS_ISO8859_1']),
  ...fsType('iso9660', ['ISO9660_FS']),
  ...fsType('squashfs', ['SQUASHFS']),
  ...fsType('overlay', ['OVERLAY_FS']),
  ...fsType('9p', ['9P_FS', 'NET_9P_VIRTIO', 'NET_9P']),
  ...fsType('virtiofs', ['VIRTIO_FS', 'FUSE_FS']),
  ...fsType('nfs', ['NFS_FS', 'NFS_V4']),
  ...fsType('btrfs', ['BTRFS_FS']),
  ...fsType('xfs', ['XFS_FS']),
  ...fsType('fuse', ['FUSE_FS']),
  // A distro's init (Debian's initscripts) mounts tmpfs with options and finds disks by label.
  {
    id: 'tmpfs-options',
    event: 'userspace',
    fields: { text: /^mount: \S+: wrong fs type, bad option, bad superblock on tmpfs\b/ },
    options: ['TMPFS'],
    confidence: 0.85,
    reason:
      "tmpfs refused its mount options (size=, mode=): without CONFIG_TMPFS the kernel's internal tmpfs takes none",
  },
  {
    id: 'dev-without-nodes',
    event: 'userspace',
    fields: { text: /^findfs: unable to resolve '(?:LABEL|UUID)=|^mount: \S+: can't find (?:LABEL|UUID)=/ },
    options: ['DEVTMPFS_MOUNT', 'DEVTMPFS'],
    confidence: 0.6,
    reason:
      "no device node carries the filesystem asked for by label: with no udev, /dev is the disk's bare directory unless the kernel mounts devtmpfs there (DEVTMPFS_MOUNT)",
  },
  // Networking.
  {
    id: 'socket-enosys',
    event: 'error',
    fields: { errnoName: 'ENOSYS', message: /\bsocket\b|SIOC|netlink/i },
    options: ['NET', 'INET', 'UNIX'],
    confidence: 0.93,
    reason: 'the socket system call is not implemented: the kernel was built without networking',
  },
  {
    id: 'af-packet-unsupported',
    event: 'error',
    fields: {
      errnoName: /^(EAFNOSUPPORT|EPROTONOSUPPORT|ESOCKTNOSUPPORT)$/,
      message: /AF_PACKET|PF_PACKET|udhcpc|dhclient|dhcpcd/,
    },
    options: ['PACKET'],
    confidence: 0.9,
    reason: 'a DHCP client or packet socket needs AF_PACKET',
  },
  {
    id: 'af-unix-unsupported',
    event: 'error',
    fields: { errnoName: /^(EAFNOSUPPORT|EPROTONOSUPPORT)$/, message: /AF_UNIX|AF_LOCAL|\/dev\/log|syslog/ },
    options: ['UNIX'],
    confidence: 0.9,
    reason: 'local (AF_UNIX) sockets are missing',
  },
  {
    id: 'af-inet6-unsupported',
    event: 'error',
    fields: { errnoName: /^(EAFNOSUPPORT|EPROTONOSUPPORT)$/, message: /AF_INET6|inet6|IPv6/i },
    options: ['IPV6'],
    confidence: 0.85,
    reason: 'IPv6 sockets are missing',
  },
  {
    id: 'af-unsupported',
    event: 'error',
    fields: { errnoName: /^(EAFNOSUPPORT|EPROTONOSUPPORT)$/, message: /socket|SIOC|netlink/i },
    options: ['INET', 'UNIX', 'PACKET'],
    confidence: 0.85,
    reason:
      'networking is built but the address family the program asked for is not (IPv4, local or packet sockets)',
  },
  {
    id: 'no-nic',
    event: 'error',
    fields: { errnoName: 'ENODEV', message: /\b(?:eth\d|en[ops]\w+)\b|SIOCGIF|SIOCSIF/ },
    options: ['@nic'],
    confidence: 0.85,
    reason: 'the network interface does not exist: no NIC driver probed ({archNic})',
  },
  {
    id: 'no-nic-text',
    event: 'userspace',
    fields: {
      text: /can't find device '?(?:eth|en)|Cannot find device "?(?:eth|en)|(?:eth|en\w*)\d*: No such device|interface (?:eth|en)\S* does not exist/,
    },
    options: ['@nic'],
    confidence: 0.85,
    reason: 'the network interface does not exist: no NIC driver probed ({archNic})',
  },
  // Syscalls a userspace needs; ENOSYS names the option behind them.
  ...syscall(/\btimer_(?:create|settime|gettime|delete)\b|POSIX timer/, ['POSIX_TIMERS'], 'POSIX timers'),
  ...syscall(/\bepoll/, ['EPOLL'], 'epoll'),
  ...syscall(/\beventfd/, ['EVENTFD'], 'eventfd'),
  ...syscall(/\bsignalfd/, ['SIGNALFD'], 'signalfd'),
  ...syscall(/\btimerfd/, ['TIMERFD'], 'timerfd'),
  ...syscall(/\binotify/, ['INOTIFY_USER'], 'inotify'),
  ...syscall(/\bfanotify/, ['FANOTIFY'], 'fanotify'),
  ...syscall(/\bmemfd_create/, ['MEMFD_CREATE'], 'memfd_create'),
  ...syscall(/\bio_uring/, ['IO_URING'], 'io_uring'),
  ...syscall(/\bbpf\b/, ['BPF_SYSCALL'], 'bpf()'),
  ...syscall(/\b(?:shmget|shmat|semget|semop|msgget)\b/, ['SYSVIPC'], 'System V IPC'),
  ...syscall(/\bmq_open\b/, ['POSIX_MQUEUE'], 'POSIX message queues'),
  ...syscall(/\bio_setup\b|\baio\b/, ['AIO'], 'asynchronous I/O'),
  ...syscall(/\bflock\b|F_SETLKW?\b|\block(?:ing)?\b/, ['FILE_LOCKING'], 'file locking'),
  ...syscall(/\bfutex\b/, ['FUTEX'], 'futexes'),
  ...syscall(/\bset(?:res)?[ug]id\b|\bsetgroups\b|\bgetgroups\b/, ['MULTIUSER'], 'user and group IDs'),
  ...syscall(/\bperf_event_open\b/, ['PERF_EVENTS'], 'perf events'),
  ...syscall(/\bseccomp\b/, ['SECCOMP'], 'seccomp'),
  ...syscall(/\buserfaultfd\b/, ['USERFAULTFD'], 'userfaultfd'),
  ...syscall(/\bmembarrier\b/, ['MEMBARRIER'], 'membarrier'),
  ...syscall(/\bkcmp\b/, ['KCMP'], 'kcmp'),
  ...syscall(/\bname_to_handle_at|open_by_handle/, ['FHANDLE'], 'file handles'),
  ...syscall(/\bmadvise|fadvise/, ['ADVISE_SYSCALLS'], 'madvise/fadvise'),
  ...syscall(/\bkexec/, ['KEXEC'], 'kexec'),
  {
    id: 'no-initial-console',
    event: 'kernel_error',
    fields: { message: /^Warning: unable to open an initial console/ },
    options: ['TTY', 'DEVTMPFS', 'DEVTMPFS_MOUNT'],
    confidence: 0.5,
    reason:
      'init has no /dev/console: the TTY layer is missing, or the initramfs lacks a /dev/console node (devtmpfs can provide one)',
  },
  {
    id: 'block-device-node-missing',
    event: 'mount_failed',
    fields: { source: /^\/dev\/(?:sd|hd)/, errnoName: /^(ENOENT|ENXIO|ENODEV)$/ },
    options: SCSI_DISK,
    confidence: 0.75,
    reason: '{source} does not exist: no SCSI/SATA disk driver found the disk',
  },
  {
    id: 'virtio-device-node-missing',
    event: 'mount_failed',
    fields: { source: /^\/dev\/vd/, errnoName: /^(ENOENT|ENXIO|ENODEV)$/ },
    options: ['VIRTIO_BLK', '@virtio', 'BLOCK'],
    confidence: 0.8,
    reason: '{source} does not exist: the virtio block driver is missing',
  },
  {
    id: 'nvme-device-node-missing',
    event: 'mount_failed',
    fields: { source: /^\/dev\/nvme/, errnoName: /^(ENOENT|ENXIO|ENODEV)$/ },
    options: ['BLK_DEV_NVME', 'BLOCK'],
    confidence: 0.8,
    reason: '{source} does not exist: the NVMe driver is missing',
  },
];

/** The table; rows made by the helpers below may repeat (tmpfs at three places): first wins. */
export const SYMPTOMS: readonly Symptom[] = ROWS.filter(
  (row, i) => ROWS.findIndex((r) => r.id === row.id) === i,
);

/** A pseudo filesystem mounted at `target`: -ENODEV or "unknown filesystem type" means it is not built. */
function pseudoFs(target: string, fstype: string, options: string[]): Symptom[] {
  return [
    {
      id: `mount-${fstype}-${target}`,
      event: 'mount_failed',
      fields: { target, errnoName: 'ENODEV' },
      options,
      confidence: 0.92,
      reason: `mounting ${fstype} on ${target} failed with "No such device": the kernel has no ${fstype} filesystem`,
    },
    ...fsType(fstype, options),
  ];
}

/** A filesystem type the kernel said it does not know. */
function fsType(fstype: string, options: string[]): Symptom[] {
  return [
    {
      id: `fstype-${fstype}`,
      event: 'mount_failed',
      fields: { fstype, errnoName: 'ENODEV' },
      options,
      confidence: 0.9,
      reason: `the kernel does not know the ${fstype} filesystem`,
    },
  ];
}

/** A system call that returned -ENOSYS: the option behind it is off. */
function syscall(pattern: RegExp, options: string[], what: string): Symptom[] {
  return [
    {
      id: `enosys-${options[0].toLowerCase()}`,
      event: 'error',
      fields: { errnoName: 'ENOSYS', message: pattern },
      options,
      confidence: 0.9,
      reason: `${what} returned "Function not implemented": the kernel was built without it`,
    },
  ];
}
