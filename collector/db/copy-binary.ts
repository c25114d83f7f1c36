/**
 * Rows in PostgreSQL's binary COPY format (`copy ... from stdin (format binary)`): no escaping
 * here and no text parsing on the server, which spends most of an ingest's time reading rows.
 */

const HEADER = Buffer.from('PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0', 'latin1');
const JSONB_VERSION = 1;
/** Parts handed to the COPY stream: big enough to be cheap, small enough to overlap with the server. */
const PART = 64 << 10;
/** Strings up to this length are written in JavaScript, longer ones natively. */
const SHORT = 32;
/** A part's buffer: room for a part and the row that ends it. */
const SIZE = PART * 2;
/** How many spare buffers are kept between COPYs. */
const SPARE_MAX = 32;

/**
 * Buffers of COPYs that have ended, for the next ones: fresh memory costs a page fault every
 * 4 kB and, outside V8's heap, drives its full collections (a third of the collector's ingest
 * time on a VM).
 */
const spare: Buffer[] = [];

function takeBuffer(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafeSlow(SIZE);
}

/** Writes rows field by field and hands them out in parts of about 64 kB. */
export class BinaryRows {
  private buf = takeBuffer();
  private at = 0;
  /** Buffers handed out in parts, until `recycle`. */
  private lent: Buffer[] = [];

  constructor() {
    this.at = HEADER.copy(this.buf, 0);
  }

  /** Starts a row of `fields` columns. */
  row(fields: number): void {
    this.room(2);
    this.at = this.buf.writeInt16BE(fields, this.at);
  }

  int4(v: number | null): void {
    if (v == null) {
      this.null();
      return;
    }
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff)
      throw new RangeError(`${v} is not a 32-bit integer`);
    this.room(8);
    // Byte stores: Buffer's writeInt32BE checks its arguments again, twice per field.
    const buf = this.buf;
    const at = this.at;
    buf[at] = 0;
    buf[at + 1] = 0;
    buf[at + 2] = 0;
    buf[at + 3] = 4;
    buf[at + 4] = v >>> 24;
    buf[at + 5] = v >>> 16;
    buf[at + 6] = v >>> 8;
    buf[at + 7] = v;
    this.at = at + 8;
  }

  /** A double precision value; null and non-finite numbers (which JSON cannot hold) as null. */
  float8(v: number | null): void {
    if (v == null || !Number.isFinite(v)) {
      this.null();
      return;
    }
    this.room(12);
    this.at = this.buf.writeInt32BE(8, this.at);
    this.at = this.buf.writeDoubleBE(v, this.at);
  }

  text(s: string | null): void {
    if (s == null) {
      this.null();
      return;
    }
    this.room(4 + s.length * 3);
    const n = this.utf8(s, this.at + 4);
    this.buf.writeInt32BE(n, this.at);
    this.at += 4 + n;
  }

  /** A jsonb value from its JSON text. */
  jsonb(json: string): void {
    this.room(5 + json.length * 3);
    const n = this.utf8(json, this.at + 5);
    this.buf.writeInt32BE(n + 1, this.at);
    this.buf[this.at + 4] = JSONB_VERSION;
    this.at += 5 + n;
  }

  /** The bytes written since the last part, once there are enough of them; else null. */
  part(): Buffer | null {
    if (this.at < PART) return null;
    const out = this.buf.subarray(0, this.at);
    this.lent.push(this.buf);
    this.buf = takeBuffer();
    this.at = 0;
    return out;
  }

  /** The last part, the end-of-data mark included. */
  end(): Buffer {
    this.room(2);
    this.at = this.buf.writeInt16BE(-1, this.at);
    this.lent.push(this.buf);
    return this.buf.subarray(0, this.at);
  }

  /**
   * Keeps the parts' buffers for later COPYs. Only once the COPY that sent them has ended: until
   * the server has answered, the socket may still be reading them.
   */
  recycle(): void {
    for (const b of this.lent) if (b.length === SIZE && spare.length < SPARE_MAX) spare.push(b);
    this.lent = [];
  }

  private null(): void {
    this.room(4);
    const buf = this.buf;
    const at = this.at;
    buf[at] = buf[at + 1] = buf[at + 2] = buf[at + 3] = 0xff;
    this.at = at + 4;
  }

  /** Writes `s` as UTF-8 at `at`; returns its length in bytes. */
  private utf8(s: string, at: number): number {
    // Short ASCII strings (kinds, names) go faster byte by byte than through a native call.
    if (s.length <= SHORT) {
      const buf = this.buf;
      let i = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        buf[at + i] = c;
      }
      if (i === s.length) return i;
    }
    return this.buf.write(s, at, 'utf8');
  }

  /** Makes room for `n` more bytes (a row too big for the part's buffer moves it to a bigger one). */
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(SIZE, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    // Never handed out: free again at once.
    if (this.buf.length === SIZE && spare.length < SPARE_MAX) spare.push(this.buf);
    this.buf = bigger;
  }
}
