/** The matrix file: the seed ladder loads as a ladder; mistakes are named by file, line and key. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BootwatchError } from '../../common/errors.ts';
import { loadMatrix, parseMatrix } from '../../runners/matrix/load.ts';

const here = resolve('examples/x.yaml');

function error(text: string): string {
  try {
    parseMatrix(text, here);
  } catch (err) {
    expect(err).toBeInstanceOf(BootwatchError);
    expect((err as BootwatchError).code).toBe('matrix.invalid');
    return (err as Error).message;
  }
  throw new Error('expected the matrix to be rejected');
}

describe('matrix loader', () => {
  it('loads the seed ladder: fragments accumulate along extends, boot settings inherit', () => {
    const m = loadMatrix('examples/seed-ladder.yaml');
    expect(m.name).toBe('seed-ladder');
    const names = m.variants.map((v) => v.name);
    expect(names).toEqual([
      '00-allnoconfig',
      '01-serial',
      '02-initrd',
      '03-exec',
      '04-procfs',
      '05-net',
      '06-timers',
      '07-block',
      '08-ext4-root',
      '09-debian',
    ]);
    const v7 = m.variants[7];
    expect(v7.fragments.map((f) => f.name)).toEqual([
      '01-serial.config',
      '02-initrd.config',
      '03-exec.config',
      '04-procfs.config',
      '05-net.config',
      '06-timers.config',
      '07-block.config',
    ]);
    expect(v7.base).toBe('allnoconfig');
    expect(v7.boot.cmdline).toBe('console=ttyS0 panic=-1 initcall_debug ignore_loglevel');
    expect(v7.boot.net).toEqual({ model: 'e1000', guestPort: 22, check: true });
    expect(v7.boot.initramfs?.kind).toBe('busybox');
    const root = m.variants[8];
    expect(root.boot.initramfs).toBeNull();
    expect(root.boot.disk).toMatchObject({ bus: 'ahci', root: true });
    expect(root.fragments).toEqual(v7.fragments);
    expect(m.variants[0].boot.markers).toEqual(['SEEDLAB-DONE']);
  });

  it('inline config lines and inline fragments are fragments too', () => {
    const m = parseMatrix(
      'source: {dir: .}\nvariants:\n  - name: a\n    fragments: [{name: net, lines: [CONFIG_NET=y]}]\n    config: ["CONFIG_E1000=y"]\n',
      here,
    );
    expect(m.variants[0].fragments).toEqual([
      { name: 'net', content: 'CONFIG_NET=y\n' },
      { name: 'a.inline', content: 'CONFIG_E1000=y\n' },
    ]);
  });

  it('a typo in a key is an error naming the key and its line', () => {
    const msg = error('source: {dir: .}\nvariants:\n  - name: a\n    boot:\n      memroy: 256\n');
    expect(msg).toContain('x.yaml:5:');
    expect(msg).toContain('variants[0].boot.memroy');
    expect(msg).toContain('unknown key "memroy"');
  });

  it('a wrong type is an error at that key', () => {
    const msg = error('source: {dir: .}\nvariants:\n  - name: a\n    boot: {memory: lots}\n');
    expect(msg).toMatch(/x\.yaml:4:\d+: variants\[0\]\.boot\.memory: Expected integer/);
  });

  it('extends must name a variant, and not in a cycle', () => {
    expect(error('source: {dir: .}\nvariants:\n  - name: a\n    extends: b\n')).toContain(
      'variants[0].extends: no variant named "b"',
    );
    expect(
      error('source: {dir: .}\nvariants:\n  - {name: a, extends: b}\n  - {name: b, extends: a}\n'),
    ).toMatch(/cycle/);
  });

  it('a missing fragment file and a missing source are named', () => {
    expect(error('source: {dir: .}\nvariants:\n  - {name: a, fragments: [nope.config]}\n')).toMatch(
      /fragments\[0\]: file not found: .*nope\.config/,
    );
    expect(error('variants:\n  - {name: a}\n')).toMatch(/needs a source/);
  });

  it('YAML syntax errors carry the position', () => {
    expect(error('variants: [\n')).toMatch(/x\.yaml:\d+:\d+:/);
  });
});
