/**
 * A resolved boot written back as a matrix `boot:` section resolves to the very same boot:
 * every variant of the seed ladders (x86_64, arm64, riscv64, initramfs or disk root, busybox
 * or debootstrap) and the EC2 example round-trip through bootSpecOf and the loader.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { bootSpecOf } from '../../runners/matrix/boot-spec.ts';
import { loadMatrix, parseMatrix } from '../../runners/matrix/load.ts';

const MATRICES = [
  'examples/seed-ladder.yaml',
  'examples/seed-ladder-arm64.yaml',
  'examples/seed-ladder-riscv64.yaml',
];

describe('bootSpecOf', () => {
  for (const file of MATRICES)
    it(`round-trips every boot of ${file}`, () => {
      const matrix = loadMatrix(file);
      expect(matrix.variants.length).toBeGreaterThan(3);
      for (const v of matrix.variants) {
        const text = stringify({
          name: 'again',
          arch: v.arch,
          base: 'allnoconfig',
          boot: bootSpecOf(v.boot, v.arch),
          variants: [{ name: 'one', kernel: new URL(import.meta.url).pathname }],
        });
        // Elsewhere than the matrix's directory: nothing may lean on its relative paths.
        const again = parseMatrix(text, '/tmp/elsewhere/again.yaml').variants[0];
        expect(again.boot, `${file} ${v.name}`).toEqual(v.boot);
      }
    });

  it('writes scripts inline and leaves the per-arch busybox to its default', () => {
    const v = loadMatrix('examples/seed-ladder.yaml').variants.find((x) => x.name === '08-ext4-root')!;
    const spec = bootSpecOf(v.boot, v.arch);
    expect(spec.initramfs).toBe(false);
    expect(spec.disk).toMatchObject({
      bus: 'ahci',
      root: true,
      script: expect.stringContaining('SEEDLAB-DONE'),
    });
    const net = loadMatrix('examples/seed-ladder.yaml').variants.find((x) => x.name === '05-net')!;
    expect(bootSpecOf(net.boot, net.arch).initramfs).toEqual({
      script: expect.stringContaining('SEEDLAB-DONE'),
    });
  });
});
