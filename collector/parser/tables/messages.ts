/**
 * The kernel's own boot messages that bootwatch reads, verbatim from the Linux source
 * (init/main.c, init/do_mounts.c, init/initramfs.c, kernel/printk, kernel/reboot.c,
 * drivers/base/dd.c). Kept as data so a reader can check each one against the kernel.
 */

export const BOOT_MESSAGES = {
  banner: /^Linux version (\S+)/,
  cmdlineFinal: /^Kernel command line: ?(.*?)\s*$/,
  cmdlineEarly: /^Command line: ?(.*?)\s*$/,
  /** `printk: console [ttyS0] enabled`, `printk: legacy console [...]`, `bootconsole [...]`. */
  console: /\b(?:legacy )?(?:boot)?console \[([\w.:-]+)\] enabled/,
  initramfsStart: /^(?:Unpacking initramfs\.\.\.|Trying to unpack rootfs image as initramfs)/,
  initramfsFailed: /^(?:Initramfs unpacking failed: (.*)|rootfs image is not initramfs \((.*)\))/,
  initramfsDone: /^Freeing initrd memory: /,
  rootMounted: /^VFS: Mounted root \((\S+) filesystem\)( readonly)? on device (\d+:\d+)/,
  initRun: /^Run (\S+) as init process/,
  /** run_init_process's pr_debug lines between "Run" and the exec. */
  initRunDetail: /^\s+(?:with arguments:|with environment:|\S.*)$/,
  initFailed: /^Failed to execute (\S+) \(error (-?\d+)\)/,
  initExistsButFailed: /^Starting init: (\S+) exists but couldn't execute it \(error (-?\d+)\)/,
  initDefaultFailed: /^Default init (\S+) failed \(error (-?\d+)\)/,
  initRequestedFailed: /Requested init (\S+) failed \(error (-?\d+)\)/,
  noWorkingInit: /No working init found|No init found/,
  initKilled: /Attempted to kill init!/,
  shutdown:
    /^(?:reboot: (System halted|Power down|Restarting system|machine restart)|(System halted|Power down|Restarting system)\.?$|kexec_core: (Starting new kernel))/,
  initcallStart: /^calling {1,2}([A-Za-z0-9_.$]+)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?: \[([\w-]+)\])? @ (\d+)/,
  initcallDone:
    /^initcall ([A-Za-z0-9_.$]+)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?: \[([\w-]+)\])? returned (-?\d+) after (\d+) usecs/,
  initcallImbalance: /^initcall ([A-Za-z0-9_.$]+)\S* returned with (.*)/,
  /** initcall_debug's per-device probe timing (drivers/base/dd.c really_probe_debug). */
  probeTiming: /^probe of (\S+) returned (-?\d+) after (\d+) usecs/,
  /** `e1000: probe of 0000:00:03.0 failed with error -5` (6.1), `drv dev: probe of ...` (older). */
  probeFailed: /^(?:([\w.-]+) )?(?:([\w.:-]+): )?probe of (\S+) failed with error (-?\d+)/,
  /** dev_err_probe(): `drv dev: error -ENODEV: message`. */
  probeErr: /^([a-z][\w-]*) (\S+): error (-\d+|-E[A-Z0-9_]+): (.*)/,
  scsiHost: /^scsi host(\d+): (.+?)\s*$/,
  /** A netdev came up: `e1000 0000:00:03.0 eth0: Intel(R) PRO/1000 Network Connection`. */
  netdev: /^([a-z][\w-]*) (\S+) ((?:eth|en|wl|ens|enp|eno|wlan|ib)\w*|\w+\d+): /,
  blockDisk:
    /^(?:sd (\d+:\d+:\d+:\d+): \[(sd[a-z]+)\]|virtio_blk (virtio\d+): \[(vd[a-z]+)\]|nvme (nvme\d+): (\d+)\/\d+\/\d+ default\/read\/poll queues)/,
  /** `driver device: message` from dev_printk. */
  devLine: /^([a-z][a-z0-9_-]*) (\S+?): (.*)$/,
  partitionsList: /^No filesystem could mount root, tried:\s*(.*)$/,
  rootOpenFailed: /^VFS: Cannot open root device "?([^"\s]*)"? or (\S+): error (-?\d+)/,
  rootUnable: /^VFS: Unable to mount root fs on (\S+)/,
  fsCantFind:
    /^(EXT[234]-fs|XFS|BTRFS|SQUASHFS|FAT-fs|ISOFS) \(([^)]+)\): (?:VFS: )?(Can't find .*|unable to read superblock|bad geometry.*|error.*)$/i,
  /** The kernel naming an option it lacks. */
  missingConfig:
    /\b(CONFIG_[A-Z0-9_]+)\b(?:=n\b| is not set| not set| is not enabled| not enabled| is disabled| disabled| is missing| missing| is required| required| is needed| needed| not (?:configured|compiled|built|available|supported))/,
  missingConfigBefore:
    /\b(?:enable|set|select|requires?|needs?|without|missing|recompile with|rebuild with|turn on|please (?:enable|set|select)|consider enabling|lacks)\s+(CONFIG_[A-Z0-9_]+)\b/i,
  highmem:
    /^(?:\d+MB HIGHMEM available|\d+MB LOWMEM available|Notice: NX \(Execute Disable\) protection cannot be enabled: non-PAE kernel!|Initializing HighMem for node)/,
  /** Kernel failure wording that carries no errno; err-level lines without a level prefix. */
  failureWords:
    /\b(?:failed|failure|error|unable to|cannot|can't|could not|couldn't|timed out|timeout|not found|no such|invalid|refused|denied|corrupt(?:ed|ion)?|bad)\b/i,
  /** Failure wording that is routine in a healthy boot and must not raise a kernel_error. */
  benignFailure:
    /^(?:tsc: |hrtimer: interrupt took|sched_clock: |\.+ ?(?:failed|works)\b|\.\.TIMER: |Notice: |ACPI: No IRQ|PCI: Using configuration type|platform \S+: registered platform|ata\d+: DUMMY|RAS: Correctable Errors|EDD information not available|ftrace: allocating|pci \S+: BAR|pnp: PnP ACPI|clocksource:|hpet|i8042: PNP: No PS\/2|ACPI: _OSC|Spectre|MDS:|MMIO Stale Data:|Retbleed|RETBleed|SRBDS|GDS:|Speculative|x86\/fpu|APIC|IOAPIC|ENERGY_PERF_BIAS|device-mapper: uevent|random:|audit:|Error parsing PCC subspaces|pcc_cpufreq|intel_pstate|e820|BIOS-e820|PM: hibernation|TSC deadline|kvm-clock|workingset|Freeing|Write protecting|process: using|Last level|Performance Events|signal: max|rcu:|Unstable clock|software IO TLB|Initramfs unpacking failed)/,
} as const;

