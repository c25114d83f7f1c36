/**
 * Crash titles end as syzkaller's pkg/report ends them: cut to 120 bytes of UTF-8, tabs as
 * spaces, control and non-ASCII bytes dropped, runs of spaces as one, trimmed.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import { MAX_TITLE_BYTES, sanitizeTitle } from '../../../collector/parser/sanitize-title.ts';
import { FIXTURES_DIR, fixtureBytes } from '../../helpers/fixtures.ts';

describe('sanitizeTitle', () => {
  it('turns tabs into spaces and collapses every run of spaces', () => {
    expect(sanitizeTitle('WARNING\tin\t\tfoo')).toBe('WARNING in foo');
    expect(sanitizeTitle('No working init found.  Try passing init=')).toBe(
      'No working init found. Try passing init=',
    );
    expect(sanitizeTitle('a \t  \t b')).toBe('a b');
  });

  it('trims both ends', () => {
    expect(sanitizeTitle('   BUG: x   ')).toBe('BUG: x');
    expect(sanitizeTitle('\t\tBUG: x\t')).toBe('BUG: x');
    expect(sanitizeTitle('    ')).toBe('');
    expect(sanitizeTitle('')).toBe('');
  });

  it('drops control bytes and DEL, and spaces that meet across them collapse', () => {
    expect(sanitizeTitle('BUG: a\u0001b\u007fc')).toBe('BUG: abc');
    // An ANSI colour: the escape byte goes, its printable tail stays (syzkaller keeps it too).
    expect(sanitizeTitle('\u001b[1mWARNING in foo\u001b[0m')).toBe('[1mWARNING in foo[0m');
    expect(sanitizeTitle('a \r\n b')).toBe('a b');
    expect(sanitizeTitle('a\u0000b')).toBe('ab');
  });

  it('drops every non-ASCII character whole, and the spaces around it collapse', () => {
    expect(sanitizeTitle('KASAN: use-after-free in fóo')).toBe('KASAN: use-after-free in fo');
    expect(sanitizeTitle('mount “/dev/vda” — failed')).toBe('mount /dev/vda failed');
    expect(sanitizeTitle('x\u00a0y')).toBe('xy');
    expect(sanitizeTitle('panic 😀 here\uFFFD')).toBe('panic here');
  });

  it('cuts at 120 bytes of the title as given, before anything is dropped or collapsed', () => {
    expect(MAX_TITLE_BYTES).toBe(120);
    expect(sanitizeTitle('A'.repeat(130))).toBe('A'.repeat(120));
    expect(sanitizeTitle('A'.repeat(120))).toBe('A'.repeat(120));
    // Ten leading spaces count towards the 120 though they are dropped.
    expect(sanitizeTitle(`${' '.repeat(10)}${'x'.repeat(200)}`)).toBe('x'.repeat(110));
    // A cut after a space leaves no trailing space.
    expect(sanitizeTitle(`${'x'.repeat(119)} yz`)).toBe('x'.repeat(119));
  });

  it('counts UTF-8 bytes, not characters, and drops a character the cut splits', () => {
    // 70 two-byte characters fill 140 bytes: nothing after them is reached.
    expect(sanitizeTitle(`${'é'.repeat(70)}abc`)).toBe('');
    // `é` starts at byte 119 and would end past the cut: gone, and so is what follows it.
    expect(sanitizeTitle(`${'x'.repeat(119)}éyz`)).toBe('x'.repeat(119));
    // A three-byte `€` at 117..119 fits; `y` starts at 120, past the cut.
    expect(sanitizeTitle(`${'x'.repeat(117)}€yz`)).toBe('x'.repeat(117));
    // A four-byte emoji (a surrogate pair in JavaScript) at 115..118: `a` at 119 is kept.
    expect(sanitizeTitle(`${'x'.repeat(115)}😀ab`)).toBe(`${'x'.repeat(115)}a`);
  });

  it("leaves syzbot's own titles (syzkaller's test data) as they are", () => {
    const titles = readdirSync(`${FIXTURES_DIR}syzkaller`)
      .filter((f) => /^\d+$/.test(f))
      .map((f) => /^TITLE: (.*)$/m.exec(fixtureBytes(`syzkaller/${f}`).toString('latin1'))?.[1] ?? '')
      .filter((t) => t !== '');
    expect(titles.length).toBeGreaterThan(50);
    for (const t of titles) expect(sanitizeTitle(t)).toBe(t);
  });
});

describe('crash titles from the parser', () => {
  it("cut a long panic reason at syzkaller's 120 bytes, double spaces made one", () => {
    const r = parseLog(fixtureBytes('logs/02-initrd-no-binfmt.log'));
    // The panic's reason is the kernel's own words; its title is syzbot's.
    expect(r.panic?.reason).toContain('found.  Try');
    expect(r.crashes[0].title).toBe(
      'kernel panic: No working init found. Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst f',
    );
    expect(r.crashes[0].signature).toBe(`panic:${r.crashes[0].title}`);
  });

  it('drop tabs, control and non-ASCII bytes a header carried into its title', () => {
    const log = [
      '[    0.000000] Linux version 6.1.0 (gcc) #1 SMP',
      '[    1.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on “vda”\tnow\u0007  here',
      '',
    ].join('\n');
    const [crash] = parseLog(log).crashes;
    expect(crash.title).toBe('kernel panic: VFS: Unable to mount root fs on vda now here');
    expect(crash.signature).toBe(`panic:${crash.title}`);
  });

  it('keep every title of the fixture corpus within the rule', () => {
    const logs = (readdirSync(FIXTURES_DIR, { recursive: true }) as string[]).filter(
      (rel) => rel.endsWith('.log') && !rel.startsWith('golden/'),
    );
    let titles = 0;
    for (const rel of logs)
      for (const c of parseLog(fixtureBytes(rel)).crashes) {
        titles++;
        expect(sanitizeTitle(c.title), rel).toBe(c.title);
        expect(Buffer.byteLength(c.title), rel).toBeLessThanOrEqual(MAX_TITLE_BYTES);
      }
    expect(titles).toBeGreaterThan(100);
  });
});
