/**
 * A matrix after loading: every variant standing alone (extends resolved, files read,
 * defaults applied), ready for the builder and the booter.
 */
import type { Arch } from '../../common/arch.ts';
import type { ConfigFragment } from '../../common/types/ingest.ts';
import type { DebootstrapSpec } from '../images/debootstrap.ts';
import type { Ec2Spec } from './ec2-schema.ts';

export type ResolvedSource = { kind: 'dir'; path: string } | { kind: 'tarball'; path: string };

export type ResolvedBase = 'allnoconfig' | 'tinyconfig' | 'defconfig' | { file: string };

type ResolvedInitramfs =
  | { kind: 'busybox'; init: string; busybox: string; files: Record<string, string> }
  | { kind: 'cpio'; path: string };

export type DiskBus = 'ide' | 'ahci' | 'virtio' | 'nvme';

interface ResolvedDisk {
  bus: DiskBus;
  /** /init of the ext4 image built from busybox; null for a debootstrap root (its /sbin/init). */
  init: string | null;
  /** The Debian/Devuan root the image is made from, instead of busybox. */
  debootstrap?: DebootstrapSpec;
  busybox: string;
  sizeMb: number;
  root: boolean;
}

interface ResolvedNet {
  model: 'e1000' | 'virtio-net-pci' | 'rtl8139' | 'virtio-net-device';
  guestPort: number;
  check: boolean;
}

export interface ResolvedBoot {
  cmdline: string;
  memoryMb: number;
  cpus: number;
  machine: 'pc' | 'q35' | 'virt';
  accel: 'auto' | 'kvm' | 'tcg';
  timeoutMs: number;
  initramfs: ResolvedInitramfs | null;
  net: ResolvedNet | null;
  disk: ResolvedDisk | null;
  markers: string[];
}

export interface ResolvedVariant {
  /** The stored name: the matrix's, `@arch` appended off x86_64 (common/arch.ts variantKey). */
  name: string;
  arch: Arch;
  description: string | null;
  matrix: string;
  source: ResolvedSource | null;
  base: ResolvedBase;
  /** In merge order: the ancestors' first. Inline `config:` lines come last. */
  fragments: ConfigFragment[];
  /** A prebuilt kernel image: no build. */
  kernel: string | null;
  boot: ResolvedBoot;
  baseline: string | null;
  skipBoot: boolean;
  target: 'qemu' | 'ec2';
  /** The matrix's `ec2:` merged with the variant chain's (relative paths still relative to the matrix). */
  ec2: Ec2Spec | null;
}

export interface Matrix {
  name: string;
  file: string;
  variants: ResolvedVariant[];
}
