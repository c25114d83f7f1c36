/**
 * The architectures bootwatch builds and boots, and the facts each one needs: Kbuild's
 * ARCH and image, the cross toolchain's prefix, the QEMU machine and its console. One table,
 * so the builder, the booter, the matrix schema and the dashboard agree. No Node imports:
 * the dashboard reads it too (what depends on the host is in runners/host-arch.ts).
 */
export const ARCHES = ['x86_64', 'arm64', 'riscv64'] as const;
export type Arch = (typeof ARCHES)[number];
export const DEFAULT_ARCH: Arch = 'x86_64';

export interface ArchFacts {
  /** Kbuild's `ARCH=`. */
  kbuildArch: string;
  /** The directory under arch/ (Kconfig's SRCARCH). */
  srcArch: string;
  /** GNU triplet of Debian's cross toolchain (`<triplet>-gcc`). */
  triplet: string;
  /** Debian's name for it (`dpkg --add-architecture`, multiarch packages). */
  debian: string;
  /** Node's `process.arch` on such a host: KVM and a native compiler only there. */
  node: string;
  /** The make target and the file it leaves in O=. */
  imageTarget: string;
  imagePath: string;
  qemu: string;
  machine: 'pc' | 'virt';
  /** `-cpu` (null: the machine's default). */
  cpu: string | null;
  /** The serial console's device name on that machine. */
  console: string;
  /** The NIC a guest of this machine gets when the matrix names none. */
  nic: 'e1000' | 'virtio-net-device';
  /** UEFI's name for it: the loader \EFI\BOOT\BOOT<uefi>.EFI, systemd's linux<uefi>.efi.stub (lower case). */
  uefi: 'X64' | 'AA64' | 'RISCV64';
}

export const ARCH_FACTS: Record<Arch, ArchFacts> = {
  x86_64: {
    kbuildArch: 'x86_64',
    srcArch: 'x86',
    triplet: 'x86_64-linux-gnu',
    debian: 'amd64',
    node: 'x64',
    imageTarget: 'bzImage',
    imagePath: 'arch/x86/boot/bzImage',
    qemu: 'qemu-system-x86_64',
    machine: 'pc',
    cpu: null,
    console: 'ttyS0',
    nic: 'e1000',
    uefi: 'X64',
  },
  arm64: {
    kbuildArch: 'arm64',
    srcArch: 'arm64',
    triplet: 'aarch64-linux-gnu',
    debian: 'arm64',
    node: 'arm64',
    imageTarget: 'Image',
    imagePath: 'arch/arm64/boot/Image',
    qemu: 'qemu-system-aarch64',
    machine: 'virt',
    cpu: 'max',
    console: 'ttyAMA0',
    nic: 'virtio-net-device',
    uefi: 'AA64',
  },
  riscv64: {
    kbuildArch: 'riscv',
    srcArch: 'riscv',
    triplet: 'riscv64-linux-gnu',
    debian: 'riscv64',
    node: 'riscv64',
    imageTarget: 'Image',
    imagePath: 'arch/riscv/boot/Image',
    qemu: 'qemu-system-riscv64',
    machine: 'virt',
    cpu: null,
    console: 'ttyS0',
    nic: 'virtio-net-device',
    uefi: 'RISCV64',
  },
};
