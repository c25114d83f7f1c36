/**
 * size-diff against the kernel's scripts/bloat-o-meter: on the nm output of two real
 * vmlinux builds of the seed ladder (reports recorded from the script) and, where the
 * kernel source is unpacked, on random symbol tables fed to the script through a fake nm.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  diffSizes,
  formatBloatOMeter,
  formatPercent,
  type NmSymbol,
  parseNmOutput,
  SYMBOL_GROUPS,
  topChanges,
} from '../../../collector/analysis/size-diff.ts';
import { FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { kernelScript } from '../../helpers/kernel-scripts.ts';
import { runs, skipWithout } from '../../helpers/required-tool.ts';

const dir = join(FIXTURES_DIR, 'sizes');
const nm = (v: string) => parseNmOutput(gunzipSync(readFileSync(join(dir, `${v}.nm.gz`))).toString('utf8'));
const report = (name: string) => readFileSync(join(dir, name), 'utf8');
const BLOAT = kernelScript('bloat-o-meter');

describe('parseNmOutput', () => {
  it('reads both `nm --size-sort` and `nm --size-sort -S` lines', () => {
    expect(
      parseNmOutput('0000000000000010 T foo\nffffffff81000000 0000000000000020 t bar.constprop.0\n'),
    ).toEqual([
      { name: 'foo', type: 'T', size: 16 },
      { name: 'bar.constprop.0', type: 't', size: 32 },
    ]);
    expect(parseNmOutput('lib.o:\n\nnot a line\n')).toEqual([]);
  });
});

describe('diffSizes on two real vmlinux (00-allnoconfig → 01-serial)', () => {
  const a = nm('00-allnoconfig');
  const b = nm('01-serial');

  it('prints what bloat-o-meter prints', () => {
    expect(formatBloatOMeter(diffSizes(a, b))).toBe(report('00-allnoconfig..01-serial.bloat-o-meter'));
    expect(formatBloatOMeter(diffSizes(b, a))).toBe(report('01-serial..00-allnoconfig.bloat-o-meter'));
  });

  it('matches -t, -d and -c', () => {
    expect(formatBloatOMeter(diffSizes(a, b, SYMBOL_GROUPS.text))).toBe(
      report('00-allnoconfig..01-serial.bloat-o-meter-t'),
    );
    expect(formatBloatOMeter(diffSizes(a, b, 'dDbBrR'), 'Data')).toBe(
      report('00-allnoconfig..01-serial.bloat-o-meter-d'),
    );
    const c = [
      formatBloatOMeter(diffSizes(a, b, SYMBOL_GROUPS.text), 'Function'),
      formatBloatOMeter(diffSizes(a, b, SYMBOL_GROUPS.data), 'Data'),
      formatBloatOMeter(diffSizes(a, b, SYMBOL_GROUPS.rodata), 'RO Data'),
    ].join('');
    expect(c).toBe(report('00-allnoconfig..01-serial.bloat-o-meter-c'));
  });

  it('counts and ranks the serial driver', () => {
    const d = diffSizes(a, b);
    expect([d.added, d.removed, d.grown, d.shrunk, d.up, d.down]).toEqual([265, 0, 6, 0, 52040, 0]);
    expect(d.newTotal - d.oldTotal).toBe(52040);
    expect(topChanges(d, 2).map((c) => c.name)).toEqual(['serial8250_ports', 'uart_config']);
  });
});

describe('formatPercent', () => {
  it('rounds like Python %+.2f', () => {
    expect(formatPercent(0.125)).toBe('+0.12');
    expect(formatPercent(0.375)).toBe('+0.38');
    expect(formatPercent(-0.125)).toBe('-0.12');
    expect(formatPercent(1.41)).toBe('+1.41');
    expect(formatPercent(0)).toBe('+0.00');
    expect(formatPercent(-0.0001)).toBe('-0.00');
    expect(formatPercent(-100)).toBe('-100.00');
  });
});

const hasPython = runs('python3');

describe.skipIf(skipWithout("python3 and the kernel's scripts/bloat-o-meter", hasPython && BLOAT !== null))(
  'diffSizes against the live bloat-o-meter',
  () => {
    const work = mkdtempSync(join(tmpdir(), 'bw-bloat-'));
    // bloat-o-meter runs `<prefix>nm --size-sort FILE`: a fake nm that prints the file feeds it our tables.
    writeFileSync(join(work, 'fake-nm'), '#!/bin/sh\ncat "$2"\n');
    chmodSync(join(work, 'fake-nm'), 0o755);
    const symbol = fc.record({
      name: fc.constantFrom(
        'foo',
        'bar',
        'baz.constprop.0',
        'baz.constprop.1',
        '__func__.12',
        '__func__.7',
        'qux.isra.0.cold',
        '__mod_x',
        '__se_sys_read',
        'linux_banner',
        'vermagic',
        'zed',
        'Zed',
      ),
      type: fc.constantFrom('t', 'T', 'd', 'D', 'b', 'B', 'r', 'R', 'W', 'U'),
      size: fc.integer({ min: 1, max: 5000 }),
    });
    const table = fc.array(symbol, { maxLength: 12 });
    const write = (file: string, syms: NmSymbol[]) =>
      writeFileSync(
        file,
        syms.map((s) => `${s.size.toString(16).padStart(16, '0')} ${s.type} ${s.name}\n`).join(''),
      );

    it('prints exactly what the script prints', () => {
      const cases = fc.sample(fc.tuple(table, table), { numRuns: 40, seed: 11 });
      const files: string[] = [];
      cases.forEach(([a, b], i) => {
        write(join(work, `a${i}`), a);
        write(join(work, `b${i}`), b);
        files.push(join(work, `a${i}`), join(work, `b${i}`));
      });
      // One python process runs the script on every pair; spawning per pair is slow.
      const driver = [
        'import io, runpy, sys, contextlib',
        'script, prefix, files = sys.argv[1], sys.argv[2], sys.argv[3:]',
        'for i in range(0, len(files), 2):',
        '    buf = io.StringIO()',
        '    sys.argv = [script, "-p", prefix, files[i], files[i + 1]]',
        '    with contextlib.redirect_stdout(buf): runpy.run_path(script, run_name="__main__")',
        '    sys.stdout.write(buf.getvalue() + "\\0")',
      ].join('\n');
      const out = execFileSync('python3', ['-c', driver, BLOAT!, join(work, 'fake-'), ...files], {
        encoding: 'utf8',
      }).split('\0');
      cases.forEach(([a, b], i) => {
        expect(formatBloatOMeter(diffSizes(a, b))).toBe(out[i]);
      });
    });
  },
);