/**
 * Lines only a kernel prints. In a log without stamps (printk.time=0, PRINTK_TIME off)
 * they mark where the kernel's output begins and, once init runs, which lines are still
 * the kernel's; crash headers (tables/crashes.ts) count too.
 */
export const KERNEL_ONLY_RE =
  /^(?:Linux version \S+ \(|Command line: |Kernel command line: |Booting Linux on physical CPU|Machine model: |Run \S+ as init process|Failed to execute \S+ \(error|Starting init: \S+ exists|Default init \S+ failed|Requested init \S+ failed|No working init found|Freeing unused kernel|Freeing initrd memory|Trying to unpack rootfs|Unpacking initramfs|VFS: (?:Mounted root|Cannot open root|Unable to mount root)|printk: (?:legacy )?(?:boot)?console \[|reboot: (?:System halted|Power down|Restarting system)|kexec_core: Starting new kernel|Write protecting the kernel|Call [Tt]race:|CPU: \d+ (?:PID|UID): |Hardware name: |Modules linked in:)/;

/**
 * pr_fmt prefixes of kernel subsystems that speak after init: without stamps, a line that
 * starts with one is the kernel's (busybox applets such as `mount:` are not in the list).
 */
export const KERNEL_PREFIX_RE =
  /^(?:lkdtm|kfence|kasan|kmemleak|rcu|random|sysrq|note|watchdog|clocksource|smpboot|audit|printk|workqueue|hrtimer|perf|oom_reaper|EXT4-fs \(\S+\)|XFS \(\S+\)|BTRFS \w+ \(|SQUASHFS|FAT-fs \(\S+\)|e1000e?|virtio_\w+|ata\d+(?:\.\d+)?|sd \d+:\d+:\d+:\d+|scsi \d+:\d+:\d+:\d+|usb \d+-[\d.]+|input|EDAC \w+|ACPI|PCI|NET|TCP|IPv6|Bluetooth|kvm|nvme nvme\d+|xhci_hcd \S+|loop\d+|zram\d+|md|device-mapper: \w+|x86\/\w+|Memory cgroup out of memory|Out of memory|Killed process \d+):? /;

/** Drivers whose names are bus cores, not drivers: their device lines prove no probe. */
export const BUS_CORE_NAMES: ReadonlySet<string> = new Set([
  'pci',
  'pci_bus',
  'pnp',
  'platform',
  'acpi',
  'scsi',
  'usb',
  'system',
  'cpu',
  'memory',
  'node',
  'clockevents',
  'clocksource',
  'machinecheck',
  'msr',
  'graphics',
  'misc',
  'tty',
  'vc',
  'mem',
  'event_source',
  'workqueue',
  'regulator',
  'thermal',
  'serio',
  'input',
  'block',
  'bdi',
  'net',
  'virtio',
  'xen',
  'vmbus',
  'hv_vmbus',
  'dmi',
  'firmware',
  'reboot',
  'printk',
  'ata_port',
  'ata_link',
  'ata_device',
  'sd_mod',
]);

/** Device names a driver binds to: PCI addresses, virtio/SCSI/NVMe/USB/PNP/ACPI ids, platform devices. */
export const DEVICE_NAME_RE =
  /^(?:[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]|[0-9a-f]{2}:[0-9a-f]{2}|virtio\d+|host\d+|target\d+:\d+:\d+|\d+:\d+:\d+:\d+|nvme\d+|\d+-[\d.]+(?::\d+\.\d+)?|usb\d+|[A-Z][A-Z0-9]{2,3}[0-9A-F]{4}:\d{2}|[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{4}\.\d{4}|[a-z][\w-]*\.\d+(?:\.auto)?|vbd-\d+|vif-\d+|serial8250|i8042|rtc_cmos|pcspkr|reg-dummy)$/;

/** Lines printed by QEMU or the harness into the captured console. */
export const HARNESS_RE =
  /^(?:qemu-system-\w+: |qemu: |QEMU \d+\.\d+|\[harness\]|bootwatch: |Terminated\s*$|timeout: )/;

/** Firmware and bootloader output before the kernel (SeaBIOS, iPXE, OVMF, GRUB, setup code). */
export const FIRMWARE_RE =
  /^(?:SeaBIOS \(version|iPXE |Press Ctrl-B|Booting from |BdsDxe: |UEFI |EFI stub: |Probing EDD|early console in |Decompressing Linux|Parsing ELF|Booting the kernel|Loading Linux|Loading initial ramdisk|GNU GRUB|Welcome to GRUB|U-Boot |Starting kernel \.\.\.|Machine UUID|Boot failed|No bootable device|iPXE initialising|Booting `)/;

/** Userspace lines worth recognising. */
export const USERSPACE_MESSAGES = {
  /** busybox: `mount: mounting none on /proc failed: No such device`. */
  busyboxMount: /^mount: mounting (\S+) on (\S+) failed: (.*)$/,
  /** util-linux: `mount: /proc: unknown filesystem type 'proc'.` */
  utilMount: /^mount: (\S+): (.*?)\.?$/,
  unknownFsType: /unknown filesystem type '([\w.-]+)'/,
  systemdMount: /^\[?\s*(?:FAILED|\S*FAILED\S*)\s*\]? Failed to mount (.*?)\.?$/,
  loginPrompt: /\blogin:\s*$/,
  shellPrompt: /^(?:\S+@\S+:)?[~/][^\s]* ?[#$]\s*$/,
} as const;
