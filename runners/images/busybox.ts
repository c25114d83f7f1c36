/**
 * The static busybox each guest architecture runs: the host's own package for the host's
 * arch, Debian's multiarch package (unpacked by scripts/setup.sh into the cache) for arm64,
 * and one built from Debian's busybox source with the cross toolchain for riscv64 (Debian 12
 * has no riscv64 archive).
 */
import { join } from 'node:path';
import type { Arch } from '../../common/arch.ts';
import { isHostArch } from '../host-arch.ts';
import { cacheDir } from '../paths.ts';

/** Where a guest arch's busybox lives (the set-up script puts it there). */
export function defaultBusybox(arch: Arch): string {
  if (isHostArch(arch)) return '/bin/busybox';
  return join(cacheDir(), 'multiarch', arch, 'busybox');
}
