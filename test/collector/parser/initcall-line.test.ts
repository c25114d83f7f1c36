/**
 * initcall_debug's lines are read with test() and indexOf instead of exec(): for any
 * message, the answer is what exec()'s captures say, including messages that only nearly
 * have the shape (a module without `]`, a sign without digits, a third space, long numbers).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrashTracker, isCrashHeader } from '../../../collector/parser/crash-tracker.ts';
import {
  readInitcallDone,
  readInitcallStart,
  readWholeInitcall,
} from '../../../collector/parser/initcall-line.ts';
import { BOOT_MESSAGES as M } from '../../../collector/parser/tables/messages.ts';

const piece = fc.constantFrom(
  'initcall ',
  'calling  ',
  'calling ',
  ' ',
  'foo_init',
  'a.b$c',
  '+0x0/0x20',
  '+0x1f/0xzz',
  '+',
  '/0x',
  ' [virtio_net]',
  ' [mod-x',
  ']',
  '[',
  ' returned ',
  ' after ',
  ' usecs',
  ' @ ',
  '0',
  '-',
  '-19',
  '42',
  '1234567890123456789',
  'x',
);

function done(msg: string) {
  const m = M.initcallDone.exec(msg);
  return m
    ? { fn: m[1], module: m[2] ?? null, ret: Number.parseInt(m[3], 10), usecs: Number.parseInt(m[4], 10) }
    : null;
}

describe('initcall lines', () => {
  it('reads what exec() captures', () => {
    const line = fc.array(piece, { maxLength: 14 }).map((p) => p.join(''));
    fc.assert(
      fc.property(line, (body) => {
        for (const msg of [body, `initcall ${body}`, `calling  ${body}`]) {
          expect(readInitcallDone(msg)).toEqual(done(msg));
          const start = msg.startsWith('calling  ') ? (M.initcallStart.exec(msg)?.[1] ?? null) : null;
          expect(readInitcallStart(msg)).toBe(start);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reads what exec() captures from lines of nearly the shape', () => {
    const opt = (a: fc.Arbitrary<string>) => fc.oneof(fc.constant(''), a);
    const shaped = fc
      .tuple(
        fc.constantFrom('initcall ', 'calling  ', 'calling   '),
        fc.oneof(
          { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.$]{1,12}$/) },
          { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.$+ ]{0,12}$/) },
        ),
        opt(fc.constantFrom('+0x0/0x20', '+0xab/0x1f0', '+0x/0x1', '+0x1/')),
        opt(fc.constantFrom(' [e1000]', ' [virtio-net]', ' []', ' [x y]', ' [mod')),
        fc.constantFrom(' returned ', ' returned ', ' @ ', ' returned  '),
        fc.stringMatching(/^-?[0-9]{0,18}$/),
        fc.constantFrom(' after ', ' after ', ' after ', ' usecs', ''),
        fc.stringMatching(/^[0-9]{0,17}$/),
        fc.constantFrom(' usecs', ' usecs trailing', '', ' usec'),
      )
      .map((p) => p.join(''));
    let matched = 0;
    fc.assert(
      fc.property(shaped, (msg) => {
        const want = done(msg);
        if (want) matched++;
        expect(readInitcallDone(msg)).toEqual(want);
        const start = msg.startsWith('calling  ') ? (M.initcallStart.exec(msg)?.[1] ?? null) : null;
        expect(readInitcallStart(msg)).toBe(start);
      }),
      { numRuns: 5000 },
    );
    // The generator reaches matching lines, not only near misses.
    expect(matched).toBeGreaterThan(40);
  });

  it('reads the lines initcall_debug prints', () => {
    for (const msg of [
      'initcall init_mmap_min_addr+0x0/0x20 returned 0 after 0 usecs',
      'initcall virtio_net_driver_init+0x0/0xa0 [virtio_net] returned -19 after 12 usecs',
      'initcall foo returned -0 after 123456789012345678 usecs and more',
    ])
      expect(readInitcallDone(msg)).toEqual(done(msg));
    expect(readInitcallStart('calling  net_ns_init+0x0/0x1a4 @ 1')).toBe('net_ns_init');
    expect(readInitcallStart('calling  e1000_init_module+0x0/0x1000 [e1000] @ 112')).toBe(
      'e1000_init_module',
    );
    expect(readInitcallStart('calling   three_spaces+0x0/0x1 @ 1')).toBeNull();
  });

  it('reads a whole line as the two readers do, and only a whole line', () => {
    const body = fc.array(piece, { maxLength: 14 }).map((p) => p.join(''));
    fc.assert(
      fc.property(body, fc.constantFrom('initcall ', 'calling  ', 'calling ', ''), (b, head) => {
        const msg = `${head}${b}`;
        const w = readWholeInitcall(msg);
        const done = readInitcallDone(msg);
        const start = readInitcallStart(msg);
        const whole =
          new RegExp(`${M.initcallDone.source}$`).test(msg) ||
          (msg.startsWith('calling  ') && new RegExp(`${M.initcallStart.source}$`).test(msg));
        expect(w !== null).toBe(whole);
        if (w) {
          expect(w.done).toEqual(done);
          expect(w.start).toBe(done ? null : start);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a whole line starts no crash report, whatever its function and module are named', () => {
    // The parser skips the crash tracker for such lines outside a report: it must say nothing.
    const word = fc.constantFrom('BUG', 'WARNING', 'panic', 'Oops', 'fault', 'KASAN', 'int3', 'lockup', 'x_');
    const name = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join('_'));
    const line = fc.oneof(
      fc
        .tuple(name, fc.constantFrom('', '+0x0/0x20'), fc.constantFrom('', ' [BUG]', ' [panic-mod]'))
        .map(([fn, off, mod]) => `initcall ${fn}${off}${mod} returned -12 after 5 usecs`),
      fc
        .tuple(name, fc.constantFrom('', '+0x0/0x20'), fc.constantFrom('', ' [Oops]'))
        .map(([fn, off, mod]) => `calling  ${fn}${off}${mod} @ 1`),
    );
    fc.assert(
      fc.property(line, (msg) => {
        expect(readWholeInitcall(msg)).not.toBeNull();
        expect(isCrashHeader(msg)).toBe(false);
        const step = new CrashTracker({ maxReportLines: 300 }).feed(msg, 1, 1.5, null);
        expect(step).toMatchObject({ consumed: false, header: false, closed: [] });
      }),
      { numRuns: 500 },
    );
  });
});
