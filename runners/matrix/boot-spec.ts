/**
 * A resolved boot set-up written back as a matrix file's `boot:` section: what lets a matrix
 * bootwatch writes (the ladder a climb found) boot exactly as the run that found it did.
 * Scripts go inline; the busybox is left to its per-arch default when it is the default.
 */
import type { Arch } from '../../common/arch.ts';
import { defaultBusybox } from '../images/busybox.ts';
import type { BootSpec } from './schema.ts';
import type { ResolvedBoot } from './types.ts';

export function bootSpecOf(b: ResolvedBoot, arch: Arch): BootSpec {
  const ir = b.initramfs;
  return {
    cmdline: b.cmdline,
    memory: b.memoryMb,
    cpus: b.cpus,
    machine: b.machine,
    accel: b.accel,
    timeout: b.timeoutMs / 1000,
    initramfs: !ir
      ? false
      : ir.kind === 'cpio'
        ? { cpio: ir.path }
        : {
            script: ir.init,
            ...(ir.busybox !== defaultBusybox(arch) ? { busybox: ir.busybox } : {}),
            ...(Object.keys(ir.files).length ? { files: ir.files } : {}),
          },
    net: b.net ? { ...b.net } : false,
    disk: !b.disk
      ? false
      : {
          bus: b.disk.bus,
          ...(b.disk.debootstrap ? { debootstrap: { ...b.disk.debootstrap } } : { script: b.disk.init! }),
          sizeMb: b.disk.sizeMb,
          root: b.disk.root,
        },
    markers: [...b.markers],
  };
}
