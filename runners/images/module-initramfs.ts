/**
 * For modular kernels (a distro's prebuilt one, where NVMe and ext4 are modules): an
 * initramfs with busybox and the modules it needs to reach the root disk, which loads
 * them, finds the root by its label and switch_roots into it.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BootwatchError } from '../../common/errors.ts';
import { imagesDir } from '../paths.ts';
import { runCommand } from '../process.ts';
import { type CpioEntry, writeCpio } from './cpio.ts';

/** Modules a cloud root disk may need: NVMe (Nitro), Xen block front-end, ext4, ENA. */
export const DEFAULT_ROOT_MODULES = ['nvme', 'xen-blkfront', 'ext4', 'ena', 'xen-netfront'];

const norm = (n: string) => n.replace(/-/g, '_');
const modName = (path: string) => norm(basename(path).replace(/\.ko(\.\w+)?$/, ''));

interface DepDb {
  /** module name → path relative to the release dir. */
  files: Map<string, string>;
  deps: Map<string, string[]>;
  softPre: Map<string, string[]>;
  alias: Map<string, string[]>;
  builtin: Set<string>;
}

/** Runs depmod on a symlinked copy of `<release dir>` (Debian's depmod has no --outdir). */
async function loadDeps(releaseDir: string): Promise<DepDb> {
  const release = basename(releaseDir);
  const tmp = mkdtempSync(join(tmpdir(), 'bootwatch-depmod-'));
  try {
    const rel = join(tmp, 'lib/modules', release);
    mkdirSync(rel, { recursive: true });
    for (const f of readdirSync(releaseDir)) {
      if (
        f.startsWith('modules.') &&
        !['modules.builtin', 'modules.order', 'modules.builtin.modinfo'].includes(f)
      )
        continue;
      symlinkSync(join(releaseDir, f), join(rel, f));
    }
    const r = await runCommand('depmod', ['-b', tmp, release]);
    if (r.code !== 0)
      throw new BootwatchError('harness.failed', `depmod failed: ${r.spawnError ?? r.output.trim()}`);
    const read = (f: string) => (existsSync(join(rel, f)) ? readFileSync(join(rel, f), 'utf8') : '');
    const db: DepDb = {
      files: new Map(),
      deps: new Map(),
      softPre: new Map(),
      alias: new Map(),
      builtin: new Set(),
    };
    for (const line of read('modules.dep').split('\n')) {
      if (!line.includes(':')) continue;
      const [file, rest] = line.split(':');
      db.files.set(modName(file), file);
      db.deps.set(modName(file), rest.trim() ? rest.trim().split(/\s+/).map(modName) : []);
    }
    for (const line of read('modules.softdep').split('\n')) {
      const m = line.match(/^softdep (\S+) pre: (.*?)(?: post:.*)?$/);
      if (m) db.softPre.set(norm(m[1]), m[2].trim().split(/\s+/));
    }
    for (const line of read('modules.alias').split('\n')) {
      const m = line.match(/^alias (\S+) (\S+)$/);
      if (m) db.alias.set(m[1], [...(db.alias.get(m[1]) ?? []), norm(m[2])]);
    }
    for (const line of read('modules.builtin').split('\n'))
      if (line.trim()) db.builtin.add(modName(line.trim()));
    return db;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Module files in load order (dependencies first) for `wanted`; builtin ones are skipped. */
async function resolveModules(
  releaseDir: string,
  wanted: string[],
  opts: { optional?: boolean } = {},
): Promise<{ order: string[]; missing: string[] }> {
  const db = await loadDeps(releaseDir);
  const order: string[] = [];
  const seen = new Set<string>();
  const missing: string[] = [];
  const visit = (name: string, optional: boolean): void => {
    const n = norm(name);
    if (seen.has(n) || db.builtin.has(n)) return;
    const file = db.files.get(n);
    if (!file) {
      // A soft dependency names an alias (`crypto-crc32c`): any module providing it will do.
      const providers = db.alias.get(name) ?? [];
      if (providers.length) for (const p of providers) visit(p, true);
      else if (!optional) missing.push(name);
      return;
    }
    seen.add(n);
    for (const s of db.softPre.get(n) ?? []) visit(s, true);
    for (const d of db.deps.get(n) ?? []) visit(d, false);
    order.push(file);
  };
  for (const w of wanted) visit(w, opts.optional ?? false);
  return { order, missing };
}

function moduleBytes(file: string): Buffer {
  const raw = readFileSync(file);
  if (file.endsWith('.ko')) return raw;
  if (file.endsWith('.ko.gz')) return gunzipSync(raw);
  throw new BootwatchError(
    'harness.failed',
    `compressed module ${basename(file)}: only .ko and .ko.gz are supported`,
  );
}

/** /init of the module initramfs: load, wait for the labelled root, switch_root to its /init. */
function moduleInit(modules: string[], rootLabel: string, rootInit = '/init'): string {
  const names = modules.map((m) => basename(m));
  return `#!/bin/sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev
for m in ${names.join(' ')}; do
  insmod /lib/modules/$m 2>/dev/null || echo "bootwatch-initramfs: insmod $m failed"
done
i=0
while [ $i -lt 300 ]; do
  dev=$(findfs LABEL=${rootLabel} 2>/dev/null) && break
  sleep 0.1
  i=$((i+1))
done
if [ -z "$dev" ]; then echo "bootwatch-initramfs: no disk labelled ${rootLabel}"; exec sh; fi
echo "bootwatch-initramfs: root is $dev"
mount -t ext4 -o rw "$dev" /newroot || { echo "bootwatch-initramfs: cannot mount $dev"; exec sh; }
umount /proc /sys
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot ${rootInit}
`;
}

/** Builds (or reuses) `<images>/modinit-<hash>.cpio.gz`. `releaseDir` is `.../lib/modules/<release>`. */
export async function buildModuleInitramfs(opts: {
  releaseDir: string;
  load: string[];
  rootLabel: string;
  /** What the root's PID 1 is (default /init). */
  rootInit?: string;
  busybox?: string;
  /** Names in `load` that may be absent (the defaults list modules some kernels lack). */
  optional?: boolean;
}): Promise<{ path: string; modules: string[] }> {
  const busybox = opts.busybox ?? '/bin/busybox';
  if (!existsSync(join(opts.releaseDir, 'kernel')))
    throw new BootwatchError('input.invalid', `${opts.releaseDir} is not a lib/modules/<release> directory`);
  const { order, missing } = await resolveModules(opts.releaseDir, opts.load, { optional: opts.optional });
  if (missing.length)
    throw new BootwatchError(
      'input.invalid',
      `modules not found in ${opts.releaseDir}: ${missing.join(', ')}`,
    );
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'newroot', 'lib', 'lib/modules'].map(
      (path): CpioEntry => ({ path, type: 'dir' }),
    ),
    { path: 'dev/console', type: 'char', major: 5, minor: 1 },
    { path: 'bin/busybox', type: 'file', data: readFileSync(busybox), mode: 0o755 },
    { path: 'bin/sh', type: 'symlink', target: 'busybox' },
    {
      path: 'init',
      type: 'file',
      data: Buffer.from(
        moduleInit(
          order.map((m) => m.replace(/\.gz$/, '')),
          opts.rootLabel,
          opts.rootInit,
        ),
      ),
      mode: 0o755,
    },
    ...order.map(
      (m): CpioEntry => ({
        path: `lib/modules/${basename(m).replace(/\.gz$/, '')}`,
        type: 'file',
        data: moduleBytes(join(opts.releaseDir, m)),
        mode: 0o644,
      }),
    ),
  ];
  const cpio = writeCpio(entries);
  const hash = createHash('sha256').update(cpio).digest('hex').slice(0, 16);
  const dir = imagesDir();
  const path = join(dir, `modinit-${hash}.cpio.gz`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, gzipSync(cpio, { level: 6 }));
    renameSync(tmp, path);
  }
  return { path, modules: order };
}
