/**
 * Logs without `[ time]` stamps are first-class (CONFIG_PRINTK_TIME is off in allnoconfig
 * and on many boards): every real fixture with its stamps removed must tell the same story
 * as with them — outcome, panic, init exec, crashes, milestones, diagnosis — only without
 * times. Likewise caller ids, syslog files and a `quiet` boot.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import type { ParseResult, ParserOptions } from '../../../common/types/parse.ts';
import { FIXTURES_DIR, fixtureBytes } from '../../helpers/fixtures.ts';

const STAMP_G = /\[\s*\d+\.\d+(?: <\s*-?\d+\.\d+>)?\] ?/g;

/** The log as printk.time=0 would have printed it: every `[ 12.345678] ` (or dmesg -d's `[ t < d>] `) removed. */
function stripStamps(text: string): string {
  return text.replace(STAMP_G, '');
}

/** Rewrites every stamped record's frame (text glued before a stamp stays). */
function reframe(text: string, f: (stamp: string, msg: string) => string): string {
  return text
    .split('\n')
    .map((l) => {
      const m = /(\[\s*\d+\.\d+\]) ?/.exec(l);
      return m ? l.slice(0, m.index) + f(m[1], l.slice(m.index + m[0].length)) : l;
    })
    .join('\n');
}

function story(r: ParseResult) {
  return {
    outcome: r.outcome,
    kernel: [r.kernel.version, r.kernel.cmdline],
    panic: r.panic ? [r.panic.reason, r.panic.line] : null,
    crashes: r.crashes.map((c) => [c.kind, c.title, c.line, c.endLine, c.function, c.fatal]),
    inits: r.events.flatMap((e) => (e.kind === 'init_exec' ? [[e.path, e.errno, e.line]] : [])),
    milestones: Object.keys(r.milestones),
    diagnosis: r.diagnosis.map((d) => [d.option, d.line]),
    lastStage: r.lastStage,
  };
}

const text = (rel: string) => fixtureBytes(rel).toString('latin1');
const parse = (t: string, opts?: ParserOptions) => parseLog(Buffer.from(t, 'latin1'), opts);

const ALL = ['crashes', 'logs', 'formats'].flatMap((dir) =>
  readdirSync(`${FIXTURES_DIR}${dir}`)
    .filter((f) => f.endsWith('.log'))
    .map((f) => `${dir}/${f}`),
);

describe('every real log without its stamps', () => {
  it.each(ALL)('%s', (rel) => {
    const stamped = parse(text(rel));
    const bare = parse(stripStamps(text(rel)));
    expect(story(bare)).toEqual(story(stamped));
    expect(Object.values(bare.milestones).every((t) => t === null)).toBe(true);
    expect(bare.crashes.every((c) => c.time === null)).toBe(true);
  });
});

describe("syzkaller's reports without their stamps", () => {
  // 0 and 20 have a line of another source inside their report: without stamps it ends the report.
  // 101's header is cut by another line's stamp: without stamps the two are one line.
  // 107, 118, 123, 124, 131 and 132 have console text glued before a header's stamp (`** 93
  // printk messages dropped **`, `syzkaller login: `): only the stamp marks where it starts.
  const GLUED = ['107', '118', '123', '124', '131', '132'];
  const bodyOf = (name: string) => {
    const bytes = fixtureBytes(`syzkaller/${name}`).toString('latin1');
    return bytes.slice(bytes.indexOf('\n\n') + 2);
  };
  const names = readdirSync(`${FIXTURES_DIR}syzkaller`).filter(
    (f) => /^\d+$/.test(f) && !['0', '20', '101'].includes(f) && !GLUED.includes(f),
  );
  it.each(names)('%s keeps its titles', (name) => {
    const body = bodyOf(name);
    const titles = (t: string) => parse(t).crashes.map((c) => [c.title, c.function, c.signature]);
    expect(titles(stripStamps(body))).toEqual(titles(body));
  });
});

describe('a log without stamps and without the kernel banner', () => {
  // A capture that starts late: no `Linux version`, no firmware; the kernel shows itself
  // by its own lines (the init attempts, the panic, the crash headers).
  it('02-initrd-no-binfmt from its init attempts on: the init failure and the panic', () => {
    const lines = stripStamps(text('logs/02-initrd-no-binfmt.log')).split('\n');
    const from = lines.findIndex((l) => l.startsWith('Run /init as init process'));
    const r = parse(lines.slice(from).join('\n'));
    expect(r.outcome).toBe('panic');
    expect(r.panic?.reason).toMatch(/^No working init found/);
    expect(r.events.filter((e) => e.kind === 'init_exec').map((e) => ('errno' in e ? e.errno : 0))).toEqual([
      -2, -2, -2, -2, -2,
    ]);
    expect(r.crashes.map((c) => c.kind)).toEqual(['panic']);
  });

  it('KFENCE reports then a panic, cut out of real logs and glued', () => {
    const body = (rel: string, re: RegExp) => {
      const lines = stripStamps(text(rel)).split('\n');
      const from = lines.findIndex((l) => re.test(l));
      return lines.slice(from - 1);
    };
    const kfence = ['kfence_uaf.log', 'kfence_oob.log', 'kfence_invalid_free.log'].flatMap((f) =>
      body(`crashes/${f}`, /^BUG: KFENCE/).slice(0, 40),
    );
    const log = [...kfence, ...body('crashes/panic.log', /^Kernel panic/)].join('\n');
    const r = parse(log);
    expect(r.outcome).toBe('panic');
    expect(r.crashes.filter((c) => c.kind === 'kfence').length).toBeGreaterThanOrEqual(3);
    expect(r.crashes.at(-1)?.title).toBe('kernel panic: dumptest');
  });
});

