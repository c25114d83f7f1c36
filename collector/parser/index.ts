/**
 * The console-log parser: pure code, no I/O. One incremental parser serves live serial
 * streams and whole files alike.
 */
import type { ParseResult, ParserOptions } from '../../common/types/parse.ts';
import { BootLogParser } from './boot-parser.ts';

export { BootLogParser } from './boot-parser.ts';

export { SYMPTOMS } from './tables/knowledge.ts';

/** Parses a whole log in one go. */
export function parseLog(input: Uint8Array | string, opts?: ParserOptions): ParseResult {
  const p = new BootLogParser(opts);
  p.push(input);
  p.end();
  return p.result();
}
