/**
 * A cpio "newc" archive writer: the format the kernel unpacks as initramfs. Written here
 * rather than with cpio(1) so device nodes like /dev/console need no root.
 */

export type CpioEntry =
  | { path: string; type: 'dir'; mode?: number }
  | { path: string; type: 'file'; data: Uint8Array; mode?: number }
  | { path: string; type: 'symlink'; target: string }
  | { path: string; type: 'char'; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(
  ino: number,
  mode: number,
  size: number,
  nameLen: number,
  rmaj = 0,
  rmin = 0,
  nlink = 1,
): string {
  const mtime = 0; // reproducible archives: same inputs, same bytes
  const f = [ino, mode, 0, 0, nlink, mtime, size, 0, 0, rmaj, rmin, nameLen, 0];
  return `070701${f.map((x) => x.toString(16).padStart(8, '0')).join('')}`;
}

/** Serializes entries (parents before children) into one newc archive. */
export function writeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const push = (hdr: string, name: string, data: Uint8Array) => {
    const head = Buffer.from(`${hdr}${name}\0`, 'latin1');
    parts.push(head, Buffer.alloc(pad4(head.length)), Buffer.from(data), Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    const nameLen = Buffer.byteLength(name) + 1;
    switch (e.type) {
      case 'dir':
        push(header(ino++, S_IFDIR | (e.mode ?? 0o755), 0, nameLen, 0, 0, 2), name, new Uint8Array());
        break;
      case 'file':
        push(header(ino++, S_IFREG | (e.mode ?? 0o644), e.data.length, nameLen), name, e.data);
        break;
      case 'symlink': {
        const t = Buffer.from(e.target);
        push(header(ino++, S_IFLNK | 0o777, t.length, nameLen), name, t);
        break;
      }
      case 'char':
        push(
          header(ino++, S_IFCHR | (e.mode ?? 0o600), 0, nameLen, e.major, e.minor),
          name,
          new Uint8Array(),
        );
        break;
    }
  }
  push(header(0, 0, 0, 'TRAILER!!!'.length + 1, 0, 0, 1), 'TRAILER!!!', new Uint8Array());
  return Buffer.concat(parts);
}