describe('caller ids, syslog files and dmesg framings', () => {
  const rel = 'crashes/kasan_uaf_read.log';
  const want = story(parse(text(rel)));

  it.each([
    ['[time][    T1]', (s: string, m: string) => `${s}[    T1] ${m}`],
    ['[    T1] alone (printk.time=0 with PRINTK_CALLER)', (_s: string, m: string) => `[    T1] ${m}`],
    ['[     C0] alone', (_s: string, m: string) => `[     C0] ${m}`],
    ['<6>[    T1] (dmesg -r, no time)', (_s: string, m: string) => `<6>[    T1] ${m}`],
    ['kern  :warn  : (dmesg -x, no time)', (_s: string, m: string) => `kern  :warn  : ${m}`],
    ['dmesg -x -T', (_s: string, m: string) => `kern  :info  : [Wed Nov 25 08:44:25 2026] ${m}`],
    [
      'syslog file: date host kernel: [time]',
      (s: string, m: string) => `Nov 25 08:44:25 vm kernel: ${s} ${m}`,
    ],
    [
      'syslog file RFC 3339',
      (s: string, m: string) => `2026-11-25T08:44:25.123456+00:00 vm kernel: ${s} ${m}`,
    ],
    ['dmesg --time-format iso', (_s: string, m: string) => `2026-11-25T08:44:25,123456+00:00 ${m}`],
    ['dmesg -d (delta after the time)', (s: string, m: string) => `${s.slice(0, -1)} <   -0.000019>] ${m}`],
    ['dmesg -e (relative: deltas)', (_s: string, m: string) => `[  +0.000019] ${m}`],
    ['dmesg -e (relative: the minute)', (_s: string, m: string) => `[Dec 6 04:45] ${m}`],
    ['journalctl -o short-precise', (_s: string, m: string) => `Apr 15 13:58:08.549417 rpi kernel: ${m}`],
  ])('%s', (_name, f) => {
    const r = parse(reframe(text(rel), f));
    expect(story(r)).toEqual(want);
  });

  it('the caller id is read, not left in the message', () => {
    const r = parse(reframe(text('logs/02-initrd-no-binfmt.log'), (_s, m) => `[    T1] ${m}`));
    expect(r.kernel.version).toBe('6.1.192');
    expect(r.panic?.reason).toMatch(/^No working init found/);
  });
});

describe('a quiet boot', () => {
  // `quiet` hides every kernel line below KERN_ERR: the console shows firmware, userspace
  // and the reboot syscall's `reboot: Power down` (pr_emerg).
  const quiet = (rel: string) =>
    reframe(text(rel), (s, m) => (/^reboot: (?:Power down|System halted)/.test(m) ? `${s} ${m}` : ''));

  it.each(['logs/07-block-initcall-debug.log', 'logs/debian-6.1-amd64-initcall-debug.log'])(
    '%s with only its power-down line is booted',
    (rel) => {
      const r = parse(quiet(rel));
      expect(r.outcome).toBe('booted');
      expect(r.milestones.shutdown).toBeTypeOf('number');
      expect(r.lastStage).toBe('shutdown');
    },
  );

  it('booted at the completion marker, even before any kernel line', () => {
    const r = parse(quiet('logs/07-block-initcall-debug.log'), { context: { markers: ['SEEDLAB-DONE'] } });
    expect(r.outcome).toBe('booted');
    const cut = quiet('logs/07-block-initcall-debug.log').split('SEEDLAB-DONE')[0];
    const early = parse(`${cut}SEEDLAB-DONE\n`, { context: { markers: ['SEEDLAB-DONE'] } });
    expect(early.outcome).toBe('booted');
  });

  it('and without stamps', () => {
    const r = parse(stripStamps(quiet('logs/03-exec-no-net.log')));
    expect(r.outcome).toBe('booted');
    expect(r.milestones).toEqual({ shutdown: null });
  });

  it('firmware alone is still no_output, and a panic is still a panic', () => {
    expect(parse(quiet('logs/07-block-initcall-debug.log').split('SEEDLAB-DONE')[0]).outcome).toBe(
      'no_output',
    );
    const panicked = reframe(text('logs/01-serial-no-initrd.log'), (s, m) =>
      /^Kernel panic/.test(m) ? `${s} ${m}` : '',
    );
    expect(parse(`${panicked}\n[    9.000000] reboot: Power down\n`).outcome).toBe('panic');
  });
});
