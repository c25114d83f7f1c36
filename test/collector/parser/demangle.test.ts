/**
 * Mangled symbols from syzkaller's test reports: Rust for Linux's v0 names from 749 (a Rust
 * panic on Android 6.12), read as rustc-demangle prints them with hashes left out, and the C++
 * name of 747 (a lockdep report whose `at:` line names `_Z8fakeNameiii`).
 */
import { describe, expect, it } from 'vitest';
import { demangle } from '../../../collector/parser/demangle.ts';

const NAMES: [string, string][] = [
  ['_RNvCscSpY9Juk0HT_7___rustc17rust_begin_unwind', '__rustc::rust_begin_unwind'],
  ['_RNvNtCs9jEwPDbx20M_4core9panicking9panic_fmt', 'core::panicking::panic_fmt'],
  [
    '_RNvNtNtCs9jEwPDbx20M_4core9panicking11panic_const24panic_const_add_overflow',
    'core::panicking::panic_const::panic_const_add_overflow',
  ],
  // A trait impl whose self type is a backref to the crate root; the trait path from another crate.
  [
    '_RNvXs1_CscPPBqWtAqum_11ashmem_rustNtB5_6AshmemNtNtCs43vyB533jt3_6kernel10miscdevice10MiscDevice4mmap',
    '<ashmem_rust::Ashmem as kernel::miscdevice::MiscDevice>::mmap',
  ],
  // A reference type, and the instantiating crate after the path.
  [
    '_RNvXs1b_NtCs9jEwPDbx20M_4core3fmtRNtNtNtB8_5panic10panic_info9PanicInfoNtB6_7Display3fmtCs43vyB533jt3_6kernel',
    '<&core::panic::panic_info::PanicInfo as core::fmt::Display>::fmt',
  ],
];

describe('Rust v0 symbol names', () => {
  it.each(NAMES)('%s', (mangled, plain) => {
    expect(demangle(mangled)).toBe(plain);
  });

  it('reads a C++ name as its qualified name without parameters', () => {
    expect(demangle('_Z8fakeNameiii')).toBe('fakeName');
    expect(demangle('_ZN6kernel5alloc4callEv')).toBe('kernel::alloc::call');
  });

  it('leaves C names, the `__cfi_` thunks and what it cannot read as they are', () => {
    for (const name of [
      'mmap_region',
      '__cfi__RNvNtCs9jEwPDbx20M_4core9panicking9panic_fmt',
      '_RNvB9_3foo',
      '_Rx',
    ])
      expect(demangle(name)).toBe(name);
  });
});
