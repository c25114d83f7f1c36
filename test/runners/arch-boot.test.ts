/**
 * Other architectures for real: Debian's prebuilt arm64 kernel under qemu-system-aarch64
 * (virt, TCG), and cross builds of the arm64 and riscv64 seed ladders' first rungs with
 * Debian's toolchains, booted under their QEMUs with each arch's busybox: the outcome and
 * diagnosis each rung should have, the arch recorded on the build and the boot.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ARCH_FACTS, type Arch } from '../../common/arch.ts';
import { buildVariant } from '../../runners/build/build-kernel.ts';
import { defaultBusybox } from '../../runners/images/busybox.ts';
import { buildInitramfs } from '../../runners/images/initramfs.ts';
import { loadMatrix } from '../../runners/matrix/load.ts';
import type { ResolvedVariant } from '../../runners/matrix/types.ts';
import { bootQemu } from '../../runners/qemu/boot.ts';
import { type KernelSource, prepareSource } from '../../runners/source.ts';
import { bootSpec, initScript } from './helpers/boot-spec.ts';
import { debianKernel } from './helpers/debian-kernel.ts';

describe("Debian's arm64 kernel under qemu-system-aarch64", () => {
  const arm64Boot = (cmdline: string, timeoutMs: number) =>
    bootQemu({
      variant: 'debian-arm64',
      arch: 'arm64',
      kernel: debianKernel('arm64').vmlinuz,
      boot: bootSpec({ machine: 'virt', cmdline, timeoutMs }),
      initrd: buildInitramfs(initScript('uname -m'), defaultBusybox('arm64')),
      disk: null,
      initIsScript: true,
    });

  it('boots to the marker on the virt machine under TCG, and both sides know it is arm64', async () => {
    const r = await arm64Boot('console=ttyAMA0 panic=-1', 240_000);
    const lines = r.console.toString().split('\n');
    expect(r.outcome).toBe('booted');
    expect(r.finish.endReason).toBe('marker');
    expect(r.input.machine).toBe('qemu-system-aarch64 -M virt');
    expect(r.input.accel).toBe('tcg');
    expect(r.input.arch).toBe('arm64');
    expect(String(r.input.meta?.qemuArgs).replaceAll(',', ' ')).toContain('-M virt -cpu max');
    expect(r.parse.arch).toBe('arm64');
    expect(lines.some((l) => l.trim() === 'aarch64')).toBe(true);
  }, 300_000);

  it("says the PL011 console is what a silent arm64 boot lacks (console=ttyS0 is x86's)", async () => {
    const r = await arm64Boot('console=ttyS0 panic=-1', 30_000);
    expect(r.outcome).toBe('no_output');
    expect(r.parse.diagnosis[0]?.option).toBe('CONFIG_SERIAL_AMBA_PL011_CONSOLE');
    expect(r.parse.diagnosis[0]?.reason).toContain('console=ttyAMA0');
  }, 120_000);
});

describe.each(['arm64', 'riscv64'] as Arch[])('the %s seed ladder, cross-built', (arch) => {
  const ladder = loadMatrix(`examples/seed-ladder-${arch}.yaml`);
  const rung = (name: string): ResolvedVariant => ladder.variants.find((v) => v.name === `${name}@${arch}`)!;
  let src: KernelSource;
  beforeAll(async () => {
    src = await prepareSource(rung('01-serial').source!);
  }, 600_000);

  /** Builds a rung and boots it without the network check (its NIC is a later rung). */
  async function buildAndBoot(name: string) {
    const v = rung(name);
    const b = await buildVariant(v, src);
    expect(b.input.status, b.input.errors?.join('\n')).toBe('PASS');
    const ir = v.boot.initramfs;
    const r = await bootQemu({
      variant: v.name,
      arch,
      kernel: b.image!,
      boot: { ...v.boot, net: null },
      initrd: ir?.kind === 'busybox' ? buildInitramfs(ir.init, ir.busybox, ir.files) : null,
      disk: null,
      initIsScript: true,
    });
    return { b, r };
  }

  it('01-serial: the console speaks, and the panic asks for initramfs support', async () => {
    const { b, r } = await buildAndBoot('01-serial');
    expect(b.input.arch).toBe(arch);
    expect(b.input.compiler).toContain(ARCH_FACTS[arch].triplet);
    expect(b.image).toMatch(new RegExp(`${ARCH_FACTS[arch].imagePath}$`));
    expect(b.input.command).toContain(`ARCH=${ARCH_FACTS[arch].kbuildArch}`);
    expect(b.input.dropped).toEqual([]);
    expect(b.input.symbols?.length).toBeGreaterThan(500);
    expect(r.outcome).toBe('panic');
    expect(r.parse.panic?.reason).toMatch(/VFS: Unable to mount root fs/);
    expect(r.parse.diagnosis[0]?.option).toBe('CONFIG_BLK_DEV_INITRD');
    expect(r.parse.arch).toBe(arch);
    expect(r.input.machine).toBe(`${ARCH_FACTS[arch].qemu} -M virt`);
  }, 1_800_000);

  it('04-procfs: busybox of the guest arch runs the ladder init to its marker', async () => {
    const { r } = await buildAndBoot('04-procfs');
    expect(r.outcome).toBe('booted');
    expect(r.finish.endReason).toBe('marker');
    expect(r.stage).toBe('userspace');
    expect(r.console.toString()).toContain('init: started');
  }, 1_800_000);
});
