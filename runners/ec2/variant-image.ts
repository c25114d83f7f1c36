/**
 * The EC2 image of a matrix variant: its kernel with the root its boot names — busybox with
 * the disk's (or initramfs') /init, `ec2.image.debootstrap`, or the Debian root disk of
 * `boot.disk.debootstrap`, the very ext4 file the seed ladder's 09-debian boots under QEMU
 * (set up for a console on ttyS0, which EC2's is too), made EFI-bootable.
 */
import { BootwatchError } from '../../common/errors.ts';
import { debootstrapDisk } from '../images/debootstrap-disk.ts';
import type { ResolvedVariant } from '../matrix/types.ts';
import { buildEc2Image, EC2_TTY, type Ec2Image } from './image.ts';
import type { Ec2Settings } from './settings.ts';

/** The root filesystem's /init: the disk's, else the busybox initramfs script (null: the root's own init). */
export function rootInit(v: ResolvedVariant, s: Ec2Settings): string | null {
  if (v.boot.disk) return v.boot.disk.init;
  if (v.boot.initramfs?.kind === 'busybox') return v.boot.initramfs.init;
  if (s.image.debootstrap) return null;
  throw new BootwatchError(
    'input.invalid',
    `variant ${v.name}: an ec2 target needs boot.disk (its /init or a debootstrap root) or an ec2.image.debootstrap root`,
  );
}

/** Builds (or reuses) the EFI disk image of `v` booting `kernel`. */
export async function buildVariantImage(
  v: ResolvedVariant,
  s: Ec2Settings,
  kernel: string,
  onLine?: (l: string) => void,
): Promise<Ec2Image> {
  const disk = v.boot.disk;
  if (disk?.debootstrap && s.image.debootstrap)
    throw new BootwatchError(
      'input.invalid',
      `variant ${v.name}: boot.disk.debootstrap and ec2.image.debootstrap both name a root: keep one`,
    );
  const rootDisk = disk?.debootstrap
    ? await debootstrapDisk(disk.debootstrap, disk.sizeMb, EC2_TTY, onLine)
    : null;
  return buildEc2Image({
    kernel,
    cmdline: v.boot.cmdline,
    init: rootInit(v, s),
    rootDisk,
    arch: s.arch,
    busybox: disk?.busybox ?? (v.boot.initramfs?.kind === 'busybox' ? v.boot.initramfs.busybox : undefined),
    image: s.image,
    onLine,
  });
}
