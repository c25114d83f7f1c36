/**
 * Call-trace symbolization the way scripts/decode_stacktrace.sh does it: a frame
 * `func+0xoff/0xlen [module]` is the symbol's link address (System.map, or `nm vmlinux`)
 * plus the offset; addr2line -i on vmlinux turns that into `file:line`, inlines included,
 * with the build's source prefix stripped, and the frame is printed as `func (file:line)`.
 * Pure: the addr2line answers come in as a map (see addr2line.ts for running it).
 */

export interface FrameRef {
  fn: string;
  offset: number;
  /** The function's length as kallsyms printed it, when the line has it. */
  length: number | null;
  module: string | null;
  /** `?` frames: the unwinder was not sure. */
  reliable: boolean;
  /** Text before the frame (timestamp, indentation), kept to rebuild the line. */
  prefix: string;
}

// `[  14.8] ? vfs_write+0x1e0/0x3d4 [ext4]`, also `RIP: 0010:lkdtm_WARNING+0x1e/0x25` (segment-qualified).
const FRAME =
  /^(.*?(?:\s|:))(\? )?([A-Za-z0-9_.$]+)\+0x([0-9a-f]+)(?:\/0x([0-9a-f]+))?(?: \[([A-Za-z0-9_]+)\])?\s*$/;

/** Reads one call-trace or RIP line; null when the line holds no frame. */
export function parseFrameLine(text: string): FrameRef | null {
  const m = FRAME.exec(text);
  if (!m) return null;
  return {
    prefix: m[1] + (m[2] ?? ''),
    reliable: !m[2],
    fn: m[3],
    offset: Number.parseInt(m[4], 16),
    length: m[5] ? Number.parseInt(m[5], 16) : null,
    module: m[6] ?? null,
  };
}

export interface SystemMap {
  /** Symbol addresses in ascending order. */
  addrs: bigint[];
  names: string[];
  types: string[];
  /** Text symbols by name: indexes into the arrays, lowest address first. */
  text: Map<string, number[]>;
}

/** Parses System.map (or `nm -n` output): `address type name` lines. */
export function parseSystemMap(text: string): SystemMap {
  const rows: [bigint, string, string][] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-fA-F]+) (\w) (\S+)/.exec(line);
    if (m) rows.push([BigInt(`0x${m[1]}`), m[2], m[3]]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const map: SystemMap = { addrs: [], names: [], types: [], text: new Map() };
  rows.forEach(([addr, type, name], i) => {
    map.addrs.push(addr);
    map.types.push(type);
    map.names.push(name);
    if ('tTwW'.includes(type)) {
      const list = map.text.get(name) ?? [];
      list.push(i);
      map.text.set(name, list);
    }
  });
  return map;
}

/** kallsyms' idea of a symbol's size: the distance to the next higher address. */
function sizeAt(map: SystemMap, i: number): number | null {
  for (let j = i + 1; j < map.addrs.length; j++) {
    if (map.addrs[j] > map.addrs[i]) return Number(map.addrs[j] - map.addrs[i]);
  }
  return null;
}

export interface FrameAddress {
  address: bigint;
  base: bigint;
  size: number | null;
  /** True when the map's size for the symbol equals the length the kernel printed. */
  exact: boolean;
}

/**
 * The link address of a frame. decode_stacktrace.sh takes the first text symbol of that
 * name; among static functions sharing a name we prefer the one whose size matches the
 * printed length, which is the one the kernel meant.
 */
export function frameAddress(
  map: SystemMap,
  f: Pick<FrameRef, 'fn' | 'offset' | 'length'>,
): FrameAddress | null {
  const candidates = map.text.get(f.fn);
  if (!candidates?.length) return null;
  const sized = candidates.map((i) => ({ i, size: sizeAt(map, i) }));
  const pick = (f.length != null && sized.find((c) => c.size === f.length)) || sized[0];
  const base = map.addrs[pick.i];
  return {
    address: base + BigInt(f.offset),
    base,
    size: pick.size,
    exact: f.length != null && pick.size === f.length,
  };
}

/**
 * The symbol an address falls in, as `name+0xoff/0xsize` parts (kallsyms' view). With
 * `backtrace`, like printk's %pB: a return address is looked up one byte earlier, so a
 * call at the very end of a function is not credited to the next one.
 */
export function symbolAt(
  map: SystemMap,
  address: bigint,
  backtrace = false,
): { name: string; offset: number; size: number | null } | null {
  if (backtrace) {
    const s = symbolAt(map, address - 1n);
    return s && { ...s, offset: s.offset + 1 };
  }
  let lo = 0;
  let hi = map.addrs.length - 1;
  if (hi < 0 || address < map.addrs[0]) return null;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (map.addrs[mid] <= address) lo = mid;
    else hi = mid - 1;
  }
  // Several names can share an address: prefer a global text symbol, as kallsyms does.
  let i = lo;
  for (let j = lo; j >= 0 && map.addrs[j] === map.addrs[lo]; j--) if ('T'.includes(map.types[j])) i = j;
  return { name: map.names[i], offset: Number(address - map.addrs[i]), size: sizeAt(map, i) };
}

/** `0x…` key of an address, as addr2line prints it with -a. */
export function addressKey(a: bigint): string {
  return `0x${a.toString(16).padStart(16, '0')}`;
}

/** decode_stacktrace's base path: what precedes `/init/main.c` in kernel_init's location. */
export function basePathFrom(kernelInitLines: string[] | undefined): string | null {
  const l = kernelInitLines?.[0];
  const i = l?.indexOf('/init/main.c:') ?? -1;
  return l && i > 0 ? l.slice(0, i) : null;
}

/** Strips the base path and addr2line's discriminators: `fs/read_write.c:588`. */
function cleanLocation(line: string, basePath: string | null): string {
  let s = line.replace(/ \(discriminator \d+\)$/, '');
  if (basePath && s.startsWith(`${basePath}/`)) s = s.slice(basePath.length + 1);
  return s;
}

export interface DecodedFrame extends FrameRef {
  address: string | null;
  /** `file:line` of the address, then of each function it was inlined into. */
  locations: string[];
  /** The line as decode_stacktrace.sh prints it. */
  decoded: string;
}

/**
 * Decodes report lines: each frame gets its address and, where addr2line answered
 * (`lines`, keyed by addressKey, `??:0` meaning unknown), its source locations.
 */
export function decodeLines(
  report: readonly string[],
  map: SystemMap,
  lines: ReadonlyMap<string, string[]> = new Map(),
  basePath: string | null = null,
): (DecodedFrame | { text: string })[] {
  return report.map((text) => {
    const f = parseFrameLine(text);
    // Module frames need the module's own object file, which a build's vmlinux lacks.
    const at = f && !f.module ? frameAddress(map, f) : null;
    if (!f) return { text };
    const key = at ? addressKey(at.address) : null;
    const raw = key ? (lines.get(key) ?? []) : [];
    const locations = raw.filter((l) => !l.startsWith('??')).map((l) => cleanLocation(l, basePath));
    const decoded = locations.length
      ? `${f.prefix}${f.fn} (${locations.join(' ')})${f.module ? ` [${f.module}]` : ''}`
      : text;
    return { ...f, address: key, locations, decoded };
  });
}

/** Every address a report needs addr2line for (non-module frames found in the map). */
export function reportAddresses(report: readonly string[], map: SystemMap): bigint[] {
  const out = new Map<string, bigint>();
  for (const text of report) {
    const f = parseFrameLine(text);
    const at = f && !f.module ? frameAddress(map, f) : null;
    if (at) out.set(addressKey(at.address), at.address);
  }
  return [...out.values()];
}
