/**
 * A resolved boot written back as a matrix `boot:` section resolves to the very same boot:
 * every variant of the seed ladders (x86_64, arm64, riscv64, initramfs or disk root, busybox
 * or debootstrap) and the EC2 example round-trip through bootSpecOf and the loader.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('the climbed ladders under examples/climbed', () => {
  const dir = 'examples/climbed';
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('are there', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files)
    it(`${file} boots every rung as its climb booted (the seed ladder's --boot-from rung), each with its fragment`, () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const from = /--boot-from (\S+)/.exec(text.split('\n')[0])?.[1];
      expect(from, 'the first line names the climb and its --boot-from').toBeTruthy();
      const rung = loadMatrix('examples/seed-ladder.yaml').variants.find((v) => v.name === from)!;
      const climbed = loadMatrix(join(dir, file));
      expect(climbed.variants.length).toBeGreaterThan(1);
      for (const v of climbed.variants) expect(v.boot, `${file} ${v.name}`).toEqual(rung.boot);
      // The last rung's options are the minimal fragment committed beside it.
      const fragment = readFileSync(join(dir, file.replace(/\.yaml$/, '.config')), 'utf8');
      const last = climbed.variants.at(-1)!;
      const set = last.fragments.map((f) => f.content).join('');
      for (const line of fragment.split('\n').filter((l) => /^CONFIG_\w+=y$/.test(l)))
        expect(set).toContain(line);
    });
});
