/**
 * The prefilter may only ever say "maybe" too often, never "no" wrongly: its per-line
 * answers, read from a table built out of the word lists, equal the per-line tests of the
 * regular expressions they stand for (its crash words are the crash tracker's own
 * HEADER_HINT: one list), over a chunk's bytes and over decoded text alike.
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
      '-EIO',
      '-E',
      '(-22)',
      '(-',
      '[sda]',
      'CONFIG_',
      'cut here',
      "can't",
      'ca',
      'n',
      '\x7f',
      '\u009b',
      '\u00e9',
    );
    const line = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = lines.map((l) => `${l}\r\n`).join('');
        const ascii = Buffer.from(text, 'latin1');
        // The splitter hands over the bytes of all-ASCII chunks only.
        for (const bytes of ascii.every((b) => b < 0x80) ? [undefined, ascii] : [undefined]) {
          const hints = new LineHints();
          hints.chunk(text, bytes);
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
        }
      }),
      { numRuns: 1000 },
    );
  });
});
