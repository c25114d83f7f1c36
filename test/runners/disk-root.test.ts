/**
 * The ext4 disk image built from busybox (`mkfs.ext4 -d`, nodes by debugfs) on each disk
 * bus QEMU offers: Debian's kernel loads the bus and ext4 modules from a tiny initramfs,
 * mounts the disk and switches root to it; the disk's own /init then runs from ext4.
 * (The seed ladder's 08-ext4-root boots root=/dev/sda with a built-in driver instead.)
 */
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildInitramfs } from '../../runners/images/initramfs.ts';
import { buildRootfs } from '../../runners/images/rootfs.ts';
import type { DiskBus } from '../../runners/matrix/types.ts';
import { ROOT_DEVICE } from '../../runners/qemu/args.ts';
import { bootQemu } from '../../runners/qemu/boot.ts';
import { bootSpec } from './helpers/boot-spec.ts';
import { debianKernel, moduleClosure } from './helpers/debian-kernel.ts';

const DRIVERS: Record<DiskBus, string[]> = {
  ide: ['ata_piix', 'sd_mod'],
  ahci: ['ahci', 'sd_mod'],
  virtio: ['virtio_pci', 'virtio_blk'],
  nvme: ['nvme'],
};

const diskInit =
  '#!/bin/busybox sh\n/bin/busybox mount -t proc none /proc\necho "disk init: / is $(/bin/busybox grep \' / \' /proc/mounts)"\necho BOOTWATCH-DONE\n/bin/busybox poweroff -f\n';

describe('ext4 root image on every disk bus', () => {
  for (const bus of ['ahci', 'ide', 'virtio', 'nvme'] as DiskBus[]) {
    it(`${bus}: the guest mounts the ext4 image and runs its /init from it`, async () => {
      const k = debianKernel();
      const mods = moduleClosure(k, [...DRIVERS[bus], 'ext4', 'crc32c_generic']);
      const files = Object.fromEntries(
        mods.map((m, i) => [`/lib/mods/${String(i).padStart(2, '0')}-${basename(m)}`, m]),
      );
      const dev = ROOT_DEVICE[bus];
      const init = `#!/bin/busybox sh\n/bin/busybox --install -s /bin\nmount -t proc none /proc\nmount -t devtmpfs none /dev\nfor m in /lib/mods/*.ko; do insmod $m; done\nfor i in 1 2 3 4 5 6 7 8 9 10; do [ -b ${dev} ] && break; sleep 1; done\nmount -t ext4 ${dev} /mnt || echo "mount ${dev} failed"\numount /proc /dev\nexec switch_root /mnt /init\n`;
      const disk = await buildRootfs(diskInit, '/bin/busybox', 32);
      const r = await bootQemu({
        variant: `disk-${bus}`,
        kernel: k.vmlinuz,
        initrd: buildInitramfs(init, '/bin/busybox', files),
        disk,
        initIsScript: true,
        boot: bootSpec({ disk: { bus, init: diskInit, busybox: '/bin/busybox', sizeMb: 32, root: false } }),
      });
      const text = r.console.toString();
      expect(text).toMatch(new RegExp(`disk init: / is ${dev} / ext4 rw`));
      expect(r.outcome).toBe('booted');
      expect(r.finish.endReason).toBe('marker');
    }, 120_000);
  }
});
