/**
 * The prefilter may only ever say "maybe" too often, never "no" wrongly: its per-line
 * answers, read from scans over a whole chunk, equal the per-line tests they stand for (its
 * crash words are the crash tracker's own HEADER_HINT: one list).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FACT_WORDS } from '../../../collector/parser/classify-kernel.ts';
import { ESCAPE_OR_CONTROL } from '../../../collector/parser/clean.ts';
import { HEADER_HINT } from '../../../collector/parser/crash-tracker.ts';
import { LineHints } from '../../../collector/parser/prefilter.ts';

describe('prefilter', () => {
  it('answers for each line of a chunk what testing the line alone answers', () => {
    const piece = fc.constantFrom(
      'BUG: ',
      'WARNING',
      'init',
      'probe',
      'ret',
      'x',
      ' ',
      '\r',
      '\x1b[0m',
      '\t',
      'panic',
      'calling  ',
      '[    1.000000] ',
      'Oops',
      'rr',
    );
    const line = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = lines.map((l) => `${l}\r\n`).join('');
        const hints = new LineHints();
        hints.chunk(text);
        let start = 0;
        for (const l of lines) {
          const end = start + l.length;
          hints.line(start, end);
          const escapes = ESCAPE_OR_CONTROL.test(l);
          expect(hints.escapes).toBe(escapes);
          expect(hints.cr).toBe(l.includes('\r'));
          expect(hints.crashWord()).toBe(escapes || HEADER_HINT.test(l));
          expect(hints.factWord()).toBe(escapes || FACT_WORDS.test(l));
          start = end + 2;
        }
      }),
      { numRuns: 300 },
    );
  });
});
