/**
 * Mangled symbol names in kernel stacks, read as syzbot reads them. Rust for Linux builds with
 * rustc's v0 mangling (`_RNvNtCs1234_6kernel9panicking9panic_fmt`), printed as rustc-demangle
 * prints it (`core::panicking::panic_fmt`, `<T as Trait>::method`), crate hashes left out: the
 * grammar of RFC 2603 as far as kernel stacks need it. A C++ name (`_Z8fakeNameiii`) keeps its
 * qualified name without parameters. A name neither reader can read (punycode identifiers,
 * function and dyn types, templates, substitutions) is kept as printed.
 */

const BASIC_TYPES: Record<string, string> = {
  a: 'i8',
  b: 'bool',
  c: 'char',
  d: 'f64',
  e: 'str',
  f: 'f32',
  h: 'u8',
  i: 'isize',
  j: 'usize',
  l: 'i32',
  m: 'u32',
  n: 'i128',
  o: 'u128',
  p: '_',
  s: 'i16',
  t: 'u16',
  u: '()',
  v: '...',
  x: 'i64',
  y: 'u64',
  z: '!',
};
const MAX_DEPTH = 64;

class Unreadable extends Error {}

/** A parser over the mangled name after `_R`; backrefs are offsets into that same text. */
class V0Reader {
  private pos = 0;
  private depth = 0;

  constructor(private readonly s: string) {}

  private fail(): never {
    throw new Unreadable();
  }

  private peek(): string {
    return this.s[this.pos] ?? '';
  }

  private next(): string {
    if (this.pos >= this.s.length) this.fail();
    return this.s[this.pos++];
  }

  private eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  /** `_` is 0, `N_` is N+1 (digits, then a-z, then A-Z). */
  private base62(): number {
    if (this.eat('_')) return 0;
    let n = 0;
    for (;;) {
      const c = this.next();
      if (c === '_') return n + 1;
      const d = /[0-9]/.test(c)
        ? c.charCodeAt(0) - 48
        : /[a-z]/.test(c)
          ? c.charCodeAt(0) - 87
          : /[A-Z]/.test(c)
            ? c.charCodeAt(0) - 29
            : this.fail();
      n = n * 62 + d;
    }
  }

  private decimal(): number {
    const start = this.pos;
    while (/[0-9]/.test(this.peek())) this.pos++;
    if (start === this.pos) this.fail();
    return Number(this.s.slice(start, this.pos));
  }

  private disambiguator(): number {
    return this.eat('s') ? this.base62() + 1 : 0;
  }

  private identifier(): { name: string; dis: number } {
    const dis = this.disambiguator();
    if (this.eat('u')) this.fail();
    const len = this.decimal();
    this.eat('_');
    const name = this.s.slice(this.pos, this.pos + len);
    if (name.length !== len) this.fail();
    this.pos += len;
    return { name, dis };
  }

  /** Reads what a backref points at with a reader of its own, then comes back. */
  private backref<T>(read: () => T): T {
    const target = this.base62();
    if (target >= this.pos) this.fail();
    const saved = this.pos;
    this.pos = target;
    try {
      return read();
    } finally {
      this.pos = saved;
    }
  }

  private nested<T>(read: () => T): T {
    if (++this.depth > MAX_DEPTH) this.fail();
    try {
      return read();
    } finally {
      this.depth--;
    }
  }

  path(): string {
    return this.nested(() => {
      const tag = this.next();
      switch (tag) {
        case 'C':
          return this.identifier().name;
        case 'N': {
          const ns = this.next();
          const parent = this.path();
          const { name, dis } = this.identifier();
          // Upper-case namespaces are the compiler's own: closures, shims.
          if (ns === 'C') return `${parent}::{closure#${dis}}`;
          if (/[A-Z]/.test(ns))
            return `${parent}::{${ns === 'S' ? 'shim' : ns}${name ? `:${name}` : ''}#${dis}}`;
          return name ? `${parent}::${name}` : parent;
        }
        case 'M':
          this.disambiguator();
          this.path();
          return `<${this.type()}>`;
        case 'X': {
          this.disambiguator();
          this.path();
          const self = this.type();
          return `<${self} as ${this.path()}>`;
        }
        case 'Y': {
          const self = this.type();
          return `<${self} as ${this.path()}>`;
        }
        case 'I': {
          const base = this.path();
          return `${base}::<${this.genericArgs()}>`;
        }
        case 'B':
          return this.backref(() => this.path());
        default:
          return this.fail();
      }
    });
  }

  private genericArgs(): string {
    const args: string[] = [];
    while (!this.eat('E')) {
      if (this.eat('L')) {
        this.base62();
        continue;
      }
      args.push(this.eat('K') ? this.constant() : this.type());
    }
    return args.join(', ');
  }

  private constant(): string {
    if (this.eat('p')) return '_';
    if (this.eat('B')) return this.backref(() => this.constant());
    const ty = this.next();
    const negative = this.eat('n');
    const start = this.pos;
    while (this.peek() !== '_') this.next();
    const hex = this.s.slice(start, this.pos);
    this.pos++;
    if (ty === 'b') return hex === '1' ? 'true' : 'false';
    return `${negative ? '-' : ''}${hex ? BigInt(`0x${hex}`).toString() : '0'}`;
  }

  type(): string {
    return this.nested(() => {
      const c = this.peek();
      if (BASIC_TYPES[c]) {
        this.pos++;
        return BASIC_TYPES[c];
      }
      this.pos++;
      switch (c) {
        case 'R':
        case 'Q': {
          if (this.eat('L')) this.base62();
          return `&${c === 'Q' ? 'mut ' : ''}${this.type()}`;
        }
        case 'P':
          return `*const ${this.type()}`;
        case 'O':
          return `*mut ${this.type()}`;
        case 'S':
          return `[${this.type()}]`;
        case 'A': {
          const inner = this.type();
          return `[${inner}; ${this.constant()}]`;
        }
        case 'T': {
          const items: string[] = [];
          while (!this.eat('E')) items.push(this.type());
          return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
        }
        case 'B':
          return this.backref(() => this.type());
        default:
          this.pos--;
          return this.path();
      }
    });
  }
}

/** An Itanium C++ name's qualified name (`_ZN2ns4funcEv` -> `ns::func`), or null. */
function demangleCpp(name: string): string | null {
  let at = 2;
  const nested = name[at] === 'N';
  if (nested) {
    at++;
    while ('rVKRO'.includes(name[at] ?? '-')) at++;
  }
  const parts: string[] = [];
  for (;;) {
    const m = /^St|^\d+/.exec(name.slice(at));
    if (!m) break;
    at += m[0].length;
    if (m[0] === 'St') {
      parts.push('std');
      continue;
    }
    const len = Number(m[0]);
    if (at + len > name.length) return null;
    parts.push(name.slice(at, at + len));
    at += len;
    if (!nested) break;
  }
  if (!parts.length || (nested && name[at] !== 'E')) return null;
  return parts.join('::');
}

/** A mangled Rust (v0) or C++ (Itanium) name as syzbot prints it; any other name unchanged. */
export function demangle(name: string): string {
  if (name.startsWith('_Z')) return demangleCpp(name) ?? name;
  if (!name.startsWith('_R')) return name;
  // Backrefs count from here; an instantiating crate may follow the path (left unread).
  const body = name.slice(2);
  if (!/^[A-Z]/.test(body)) return name;
  try {
    return new V0Reader(body).path();
  } catch (e) {
    if (e instanceof Unreadable) return name;
    throw e;
  }
}
