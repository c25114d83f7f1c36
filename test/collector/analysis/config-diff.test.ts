/**
 * config-diff against the kernel's own scripts/diffconfig: on real allnoconfig-ladder
 * .configs (outputs recorded from the script) and, where the kernel source is unpacked,
 * on random configs fed to the script itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  configHash,
  diffConfigs,
  formatConfigDiff,
  formatConfigDiffMerge,
  parseConfigText,
  renderConfig,
} from '../../../collector/analysis/config-diff.ts';
import { FIXTURES_DIR } from '../../helpers/fixtures.ts';
import { kernelScript } from '../../helpers/kernel-scripts.ts';
import { runs, skipWithout } from '../../helpers/required-tool.ts';

const cfg = (name: string) => readFileSync(join(FIXTURES_DIR, 'configs', `${name}.config`), 'utf8');
const recorded = (a: string, b: string, ext: string) =>
  readFileSync(join(FIXTURES_DIR, 'configs', `${a}..${b}.${ext}`), 'utf8');

const hasPython = runs('python3');
const DIFFCONFIG = kernelScript('diffconfig');

describe('parseConfigText', () => {
  it('reads values, quoted strings and "is not set" as n', () => {
    const v = parseConfigText(
      'CONFIG_A=y\r\n# CONFIG_B is not set\nCONFIG_S="a=b c"\n# comment\nCONFIG_N=0x10\n\nCONFIG_BROKEN\n',
    );
    expect([...v]).toEqual([
      ['CONFIG_A', 'y'],
      ['CONFIG_B', 'n'],
      ['CONFIG_S', '"a=b c"'],
      ['CONFIG_N', '0x10'],
    ]);
  });
});

describe('diffConfigs on the real seed ladder', () => {
  for (const [a, b] of [
    ['02-initrd', '03-exec'],
    ['00-allnoconfig', '07-block'],
    ['07-block', '05-net'],
  ]) {
    it(`${a} → ${b} matches scripts/diffconfig and -m`, () => {
      const d = diffConfigs(cfg(a), cfg(b));
      expect(formatConfigDiff(d)).toBe(recorded(a, b, 'diffconfig'));
      expect(formatConfigDiffMerge(d)).toBe(recorded(a, b, 'diffconfig-m'));
    });
  }

  it('names the exec step exactly', () => {
    const d = diffConfigs(cfg('02-initrd'), cfg('03-exec'));
    expect(d.changed.map((c) => `${c.option} ${c.old}->${c.new}`)).toEqual([
      'CONFIG_BINFMT_ELF n->y',
      'CONFIG_BINFMT_SCRIPT n->y',
    ]);
    expect(d.added.map((c) => c.option)).toEqual(['CONFIG_CORE_DUMP_DEFAULT_ELF_HEADERS', 'CONFIG_ELFCORE']);
    expect(d.removed).toEqual([]);
  });

  it('hashes values, not line order or comments', () => {
    const text = cfg('03-exec');
    const shuffled = `# hello\n${text.split('\n').reverse().join('\n')}`;
    expect(configHash(parseConfigText(shuffled))).toBe(configHash(parseConfigText(text)));
    expect(configHash(parseConfigText(text))).not.toBe(configHash(parseConfigText(cfg('02-initrd'))));
    expect(parseConfigText(renderConfig(parseConfigText(text)))).toEqual(parseConfigText(text));
  });
});

describe.skipIf(skipWithout("python3 and the kernel's scripts/diffconfig", hasPython && DIFFCONFIG !== null))(
  'diffConfigs against the live scripts/diffconfig',
  () => {
    const name = fc.constantFrom('A', 'B', 'C', 'AB', 'A_B', 'B1', 'Z', 'a', '_X', 'LONG_NAME_9');
    const value = fc.constantFrom('y', 'm', 'n', '0', '17', '0x1f', '""', '"x y"', '"a=b"');
    const config = fc.dictionary(name, value, { maxKeys: 8 });
    const render = (d: Record<string, string>) =>
      Object.entries(d)
        .map(([k, v]) => (v === 'n' && k.length % 2 ? `# CONFIG_${k} is not set` : `CONFIG_${k}=${v}`))
        .join('\n') + '\n';
    const dir = mkdtempSync(join(tmpdir(), 'bw-diffconfig-'));
    // One python process runs the script on every pair (plain and -m): spawning per pair is slow.
    const runDiffconfig = (files: string[]): string[] => {
      const driver = [
        'import io, runpy, sys, contextlib',
        'script, files = sys.argv[1], sys.argv[2:]',
        'for i in range(0, len(files), 2):',
        '    for extra in ([], ["-m"]):',
        '        buf = io.StringIO()',
        '        sys.argv = [script, *extra, files[i], files[i + 1]]',
        '        with contextlib.redirect_stdout(buf): runpy.run_path(script, run_name="__main__")',
        '        sys.stdout.write(buf.getvalue() + "\\0")',
      ].join('\n');
      return execFileSync('python3', ['-c', driver, DIFFCONFIG!, ...files], { encoding: 'utf8' }).split('\0');
    };

    it('prints exactly what the script prints, plain and -m', () => {
      const pairs = fc.sample(fc.tuple(config, config), { numRuns: 60, seed: 5 });
      const args: string[] = [];
      pairs.forEach(([a, b], i) => {
        writeFileSync(join(dir, `a${i}`), render(a));
        writeFileSync(join(dir, `b${i}`), render(b));
        args.push(join(dir, `a${i}`), join(dir, `b${i}`));
      });
      const outputs = runDiffconfig(args);
      expect(outputs.filter(Boolean).length).toBeGreaterThan(60);
      pairs.forEach(([a, b], i) => {
        const d = diffConfigs(render(a), render(b));
        expect(formatConfigDiff(d)).toBe(outputs[2 * i]);
        expect(formatConfigDiffMerge(d)).toBe(outputs[2 * i + 1]);
      });
    });
  },
);
