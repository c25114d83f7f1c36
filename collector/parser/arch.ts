/**
 * Which architecture a console log comes from, told by the kernel's own lines: the banner's
 * release or compiler triplet, early boot lines only one architecture prints, and crash
 * report layouts (`RIP:`, `pc :`, `epc :`). The first line that tells decides.
 */
import type { Arch } from '../../common/types/parse.ts';
import { ARCH_HINTS, ARCH_WORDS } from './tables/arch.ts';

/** Reads kernel messages until one of them names the architecture. */
export class ArchDetector {
  arch: Arch | null = null;

  /** Feeds one kernel message (frame removed); a no-op once decided. */
  see(message: string): void {
    if (this.arch !== null || !ARCH_WORDS.test(message)) return;
    for (const [re, arch] of ARCH_HINTS)
      if (re.test(message)) {
        this.arch = arch;
        return;
      }
  }
}
