/**
 * Symbolized call traces: frames of a real lkdtm WARNING mapped through the System.map of
 * the kernel that printed them, and addr2line's file:line (inlines included) read the way
 * scripts/decode_stacktrace.sh reads it, on a program built with debug info here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { addr2line, hasAddr2line } from '../../../collector/analysis/addr2line.ts';
import {
  addressKey,
  basePathFrom,
  decodeLines,
  frameAddress,
  parseFrameLine,
  parseSystemMap,
  reportAddresses,
  symbolAt,
} from '../../../collector/analysis/symbolize.ts';
import { parseLog } from '../../../collector/parser/index.ts';
import { FIXTURES_DIR, fixtureBytes } from '../../helpers/fixtures.ts';
import { runs, skipWithout } from '../../helpers/required-tool.ts';

const map = parseSystemMap(
  gunzipSync(readFileSync(join(FIXTURES_DIR, 'symbols/crash-corpus.System.map.gz'))).toString('utf8'),
);
const warning = parseLog(fixtureBytes('crashes/warning.log')).crashes[0];

describe('parseFrameLine', () => {
  it('reads frames, unsure frames, modules and RIP lines', () => {
    expect(parseFrameLine(' ? full_proxy_poll+0x86/0x86')).toMatchObject({
      fn: 'full_proxy_poll',
      offset: 0x86,
      length: 0x86,
      reliable: false,
      prefix: ' ? ',
    });
    expect(parseFrameLine('[   14.8] e1000_probe+0x1c/0x2a0 [e1000]')).toMatchObject({ module: 'e1000' });
    expect(parseFrameLine('RIP: 0010:lkdtm_WARNING+0x8/0xb')).toMatchObject({
      fn: 'lkdtm_WARNING',
      prefix: 'RIP: 0010:',
    });
    expect(parseFrameLine('RIP: 0033:0x47b7a0')).toBeNull();
    expect(parseFrameLine(' <TASK>')).toBeNull();
  });
});

describe('frames of a real WARNING through its kernel System.map', () => {
  it('every frame lands in a symbol of exactly the length the kernel printed', () => {
    const frames = warning.report.map(parseFrameLine).filter((f) => f !== null);
    expect(frames.length).toBeGreaterThanOrEqual(18);
    for (const f of frames) {
      const at = frameAddress(map, f);
      expect(at, f.fn).not.toBeNull();
      expect(at!.exact, `${f.fn}+${f.offset.toString(16)}/${f.length?.toString(16)}`).toBe(true);
      // And back: printk's %pB view of that return address is the same frame.
      expect(symbolAt(map, at!.address, true)).toEqual({ name: f.fn, offset: f.offset, size: f.length });
    }
  });

  it('knows full_proxy_write and direct_entry by address', () => {
    expect(
      addressKey(frameAddress(map, { fn: 'full_proxy_write', offset: 0x83, length: 0x9f })!.address),
    ).toBe('0xffffffff8140cce7');
    expect(addressKey(frameAddress(map, { fn: 'direct_entry', offset: 0xf8, length: 0x12c })!.address)).toBe(
      '0xffffffff8156b08d',
    );
  });

  it('decodes with addr2line answers and leaves lines alone without them', () => {
    const addrs = reportAddresses(warning.report, map);
    const answers = new Map(
      addrs.map((a) => [addressKey(a), ['/src/linux/fs/read_write.c:588 (discriminator 2)']]),
    );
    const decoded = decodeLines(warning.report, map, answers, '/src/linux');
    const vfs = decoded.find((d) => 'fn' in d && d.fn === 'vfs_write');
    expect(vfs).toMatchObject({
      decoded: ' vfs_write (fs/read_write.c:588)',
      locations: ['fs/read_write.c:588'],
    });
    const plain = decodeLines(warning.report, map);
    expect(plain.map((d) => ('decoded' in d ? d.decoded : d.text))).toEqual(warning.report);
  });
});

describe.skipIf(skipWithout('addr2line, gcc and nm', (await hasAddr2line()) && runs('gcc') && runs('nm')))(
  'addr2line on a binary with debug info',
  () => {
    it('gives file:line with the inline chain, base path stripped', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bw-a2l-'));
      const src = join(dir, 'src', 'init');
      execFileSync('mkdir', ['-p', src]);
      writeFileSync(
        join(src, 'main.c'),
        [
          'static inline __attribute__((always_inline)) int inner(int x) {',
          '  return x * 3 + __builtin_popcount(x);',
          '}',
          '__attribute__((noinline)) int kernel_init(int x) {',
          '  return inner(x) + 1;',
          '}',
          'int main(int argc, char **argv) { return kernel_init(argc); }',
          '',
        ].join('\n'),
      );
      const bin = join(dir, 'vmlinux');
      execFileSync('gcc', ['-g', '-O2', '-fno-pie', '-no-pie', '-o', bin, join(src, 'main.c')]);
      const sysmap = parseSystemMap(execFileSync('nm', ['-n', bin], { encoding: 'utf8' }));
      const at = frameAddress(sysmap, { fn: 'kernel_init', offset: 0, length: null })!;
      const lines = await addr2line(bin, [at.address]);
      const got = lines.get(addressKey(at.address))!;
      expect(got[0]).toMatch(/\/src\/init\/main\.c:\d+/);
      const base = basePathFrom(got);
      expect(base).toBe(join(dir, 'src'));
      const [frame] = decodeLines([' kernel_init+0x0/0x10'], sysmap, lines, base);
      expect('decoded' in frame && frame.decoded).toMatch(/^ kernel_init \(init\/main\.c:\d+/);
      // Somewhere in kernel_init the inlined `inner` shows as a chain: inner's line, then its caller's.
      const all = Array.from({ length: at.size ?? 16 }, (_, i) => at.address + BigInt(i));
      const chains = [...(await addr2line(bin, all)).values()].filter((l) => l.length > 1);
      expect(chains.length).toBeGreaterThan(0);
      const decoded = decodeLines(
        [' kernel_init+0x0/0x10'],
        sysmap,
        new Map([[addressKey(at.address), chains[0]]]),
        base,
      );
      expect('decoded' in decoded[0] && decoded[0].decoded).toBe(
        ' kernel_init (init/main.c:2 init/main.c:5)',
      );
    });

    it('a vmlinux without debug info answers ?? and the trace stays as printed', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bw-a2l-'));
      const bin = join(dir, 'prog');
      writeFileSync(join(dir, 'p.c'), 'int f(int x) { return x + 1; }\nint main(void) { return f(1); }\n');
      execFileSync('gcc', ['-O2', '-o', bin, join(dir, 'p.c')]);
      const sysmap = parseSystemMap(execFileSync('nm', ['-n', bin], { encoding: 'utf8' }));
      const at = frameAddress(sysmap, { fn: 'f', offset: 0, length: null })!;
      const lines = await addr2line(bin, [at.address]);
      // Older binutils print ??:0, newer ??:? — decode_stacktrace.sh keeps the frame as printed for both.
      expect(lines.get(addressKey(at.address))?.[0]).toMatch(/^\?\?:[0?]$/);
      expect(decodeLines([' f+0x0/0x4'], sysmap, lines)[0]).toMatchObject({
        locations: [],
        decoded: ' f+0x0/0x4',
      });
    });
  },
);
