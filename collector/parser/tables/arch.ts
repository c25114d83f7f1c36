/**
 * Lines that give a console log's architecture away, first match wins. A kernel person adds
 * a line here when a log of a known architecture comes out `arch: null`.
 */
import type { Arch } from '../../../common/types/parse.ts';

/** Words one of the hints below needs: a line without any is not tested further. */
export const ARCH_WORDS =
  /Linux version|CPU features|Booting Linux|pc :|x29:|riscv|SBI spec|epc :|x86|BIOS|Command line:|RIP:|DMI:|_sys_|el[01]|(?:SYSCALL|syscall)_64/;

export const ARCH_HINTS: readonly (readonly [RegExp, Arch])[] = [
  // The banner: a distribution's release suffix (`6.1.0-57-arm64`, `.fc39.x86_64`) or the
  // cross compiler's triplet (`aarch64-linux-gnu-gcc`).
  [/^Linux version \S*(?:[-.]arm64|\.aarch64)\b|^Linux version .*\baarch64-/, 'arm64'],
  [/^Linux version .*\briscv64/, 'riscv64'],
  [/^Linux version \S*(?:[-.]amd64|\.x86_64)\b|^Linux version .*\bx86_64-/, 'x86_64'],
  // Early boot lines only one architecture prints.
  [/^CPU features: detected: |^Booting Linux on physical CPU 0x[0-9a-f]{10} /, 'arm64'],
  [/^riscv: |^SBI specification v|^Machine model: riscv-/, 'riscv64'],
  [/^Command line: |^x86\/fpu: |^BIOS-e820: |^BIOS-provided physical RAM map/, 'x86_64'],
  [/^DMI: .*(?:i440FX|Q35|PIIX|ICH9)/, 'x86_64'],
  // Report layouts: registers and syscall entry frames.
  // (arm32 prints `pc : [<c03b2f44>]` too: arm64's is a function or a 64-bit address.)
  [/^\s*(?:pc : (?:[A-Za-z_]|0x|\[<[0-9a-f]{16}>\])|x29: )/, 'arm64'],
  [/__arm64_sys_|\bdo_el0_svc|\bel(?:0t?|1h?)_(?:64_)?(?:sync|irq|abort|svc|dbg)/, 'arm64'],
  [/^\s*epc : |__riscv_sys_/, 'riscv64'],
  [/^\s*RIP: 00[0-9a-f]{2}:|__x64_sys_|\bentry_SYSCALL_64|\bdo_syscall_64/, 'x86_64'],
];
