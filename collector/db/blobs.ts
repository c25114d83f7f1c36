/**
 * Byte columns travel as hex text: PGlite converts a bytea parameter byte by byte in JS,
 * ten times slower than Buffer's native hex; node-postgres is as fast either way.
 */
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants, gunzipSync, gzipSync } from 'node:zlib';
import { type SQL, sql } from 'drizzle-orm';
import type { SymbolSize } from '../../common/types/ingest.ts';

/** A bytea value for an insert. */
export function byteaValue(bytes: Uint8Array): SQL {
  return sql`decode(${hexOf(bytes)}, 'hex')`;
}

/** The bytes as hex text, for `decode(..., 'hex')`. */
export function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Select expression for a bytea column, read back with `fromHex`. */
export function byteaHex(column: SQL | unknown): SQL<string> {
  return sql<string>`encode(${column}, 'hex')`;
}

export function fromHex(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

/** Symbol table as one gzip'd blob: `type size name` lines sorted by name. */
export function packSymbols(symbols: SymbolSize[]): Buffer {
  const lines = symbols
    .map(
      (s) => `${s.type.slice(0, 1) || '?'} ${Math.max(0, Math.round(s.size))} ${s.name.replace(/\s+/g, '_')}`,
    )
    .sort((a, b) => {
      const na = a.slice(a.indexOf(' ', 2) + 1);
      const nb = b.slice(b.indexOf(' ', 2) + 1);
      return na < nb ? -1 : na > nb ? 1 : 0;
    });
  return gzipSync(lines.join('\n'));
}

/** The symbols `packSymbols` stored. */
export function unpackSymbols(blob: Uint8Array): SymbolSize[] {
  const text = gunzipSync(blob).toString('utf8');
  if (!text) return [];
  return text.split('\n').map((l) => {
    const a = l.indexOf(' ');
    const b = l.indexOf(' ', a + 1);
    return { type: l.slice(0, a), size: Number(l.slice(a + 1, b)), name: l.slice(b + 1) };
  });
}

export function gzipText(text: string): Buffer {
  return gzipSync(text);
}

const brotli = promisify(brotliCompress);
const unbrotli = promisify(brotliDecompress);

/**
 * A finished console compressed for storage: brotli at its best quality with a window over
 * the whole segment (boot logs compress 5-6x so, 4.5x at the fast levels); off the event
 * loop, on libuv's thread pool.
 */
export function compressConsole(bytes: Uint8Array): Promise<Buffer> {
  return brotli(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

/** The bytes `compressConsole` compressed. */
export function decompressConsole(data: Uint8Array): Promise<Buffer> {
  return unbrotli(data);
}
