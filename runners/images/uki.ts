/**
 * A unified kernel image: systemd's EFI stub with the kernel, its command line and an
 * optional initramfs as PE sections (objcopy), so firmware that passes no arguments —
 * EC2's UEFI loading \EFI\BOOT\BOOTX64.EFI (BOOTAA64.EFI on Graviton) — still boots
 * with the right command line.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARCH_FACTS, type Arch, DEFAULT_ARCH } from '../../common/arch.ts';
import { BootwatchError } from '../../common/errors.ts';
import { setting } from '../../common/settings.ts';
import { crossCompilePrefix, isHostArch } from '../host-arch.ts';
import { cacheDir } from '../paths.ts';
import { runCommand } from '../process.ts';

/**
 * Debian's systemd-boot-efi stub for `arch`. A foreign arch's comes from Debian's multiarch
 * package, unpacked by scripts/setup.sh into the cache (an amd64 host cannot install it).
 */
function efiStubPath(arch: Arch): string {
  if (arch === DEFAULT_ARCH) return setting('BOOTWATCH_EFI_STUB');
  const given = arch === 'arm64' ? setting('BOOTWATCH_EFI_STUB_ARM64') : undefined;
  if (given) return given;
  const file = `linux${ARCH_FACTS[arch].uefi.toLowerCase()}.efi.stub`;
  if (isHostArch(arch)) return join('/usr/lib/systemd/boot/efi', file);
  return join(cacheDir(), 'multiarch', arch, file);
}

const MiB = 1 << 20;
const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** Writes `out`: stub + .osrel + .cmdline + .linux (+ .initrd), sections placed past the stub's image. */
export async function buildUki(opts: {
  kernel: string;
  cmdline: string;
  initrd: string | null;
  out: string;
  /** The kernel's arch (default x86_64): which stub, and the binutils that read its PE format. */
  arch?: Arch;
}): Promise<void> {
  const arch = opts.arch ?? DEFAULT_ARCH;
  const stub = efiStubPath(arch);
  if (!existsSync(stub)) {
    const get = isHostArch(arch)
      ? 'apt-get install systemd-boot-efi'
      : `scripts/setup.sh fetches Debian's systemd-boot-efi:${ARCH_FACTS[arch].debian}`;
    throw new BootwatchError(
      'harness.failed',
      `${arch} EFI stub not found at ${stub} (${get}), needed to embed the command line`,
    );
  }
  // The host's binutils read only its own PE flavour: a foreign stub needs the cross ones.
  const binutils = crossCompilePrefix(arch);
  const head = await runCommand(`${binutils}objdump`, ['-p', stub]);
  const size = head.output.match(/SizeOfImage\s+([0-9a-f]+)/i);
  if (head.code !== 0 || !size)
    throw new BootwatchError(
      'harness.failed',
      `objdump -p ${stub} failed: ${head.spawnError ?? head.output.slice(-300)}`,
    );
  const tmp = mkdtempSync(join(tmpdir(), 'bootwatch-uki-'));
  try {
    const osrel = join(tmp, 'os-release');
    const cmdline = join(tmp, 'cmdline');
    writeFileSync(osrel, 'ID=bootwatch\nNAME=bootwatch\nPRETTY_NAME="bootwatch test image"\n');
    // The stub passes .cmdline verbatim: a trailing NUL-free single line is what the kernel expects.
    writeFileSync(cmdline, opts.cmdline.trim());
    const sections: [string, string][] = [
      ['.osrel', osrel],
      ['.cmdline', cmdline],
      ['.linux', opts.kernel],
    ];
    if (opts.initrd) sections.push(['.initrd', opts.initrd]);
    let vma = alignUp(Number.parseInt(size[1], 16), MiB);
    const args: string[] = [];
    for (const [name, file] of sections) {
      args.push('--add-section', `${name}=${file}`, '--change-section-vma', `${name}=0x${vma.toString(16)}`);
      vma = alignUp(vma + statSync(file).size, MiB);
    }
    const r = await runCommand(`${binutils}objcopy`, [...args, stub, opts.out]);
    if (r.code !== 0)
      throw new BootwatchError(
        'harness.failed',
        `objcopy (UKI) failed: ${r.spawnError ?? r.output.trim().slice(-500)}`,
      );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
