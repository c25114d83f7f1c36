/**
 * The seed ladder's Debian root on the EC2 path, for real: examples/ec2.yaml's ec2-debian
 * (boot.disk.debootstrap, as 09-debian names it) gets the very ext4 file 09-debian boots under
 * QEMU as the root partition of its GPT + ESP disk, and the rehearsal boots that disk through
 * OVMF with the disk on NVMe to Debian's login: prompt. The kernel is Debian's prebuilt one
 * (its NVMe and ext4 modules in the UKI's initramfs): ec2-debian's own is a kernel build.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARCH_FACTS } from '../../../common/arch.ts';
import { ROOT_PARTUUID } from '../../../runners/ec2/image.ts';
import { type Ec2VariantResult, runEc2Variant } from '../../../runners/ec2/run-variant.ts';
import { resolveEc2Settings } from '../../../runners/ec2/settings.ts';
import { debootstrapDisk } from '../../../runners/images/debootstrap-disk.ts';
import { listEsp } from '../../../runners/images/esp.ts';
import { readGpt } from '../../../runners/images/gpt-disk.ts';
import { loadMatrix } from '../../../runners/matrix/load.ts';
import { debianKernel } from '../helpers/debian-kernel.ts';

const example = (f: string) => new URL(`../../../examples/${f}`, import.meta.url).pathname;

/** Whether `file` is byte for byte what `disk` holds from `offset` on. */
function sameBytes(file: string, disk: string, offset: number): boolean {
  const a = openSync(file, 'r');
  const b = openSync(disk, 'r');
  const x = Buffer.alloc(4 << 20);
  const y = Buffer.alloc(4 << 20);
  try {
    for (let pos = 0; ; pos += x.length) {
      const n = readSync(a, x, 0, x.length, pos);
      if (!n) return true;
      if (readSync(b, y, 0, n, offset + pos) !== n || !x.subarray(0, n).equals(y.subarray(0, n)))
        return false;
    }
  } finally {
    closeSync(a);
    closeSync(b);
  }
}

let run: Ec2VariantResult;
let ladderDisk: string;
const lines: string[] = [];

beforeAll(async () => {
  const k = debianKernel();
  const picked = loadMatrix(example('ec2.yaml')).variants.find((v) => v.name === 'ec2-debian');
  if (!picked) throw new Error('examples/ec2.yaml has no ec2-debian');
  // A loaded TCG host boots Debian slower than the matrix's EC2 timeout allows.
  const variant = { ...picked, kernel: k.vmlinuz, boot: { ...picked.boot, timeoutMs: 900_000 } };
  const settings = resolveEc2Settings({
    ...variant.ec2,
    image: {
      ...variant.ec2?.image,
      modules: { dir: join(dirname(dirname(k.vmlinuz)), 'lib/modules', k.release) },
    },
  });
  const rung = loadMatrix(example('seed-ladder.yaml')).variants.find((v) => v.name === '09-debian')!;
  ladderDisk = await debootstrapDisk(
    rung.boot.disk!.debootstrap!,
    rung.boot.disk!.sizeMb,
    ARCH_FACTS.x86_64.console,
  );
  run = await runEc2Variant({
    variant,
    settings,
    collector: null,
    rehearseOnly: true,
    clients: () => {
      throw new Error('a rehearsal alone makes no AWS call');
    },
    hooks: {},
  });
  // The rehearsal's console, as the test reads it.
  lines.push(...(run.rehearsal?.console.toString('utf8').split('\n') ?? []));
}, 1_200_000);

describe("ec2-debian: the seed ladder's Debian root made EFI-bootable", () => {
  it("is a GPT disk whose ESP boots the kernel and whose root partition is 09-debian's own ext4", async () => {
    expect(run.error).toBeNull();
    const image = run.image!;
    expect(image.root).toBe(ladderDisk);
    const parts = await readGpt(image.path);
    expect(parts.map((p) => p.uuid.toLowerCase())).toContain(ROOT_PARTUUID);
    expect(await listEsp(image.path, image.layout.partitions[0].startBytes)).toContain(
      'EFI/BOOT/BOOTX64.EFI',
    );
    // The disk grew to hold the 1 GiB root beside the ESP.
    const root = image.layout.partitions[1];
    expect(root.sizeBytes).toBeGreaterThanOrEqual(statSync(ladderDisk).size);
    expect(image.sizeBytes).toBeGreaterThan(statSync(ladderDisk).size);
    expect(sameBytes(ladderDisk, image.path, root.startBytes)).toBe(true);
    // Its own /sbin/init: no init= on the command line, no /init added.
    expect(image.cmdline).not.toMatch(/\binit=/);
    expect(image.modules.some((m) => m.endsWith('/nvme.ko'))).toBe(true);
  });

  it('rehearses under QEMU + OVMF + NVMe to the login prompt', () => {
    const r = run.rehearsal!;
    const text = lines.join('\n');
    expect(r.input.meta?.imageSha256).toBe(run.image!.sha256);
    expect(r.finish.endReason, text.slice(-3000)).toBe('marker');
    expect(r.outcome).toBe('booted');
    expect(lines.some((l) => /BdsDxe: (loading|starting) Boot.*NVMe/.test(l))).toBe(true);
    expect(text).toMatch(/bootwatch-initramfs: root is \/dev\/nvme0n1p2/);
    expect(text).toMatch(/INIT: version 3\.\d+ booting/);
    expect(text).toMatch(/\bbootwatch login: $/);
    expect(r.parse.milestones).toHaveProperty('login');
    expect(r.finish.checks?.find((c) => c.name === 'uefi-nvme-root')).toMatchObject({ ok: true });
    console.log(`ec2-debian rehearsal: ${(r.durationMs / 1000).toFixed(1)} s (${r.input.accel})`);
  });
});
