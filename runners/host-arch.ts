/** What depends on the machine the runner is on: native or cross toolchain, KVM or TCG. */
import { ARCH_FACTS, type Arch } from '../common/arch.ts';

/** True when this host runs the architecture natively (no cross compiler, KVM possible). */
export function isHostArch(a: Arch): boolean {
  return ARCH_FACTS[a].node === process.arch;
}

/** `CROSS_COMPILE=` for Kbuild: empty for the host's own architecture. */
export function crossCompilePrefix(a: Arch): string {
  return isHostArch(a) ? '' : `${ARCH_FACTS[a].triplet}-`;
}
