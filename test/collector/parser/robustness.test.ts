/**
 * Real input is messy: any chunking, CRLF, binary junk, invalid UTF-8, huge lines.
 * The parser never throws, accounts for every line, and loses nothing around junk.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BootLogParser, parseLog } from '../../../collector/parser/index.ts';
import type { ParseResult } from '../../../common/types/parse.ts';
import { ALL_LOGS, fixtureBytes } from '../../helpers/fixtures.ts';

/** What a consumer relies on, without stats that legitimately depend on chunking. */
function essence(r: ParseResult) {
  const { stats, ...rest } = r;
  return { ...rest, lines: stats.lines, byClass: stats.byClass };
}

function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b === 0x0a) n++;
  return bytes.length && bytes[bytes.length - 1] !== 0x0a ? n + 1 : n;
}

function parseInChunks(bytes: Uint8Array, cuts: number[]): ParseResult {
  const p = new BootLogParser({ context: { initIsScript: true } });
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    p.push(bytes.subarray(prev, c));
    prev = c;
  }
  p.push(bytes.subarray(prev));
  p.end();
  return p.result();
}

describe('chunking', () => {
  for (const rel of ALL_LOGS) {
    it(`gives the same result for any split of ${rel}`, () => {
      const bytes = fixtureBytes(rel);
      const whole = essence(parseLog(bytes, { context: { initIsScript: true } }));
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (cuts) => {
          expect(essence(parseInChunks(bytes, cuts))).toEqual(whole);
        }),
        { numRuns: 25 },
      );
    });
  }

  it('splits inside a UTF-8 sequence without damage', () => {
    const bytes = Buffer.from('[    1.000000] café ünïcödé\n');
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = parseInChunks(bytes, [cut]);
      expect(r.stats.byClass.kernel).toBe(1);
    }
  });
});

describe('never throws, accounts for every line', () => {
  const junkByte = fc.integer({ min: 0, max: 255 });
  it('on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (bytes) => {
        const r = parseLog(bytes);
        expect(r.stats.lines).toBe(countLines(bytes));
        expect(Object.values(r.stats.byClass).reduce((a, b) => a + b, 0)).toBe(r.stats.lines);
        expect(['booted', 'panic', 'stalled', 'no_output']).toContain(r.outcome);
      }),
      { numRuns: 300 },
    );
  });

  it('on arbitrary text made of kernel-looking pieces', () => {
    const piece = fc.constantFrom(
      '[    0.000000] Linux version 6.1.0 (x@y) #1\n',
      '[    1.000000] Run /init as init process\n',
      '[    1.100000] Failed to execute /init (error -8)\n',
      '[    1.200000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b\n',
      '------------[ cut here ]------------\n',
      '[    2.0] WARNING: CPU: 0 PID: 1 at a.c:1 f+0x1/0x2\n',
      ' ? foo+0x1/0x2\n',
      'Call Trace:\n',
      '==================================================================\n',
      'BUG: KASAN: use-after-free in g+0x1/0x2\n',
      'init: started\n',
      'mount: mounting none on /proc failed: No such device\n',
      '\r\n',
      '\x1b[2J\x1bc',
      '<6>[    3.000000] e1000 0000:00:03.0 eth0: up\n',
      'kern  :err   : [    4.000000] x: error -5\n',
      '\xff\xfe\x00\x01',
      '[    5.000000] calling  foo+0x0/0x1 @ 1\n',
      '[    5.000001] initcall foo+0x0/0x1 returned -19 after 3 usecs\n',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 8 }),
        (pieces, cuts) => {
          const bytes = Buffer.from(pieces.join(''), 'latin1');
          const r = parseInChunks(
            bytes,
            cuts.filter((c) => c <= bytes.length),
          );
          expect(r.stats.lines).toBe(countLines(bytes));
          expect(Object.values(r.stats.byClass).reduce((a, b) => a + b, 0)).toBe(r.stats.lines);
          for (const e of r.events) expect(e.line).toBeGreaterThanOrEqual(1);
          for (const e of r.events) expect(e.line).toBeLessThanOrEqual(r.stats.lines);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the lines around binary junk', () => {
    const log = fixtureBytes('logs/03-exec-no-net.log');
    const clean = parseLog(log, { context: { initIsScript: true } });
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => a.map((b) => (b === 0x0a ? 0 : b))),
        (junk) => {
          // A junk line (no newline inside) inserted after line 87 shifts later lines by one.
          const lines = log.toString('latin1').split('\n');
          const mixed = Buffer.concat([
            Buffer.from(`${lines.slice(0, 87).join('\n')}\n`, 'latin1'),
            Buffer.from(junk),
            Buffer.from(`\n${lines.slice(87).join('\n')}`, 'latin1'),
          ]);
          const r = parseLog(mixed, { context: { initIsScript: true } });
          expect(r.outcome).toBe(clean.outcome);
          expect(r.milestones).toEqual(clean.milestones);
          const shift = (n: number) => (n > 87 ? n + 1 : n);
          const want = clean.events
            .filter((e) => e.kind !== 'userspace')
            .map((e) => `${e.kind}@${shift(e.line)}`);
          const got = r.events.filter((e) => e.kind !== 'userspace').map((e) => `${e.kind}@${e.line}`);
          expect(got).toEqual(expect.arrayContaining(want));
        },
      ),
      { numRuns: 100 },
    );
    void junkByte;
  });
});

describe('bounded memory', () => {
  it('keeps the head of a 10 MB line and the lines around it', () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x41);
    const bytes = Buffer.concat([
      Buffer.from('[    0.000000] Linux version 6.1.0 (x@y) #1\n[    0.100000] Run /init as init process\n'),
      huge,
      Buffer.from('\ninit: still here\n[    9.000000] reboot: Power down\n'),
    ]);
    const p = new BootLogParser();
    for (let off = 0; off < bytes.length; off += 65536) p.push(bytes.subarray(off, off + 65536));
    p.end();
    const r = p.result();
    expect(r.stats.lines).toBe(5);
    expect(r.stats.truncatedLines).toBe(1);
    expect(r.outcome).toBe('booted');
    expect(r.milestones.shutdown).toBe(9);
    expect(
      r.events.some((e) => e.kind === 'userspace' && e.line === 4 && e.text === 'init: still here'),
    ).toBe(true);
  });

  it('caps what it keeps on an endless stream but still reports every line', () => {
    const p = new BootLogParser({ maxEventsPerKind: 100 });
    const chunk = Buffer.from('[    1.000000] Run /init as init process\ninit: line\n'.repeat(1000));
    let emitted = 0;
    for (let i = 0; i < 50; i++)
      for (const u of p.push(chunk)) emitted += u.events.filter((e) => e.kind === 'userspace').length;
    const r = p.result();
    expect(emitted).toBe(50_000);
    expect(r.events.filter((e) => e.kind === 'userspace')).toHaveLength(100);
    expect(r.stats.droppedEvents).toBeGreaterThan(49_000);
    expect(r.stats.lines).toBe(100_000);
  });
});

describe('invalid UTF-8 and control characters', () => {
  it('replaces invalid sequences and still reads the line', () => {
    const bytes = Buffer.concat([
      Buffer.from('[    0.000000] Linux version 6.1.0 (x@y) #1\n[    0.5] e1000 '),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from(' probe of 0000:00:03.0 failed with error -5\n'),
    ]);
    const r = parseLog(bytes);
    expect(r.stats.byClass.kernel).toBe(2);
    expect(r.events.some((e) => e.kind === 'error' && e.errno === -5)).toBe(true);
  });
});
