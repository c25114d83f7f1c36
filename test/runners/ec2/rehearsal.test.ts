/**
 * The EC2 disk image, built for real without loop mounts, and its rehearsal: the same
 * file booted under QEMU + OVMF with the root disk on NVMe (Debian's modular kernel, so
 * the image carries a UKI with the NVMe/ext4 modules in its initramfs).
 */
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEc2Image, type Ec2Image, ROOT_PARTUUID } from '../../../runners/ec2/image.ts';
import { rehearse } from '../../../runners/ec2/rehearse.ts';
import { resolveEc2Settings } from '../../../runners/ec2/settings.ts';
import { listEsp } from '../../../runners/images/esp.ts';
import { readGpt } from '../../../runners/images/gpt-disk.ts';
import { bootSpec, initScript } from '../helpers/boot-spec.ts';
import { type DebianKernel, debianKernel } from '../helpers/debian-kernel.ts';

let k: DebianKernel;
let image: Ec2Image;

beforeAll(async () => {
  k = debianKernel();
  const settings = resolveEc2Settings({
    region: 'eu-west-1',
    image: { modules: { dir: join(dirname(dirname(k.vmlinuz)), 'lib/modules', k.release) } },
  });
  image = await buildEc2Image({
    kernel: k.vmlinuz,
    cmdline: 'console=ttyS0 panic=-1',
    init: initScript('echo "root: $(grep " / " /proc/mounts)"'),
    image: settings.image,
  });
}, 300_000);

describe('the EC2 disk image', () => {
  it('is a GPT disk with an EFI system partition and an ext4 root at fixed PARTUUIDs', async () => {
    const parts = await readGpt(image.path);
    expect(parts).toHaveLength(2);
    expect(parts[0].type).toBe('C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
    expect(parts[1].uuid.toLowerCase()).toBe(ROOT_PARTUUID);
    expect(image.sizeBytes).toBe(1024 * 1024 * 1024);
    // Sparse: only what the ESP and the ext4 metadata hold has to be uploaded.
    expect(image.dataBytes).toBeLessThan(64 * 1024 * 1024);
    const files = await listEsp(image.path, image.layout.partitions[0].startBytes);
    expect(files).toContain('EFI/BOOT/BOOTX64.EFI');
    expect(image.modules.some((m) => m.endsWith('/nvme.ko'))).toBe(true);
    expect(image.cmdline).toMatch(/console=ttyS0/);
  });

  it('is reused when nothing changed', async () => {
    const again = await buildEc2Image({
      kernel: k.vmlinuz,
      cmdline: 'console=ttyS0 panic=-1',
      init: initScript('echo "root: $(grep " / " /proc/mounts)"'),
      image: resolveEc2Settings({
        region: 'eu-west-1',
        image: { modules: { dir: join(dirname(dirname(k.vmlinuz)), 'lib/modules', k.release) } },
      }).image,
    });
    expect(again.cached).toBe(true);
    expect(again.sha256).toBe(image.sha256);
  });
});

describe('the rehearsal under QEMU + OVMF + NVMe', () => {
  it('boots the exact image through UEFI to userspace with the root on NVMe', async () => {
    const lines: string[] = [];
    const r = await rehearse({
      variant: 'ec2-rehearsal',
      image,
      kernel: k.vmlinuz,
      boot: bootSpec({ timeoutMs: 150_000 }),
      initIsScript: true,
      onLine: (u) => lines.push(u.text),
    });
    expect(r.input.target).toBe('qemu');
    expect(r.input.meta?.imageSha256).toBe(image.sha256);
    expect(r.finish.endReason).toBe('marker');
    expect(r.outcome).toBe('booted');
    expect(r.finish.status).toBe('PASS');
    expect(lines.some((l) => /BdsDxe: (loading|starting) Boot.*NVMe/.test(l))).toBe(true);
    expect(lines.some((l) => /nvme0n1: p1 p2/.test(l))).toBe(true);
    expect(lines.some((l) => /^root: \/dev\/nvme0n1p2 \/ ext4/.test(l))).toBe(true);
    console.log(
      `rehearsal: ${(r.durationMs / 1000).toFixed(1)} s (${r.input.accel}); image build ${image.buildMs} ms`,
    );
  }, 200_000);
});
