/**
 * Architectures in the matrix: per-matrix and per-variant arch, the stored `name@arch` keys,
 * `extends`/`baseline` within one arch, each arch's machine/console/NIC defaults, and the
 * make and QEMU command lines the builder and booter derive from the arch table.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BootwatchError } from '../../common/errors.ts';
import { makeArgs } from '../../runners/build/make.ts';
import { loadMatrix, parseMatrix, pickNamed } from '../../runners/matrix/load.ts';
import { qemuArgs } from '../../runners/qemu/args.ts';

const here = resolve('examples/x.yaml');
const SOURCE = 'source: {dir: /usr/src}\n';

function rejects(text: string): string {
  try {
    parseMatrix(text, here);
  } catch (err) {
    expect(err).toBeInstanceOf(BootwatchError);
    return (err as Error).message;
  }
  throw new Error('expected the matrix to be rejected');
}

describe('arch in the matrix', () => {
  it('keeps x86_64 names as they were and stores other arches as name@arch', () => {
    const m = parseMatrix(
      `${SOURCE}variants:
  - {name: serial}
  - {name: serial, arch: arm64}
  - {name: serial, arch: riscv64}
`,
      here,
    );
    expect(m.variants.map((v) => [v.name, v.arch])).toEqual([
      ['serial', 'x86_64'],
      ['serial@arm64', 'arm64'],
      ['serial@riscv64', 'riscv64'],
    ]);
  });

  it('gives each arch its machine, console and NIC unless the matrix says otherwise', () => {
    const m = parseMatrix(
      `${SOURCE}boot: {net: {check: true}}
variants:
  - {name: a}
  - {name: a, arch: arm64}
  - {name: a, arch: riscv64}
`,
      here,
    );
    const [x86, arm, rv] = m.variants.map((v) => v.boot);
    expect([x86.machine, x86.cmdline, x86.net?.model]).toEqual(['pc', 'console=ttyS0 panic=-1', 'e1000']);
    expect([arm.machine, arm.cmdline, arm.net?.model]).toEqual([
      'virt',
      'console=ttyAMA0 panic=-1',
      'virtio-net-device',
    ]);
    expect([rv.machine, rv.cmdline, rv.net?.model]).toEqual([
      'virt',
      'console=ttyS0 panic=-1',
      'virtio-net-device',
    ]);
  });

  it('resolves extends and baseline to the variant of the same arch', () => {
    const m = parseMatrix(
      `${SOURCE}variants:
  - {name: base, config: [CONFIG_X86_ONLY=y]}
  - {name: base, arch: arm64, config: [CONFIG_ARM_ONLY=y]}
  - {name: next, arch: arm64, extends: base, baseline: base}
  - {name: next, extends: base, baseline: base}
`,
      here,
    );
    const armNext = m.variants.find((v) => v.name === 'next@arm64')!;
    expect(armNext.fragments.map((f) => f.content)).toEqual(['CONFIG_ARM_ONLY=y\n']);
    expect(armNext.baseline).toBe('base@arm64');
    const x86Next = m.variants.find((v) => v.name === 'next')!;
    expect(x86Next.fragments.map((f) => f.content)).toEqual(['CONFIG_X86_ONLY=y\n']);
    expect(x86Next.baseline).toBe('base');
  });

  it('--only picks by the matrix name (every arch it exists for) or by the stored name', () => {
    const m = parseMatrix(
      `${SOURCE}variants:
  - {name: serial}
  - {name: serial, arch: arm64}
  - {name: exec, arch: riscv64}
`,
      here,
    );
    const names = (only: string[]) => pickNamed(m, only).map((v) => v.name);
    expect(names(['exec'])).toEqual(['exec@riscv64']);
    expect(names(['serial'])).toEqual(['serial', 'serial@arm64']);
    expect(names(['serial@arm64', 'exec@riscv64'])).toEqual(['serial@arm64', 'exec@riscv64']);
    expect(() => pickNamed(m, ['exec', 'nope', 'exec@arm64'])).toThrow(
      /no variant nope, exec@arm64 in .*x\.yaml \(have: serial, serial@arm64, exec@riscv64\)/,
    );
  });

  it('names what is wrong: an unknown arch, a duplicate per arch, a machine of another arch', () => {
    expect(rejects(`${SOURCE}variants:\n  - {name: a, arch: mips}\n`)).toMatch(/arch/);
    expect(rejects(`${SOURCE}variants:\n  - {name: a, arch: arm64}\n  - {name: a, arch: arm64}\n`)).toMatch(
      /duplicate variant "a" for arm64/,
    );
    expect(rejects(`${SOURCE}arch: arm64\nboot: {machine: q35}\nvariants:\n  - {name: a}\n`)).toMatch(
      /machine "q35" cannot boot arm64/,
    );
    expect(rejects(`${SOURCE}variants:\n  - {name: b, arch: arm64, extends: a}\n  - {name: a}\n`)).toMatch(
      /no variant named "a" for arm64/,
    );
  });

  it('loads the arm64 seed ladder as a ladder of arm64 variants', () => {
    const m = loadMatrix('examples/seed-ladder-arm64.yaml');
    expect(m.variants.every((v) => v.arch === 'arm64' && v.boot.machine === 'virt')).toBe(true);
    expect(m.variants.map((v) => v.name)[1]).toBe('01-serial@arm64');
    expect(m.variants.at(-1)!.fragments.map((f) => f.name)).toEqual([
      '01-serial.config',
      '02-initrd.config',
      '03-exec.config',
      '04-procfs.config',
      '05-net.config',
      '06-timers.config',
      '07-block.config',
    ]);
  });
});

describe('command lines per arch', () => {
  it('cross-compiles with ARCH=, CROSS_COMPILE= and the arch image target', () => {
    const a = makeArgs({ srcDir: '/s', outDir: '/o', arch: 'arm64', jobs: 2 });
    expect(a).toEqual(
      expect.arrayContaining([
        'ARCH=arm64',
        'CROSS_COMPILE=aarch64-linux-gnu-',
        'CC=ccache aarch64-linux-gnu-gcc',
      ]),
    );
    expect(a.at(-1)).toBe('Image');
    const r = makeArgs({ srcDir: '/s', outDir: '/o', arch: 'riscv64', jobs: 2 });
    expect(r).toEqual(expect.arrayContaining(['ARCH=riscv', 'CROSS_COMPILE=riscv64-linux-gnu-']));
    const x = makeArgs({ srcDir: '/s', outDir: '/o', jobs: 2 });
    expect(x).toContain('ARCH=x86_64');
    expect(x.some((s) => s.startsWith('CROSS_COMPILE'))).toBe(process.arch !== 'x64');
    expect(x.at(-1)).toBe('bzImage');
  });

  it('boots arm64 on virt with -cpu max and virtio-mmio devices', () => {
    const m = parseMatrix(
      `${SOURCE}arch: arm64
boot: {net: {}, disk: {bus: virtio, script: "#!/bin/sh", root: true}, initramfs: false}
variants: [{name: a}]
`,
      here,
    );
    const args = qemuArgs(m.variants[0].boot, {
      arch: 'arm64',
      kernel: '/k',
      initrd: null,
      disk: '/d.img',
      accel: 'tcg',
      hostPort: null,
      consoleFile: '/c',
    });
    const joined = args.join(' ');
    expect(joined).toContain('-M virt -cpu max -accel tcg');
    expect(joined).toContain('-device virtio-blk-device,drive=vd0');
    expect(joined).toContain('-device virtio-net-device,netdev=n0');
    expect(joined).toContain('root=/dev/vda');
  });
});
