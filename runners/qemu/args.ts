/** The QEMU command line for a boot: machine, accelerator, console, kernel, devices. */
import { ARCH_FACTS, type Arch } from '../../common/arch.ts';
import type { DiskBus, ResolvedBoot } from '../matrix/types.ts';

export interface QemuPlan {
  arch: Arch;
  kernel: string;
  initrd: string | null;
  disk: string | null;
  accel: 'kvm' | 'tcg';
  /** Host port forwarded to the guest's `net.guestPort` (127.0.0.1 only). */
  hostPort: number | null;
  /** File QEMU writes the serial console to (see console-file.ts for why not a pipe). */
  consoleFile: string;
}

/** Device name the guest kernel gives the first disk on each bus. */
export const ROOT_DEVICE: Record<DiskBus, string> = {
  ide: '/dev/sda',
  ahci: '/dev/sda',
  virtio: '/dev/vda',
  nvme: '/dev/nvme0n1',
};

/** Kernel command line: the matrix's, plus root= when booting from the disk image. */
export function kernelCmdline(boot: ResolvedBoot, plan: Pick<QemuPlan, 'disk' | 'initrd'>): string {
  let cmd = boot.cmdline;
  if (boot.disk?.root && plan.disk && !plan.initrd)
    cmd += ` root=${ROOT_DEVICE[boot.disk.bus]} rootfstype=ext4 rw${boot.disk.init ? ' init=/init' : ''}`;
  return cmd;
}

function diskArgs(bus: DiskBus, file: string, machine: ResolvedBoot['machine']): string[] {
  // snapshot: the guest's writes (a distro's logs, leases, an unclean journal) never reach the cached image.
  const drive = `file=${file},format=raw,cache=unsafe,snapshot=on`;
  // The virt machines' virtio is virtio-mmio: no PCI host bridge needed in a small kernel.
  if (machine === 'virt' && bus === 'virtio')
    return ['-drive', `${drive},if=none,id=vd0`, '-device', 'virtio-blk-device,drive=vd0'];
  switch (bus) {
    case 'ide':
      return ['-drive', `${drive},if=ide,index=0,media=disk`];
    case 'ahci':
      return [
        '-device',
        'ahci,id=ahci0',
        '-drive',
        `${drive},if=none,id=d0`,
        '-device',
        'ide-hd,drive=d0,bus=ahci0.0',
      ];
    case 'virtio':
      return ['-drive', `${drive},if=virtio`];
    case 'nvme':
      return ['-drive', `${drive},if=none,id=nv0`, '-device', 'nvme,serial=bootwatch0,drive=nv0'];
  }
}

/** The first serial port written to a file (see console-file.ts for why not a pipe). */
export function serialToFile(path: string): string[] {
  return ['-chardev', `file,id=con0,path=${path.replaceAll(',', ',,')},append=on`, '-serial', 'chardev:con0'];
}

/** argv for the arch's qemu-system-* (without the program name). */
export function qemuArgs(boot: ResolvedBoot, plan: QemuPlan): string[] {
  const { cpu } = ARCH_FACTS[plan.arch];
  const args = [
    '-M',
    boot.machine,
    ...(cpu ? ['-cpu', cpu] : []),
    '-accel',
    plan.accel,
    '-m',
    String(boot.memoryMb),
    '-smp',
    String(boot.cpus),
    '-nodefaults',
    '-no-reboot',
    '-display',
    'none',
    '-monitor',
    'none',
    ...serialToFile(plan.consoleFile),
    '-kernel',
    plan.kernel,
    '-append',
    kernelCmdline(boot, plan),
  ];
  if (plan.initrd) args.push('-initrd', plan.initrd);
  if (boot.net) {
    const fwd = plan.hostPort ? `,hostfwd=tcp:127.0.0.1:${plan.hostPort}-:${boot.net.guestPort}` : '';
    args.push('-netdev', `user,id=n0${fwd}`, '-device', `${boot.net.model},netdev=n0`);
  }
  if (plan.disk && boot.disk) args.push(...diskArgs(boot.disk.bus, plan.disk, boot.machine));
  return args;
}
