/**
 * The same real boot in the framings kernel logs come in: CRLF, `<6>` syslog levels,
 * `dmesg -x`, `dmesg -T`, caller ids, journalctl, no timestamps. The story must not change.
 */
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import type { ParseResult } from '../../../common/types/parse.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const STAMP = /(\[\s*\d+\.\d+\]) ?/;

/** Rewrites each kernel record's frame; firmware glued before the first record stays. */
function reframe(rel: string, f: (line: string, stamp: string, msg: string) => string): string {
  return fixtureBytes(rel)
    .toString('latin1')
    .split('\n')
    .map((l) => {
      const m = STAMP.exec(l);
      return m ? l.slice(0, m.index) + f(l, m[1], l.slice(m.index + m[0].length)) : l;
    })
    .join('\n');
}

function story(r: ParseResult) {
  return {
    outcome: r.outcome,
    version: r.kernel.version,
    cmdline: r.kernel.cmdline,
    panic: r.panic?.reason ?? null,
    crashes: r.crashes.map((c) => c.title),
    inits: r.events
      .filter((e) => e.kind === 'init_exec')
      .map((e) => ('path' in e ? `${e.path}:${e.errno}` : '')),
    diagnosis: r.diagnosis.map((d) => d.option),
    milestones: Object.keys(r.milestones),
    initcalls: r.initcalls.length,
  };
}

const CASES = [
  'logs/01-serial-no-initrd.log',
  'logs/02-initrd-no-binfmt.log',
  'logs/03-exec-no-net.log',
  'logs/07-block-initcall-debug.log',
];

describe.each(CASES)('%s', (rel) => {
  const original = parseLog(fixtureBytes(rel), { context: { initIsScript: true } });
  const want = story(original);
  const parse = (text: string) => parseLog(Buffer.from(text, 'latin1'), { context: { initIsScript: true } });

  it('CRLF line ends', () => {
    const r = parse(fixtureBytes(rel).toString('latin1').replace(/\r?\n/g, '\r\n'));
    expect(story(r)).toEqual(want);
    expect(r.milestones).toEqual(original.milestones);
    expect(r.panic).toEqual(original.panic);
  });

  it('console_msg_format=syslog `<6>` prefixes', () => {
    const r = parse(reframe(rel, (_l, s, m) => `<6>${s} ${m}`));
    expect(story(r)).toEqual(want);
    expect(r.milestones).toEqual(original.milestones);
  });

  it('dmesg -x `kern  :info  : ` prefixes', () => {
    const r = parse(reframe(rel, (_l, s, m) => `kern  :info  : ${s} ${m}`));
    expect(story(r)).toEqual(want);
  });

  it('CONFIG_PRINTK_CALLER `[    T1]` ids', () => {
    const r = parse(reframe(rel, (_l, s, m) => `${s}[    T1] ${m}`));
    expect(story(r)).toEqual(want);
    expect(r.milestones).toEqual(original.milestones);
  });

  it('journalctl -o short-monotonic', () => {
    const r = parse(reframe(rel, (_l, s, m) => `${s} vm kernel: ${m}`));
    expect(story(r)).toEqual(want);
  });

  it('dmesg -T wall-clock stamps (no kernel times)', () => {
    const r = parse(reframe(rel, (_l, _s, m) => `[Wed Nov 25 08:44:25 2026] ${m}`));
    expect(story(r)).toEqual(want);
    expect(Object.values(r.milestones).every((t) => t === null)).toBe(true);
  });

  it('printk.time=0: no timestamps at all', () => {
    const r = parse(reframe(rel, (_l, _s, m) => m));
    expect(story(r)).toEqual(want);
    for (const e of r.events) expect(e.time).toBeNull();
  });
});

describe('line framing details', () => {
  it('reads level from `<3>` and raises a kernel_error for err-level lines without other facts', () => {
    const r = parseLog(
      '<6>[    0.000000] Linux version 6.1.0 (a@b) #1\n<3>[    0.100000] ata1: COMRESET timed out\n',
    );
    expect(r.events.find((e) => e.kind === 'kernel_error')).toMatchObject({ line: 2, level: 3, time: 0.1 });
  });

  it('separates firmware noise glued before the first kernel stamp', () => {
    const r = parseLog(
      'Booting from ROM..\x1bc\x1b[?7l\x1b[2J\x1b[0m.[    0.000000] Linux version 6.1.0 (a@b) #1\n',
    );
    expect(r.kernel.version).toBe('6.1.0');
    expect(r.lastStage).toBe('kernel');
  });

  it('reads two records glued on one line', () => {
    const r = parseLog(
      '[    0.000000] Linux version 6.1.0 (a@b) #1\n[    0.100000] Run /init as init process[    0.100100] Failed to execute /init (error -8)\n',
    );
    expect(r.events.find((e) => e.kind === 'init_exec')).toMatchObject({
      path: '/init',
      errno: -8,
      errnoName: 'ENOEXEC',
    });
  });

  it('treats bare CR as line breaks inside a line', () => {
    const r = parseLog(
      '[    0.000000] Linux version 6.1.0 (a@b) #1\r[    0.100000] Run /init as init process\rinit: hi\r',
    );
    expect(r.outcome).toBe('booted');
    expect(r.stats.lines).toBe(1);
  });

  it('says no_output for firmware noise alone', () => {
    const r = parseLog(
      fixtureBytes('logs/01-serial-no-initrd.log').toString('latin1').split('\n').slice(0, 7).join('\n'),
    );
    expect(r.outcome).toBe('no_output');
    expect(r.lastStage).toBe('firmware');
    expect(r.diagnosis.map((d) => d.option)).toEqual([
      'CONFIG_SERIAL_8250_CONSOLE',
      'CONFIG_SERIAL_8250',
      'CONFIG_TTY',
      'CONFIG_PRINTK',
    ]);
  });

  it('says stalled for a log cut before init', () => {
    const r = parseLog(
      fixtureBytes('logs/03-exec-no-net.log').toString('latin1').split('\n').slice(0, 80).join('\n'),
    );
    expect(r.outcome).toBe('stalled');
    expect(r.lastStage).toBe('console');
  });
});
