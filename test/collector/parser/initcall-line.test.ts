/**
 * initcall_debug's lines are read with test() and indexOf instead of exec(): for any
 * message, the answer is what exec()'s captures say, including messages that only nearly
 * have the shape (a module without `]`, a sign without digits, a third space, long numbers).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrashTracker, isCrashHeader } from '../../../collector/parser/crash-tracker.ts';
import {
  initcallBytes,
  readInitcallBytes,
  readInitcallDone,
  readInitcallStart,
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

const opt = (a: fc.Arbitrary<string>) => fc.oneof(fc.constant(''), a);
/** Lines of nearly the shape: whole ones, and near misses of every part. */
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

  it('reads a whole line from its bytes as the two readers do, and only a whole line', () => {
    const message = fc.oneof(
      { weight: 3, arbitrary: shaped },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom('', 'initcall ', 'calling  ', 'calling '),
            fc.array(piece, { maxLength: 14 }),
          )
          .map(([head, p]) => `${head}${p.join('')}`),
      },
    );
    const atMost15 = (n: string | undefined) => (n ?? '').replace('-', '').length <= 15;
    let read = 0;
    fc.assert(
      fc.property(message, fc.constantFrom('', '[    1.5] '), (msg, before) => {
        // The message at an offset of a larger chunk, as the parser hands it over.
        const bytes = Buffer.from(`${before}${msg}\nnext line`, 'latin1');
        const from = before.length;
        const kind = readInitcallBytes(bytes, from, from + msg.length);
        const d = new RegExp(`${M.initcallDone.source}$`).exec(msg);
        const s = msg.startsWith('calling  ') ? new RegExp(`${M.initcallStart.source}$`).exec(msg) : null;
        // Longer numbers are left to the general path (Number.parseInt past 2^53); a start's
        // pid is not read.
        const want = d && atMost15(d[3]) && atMost15(d[4]) ? 1 : s ? 2 : 0;
        expect(kind).toBe(want);
        if (kind !== 0) read++;
        const r = initcallBytes;
        const fn = msg.slice(r.fnStart - from, r.fnEnd - from);
        const module = r.moduleStart < 0 ? null : msg.slice(r.moduleStart - from, r.moduleEnd - from);
        if (kind === 1) expect({ fn, module, ret: r.ret, usecs: r.usecs }).toEqual(readInitcallDone(msg));
        if (kind === 2) expect(fn).toBe(readInitcallStart(msg));
      }),
      { numRuns: 3000 },
    );
    // The generator reaches whole lines, not only near misses.
    expect(read).toBeGreaterThan(10);
  });

  it('a whole line starts no crash report, whatever its function and module are named', () => {
    // The parser reads such lines outside a report without the crash tracker: it must say nothing.
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
        expect(readInitcallBytes(Buffer.from(msg), 0, msg.length)).not.toBe(0);
        expect(isCrashHeader(msg)).toBe(false);
        const step = new CrashTracker({ maxReportLines: 300 }).feed(msg, 1, 1.5, null);
        expect(step).toMatchObject({ consumed: false, header: false, closed: [] });
      }),
      { numRuns: 500 },
    );
  });
});
