/**
 * Loads a matrix YAML file: validates it against the schema with errors that name the
 * file, line and key, then resolves `extends`, fragment files and defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { ARCH_FACTS, type Arch, DEFAULT_ARCH } from '../../common/arch.ts';
import { BootwatchError } from '../../common/errors.ts';
import type { ConfigFragment } from '../../common/types/ingest.ts';
import { variantKey } from '../../common/variant-names.ts';
import { isHostArch } from '../host-arch.ts';
import { defaultBusybox } from '../images/busybox.ts';
import { type DebootstrapSpec, resolveDebootstrap, validateDebootstrap } from '../images/debootstrap.ts';
import { mergeEc2Specs } from './ec2-schema.ts';
import {
  type BaseConfigSpec,
  type BootSpec,
  type DiskSpec,
  type FragmentSpec,
  type MatrixFile,
  MatrixSchema,
  type VariantSpec,
} from './schema.ts';
import type { Matrix, ResolvedBase, ResolvedBoot, ResolvedVariant } from './types.ts';

/** Reads, validates and resolves a matrix file. Throws `matrix.invalid` naming the bad key. */
export function loadMatrix(file: string): Matrix {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BootwatchError('input.unreadable', `${file}: ${(err as Error).message}`);
  }
  return parseMatrix(text, path);
}

/** Parses matrix text; `path` anchors relative file names and error messages. */
export function parseMatrix(text: string, path: string): Matrix {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = lines.linePos(e.pos[0]);
    throw invalid(path, `${pos.line}:${pos.col}`, null, e.message.split('\n')[0]);
  }
  const raw = doc.toJS() as unknown;
  const errors = [...Value.Errors(MatrixSchema, raw)];
  if (errors.length) {
    // The deepest error is the most specific; unions report at the union's own path.
    const first = errors.sort((a, b) => b.path.split('/').length - a.path.split('/').length)[0];
    const segs = first.path.split('/').slice(1).map(decodePointer);
    const where = locate(doc, lines, segs);
    const hint = (first.schema as { description?: string }).description;
    const msg = first.message === 'Unexpected property' ? `unknown key "${segs.at(-1)}"` : first.message;
    throw invalid(path, where, keyPath(segs), hint && !msg.includes(hint) ? `${msg} (${hint})` : msg);
  }
  return resolveMatrix(raw as MatrixFile, path);
}

function decodePointer(s: string): string | number {
  const t = s.replace(/~1/g, '/').replace(/~0/g, '~');
  return /^\d+$/.test(t) ? Number(t) : t;
}

/** `variants[2].boot.memory`, the way a user reads the file. */
function keyPath(segs: (string | number)[]): string {
  return segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
}

/** File line:col of the deepest existing node on the path. */
function locate(
  doc: ReturnType<typeof parseDocument>,
  lines: LineCounter,
  segs: (string | number)[],
): string | null {
  for (let n = segs.length; n >= 0; n--) {
    const node = n ? doc.getIn(segs.slice(0, n), true) : doc.contents;
    if (isNode(node) && node.range) {
      const p = lines.linePos(node.range[0]);
      return `${p.line}:${p.col}`;
    }
  }
  return null;
}

function invalid(path: string, where: string | null, key: string | null, msg: string): BootwatchError {
  const loc = where ? `${path}:${where}` : path;
  return new BootwatchError('matrix.invalid', `${loc}: ${key ? `${key}: ` : ''}${msg}`);
}

function resolveMatrix(m: MatrixFile, path: string): Matrix {
  const dir = dirname(path);
  // A variant's arch is its own or the matrix's (never inherited, so `extends` can pick
  // the parent of the same arch); its stored name is `name@arch` off x86_64.
  const archOf = (v: VariantSpec): Arch => v.arch ?? m.arch ?? DEFAULT_ARCH;
  const keyOf = (v: VariantSpec) => variantKey(v.name, archOf(v));
  const byKey = new Map<string, VariantSpec>();
  m.variants.forEach((v, i) => {
    if (byKey.has(keyOf(v)))
      throw invalid(path, null, `variants[${i}].name`, `duplicate variant "${v.name}" for ${archOf(v)}`);
    byKey.set(keyOf(v), v);
  });
  /** `ref` in `extends:`/`baseline:` of `from`: the same arch's variant, or an explicit `name@arch`. */
  const lookup = (ref: string, from: VariantSpec): VariantSpec | undefined =>
    byKey.get(ref.includes('@') ? ref : variantKey(ref, archOf(from)));
  const name = m.name ?? basename(path, extname(path));
  const resolved = new Map<string, ResolvedVariant>();
  const resolving = new Set<string>();

  const resolveOne = (v: VariantSpec, i: number): ResolvedVariant => {
    const done = resolved.get(keyOf(v));
    if (done) return done;
    const key = `variants[${i}]`;
    if (resolving.has(keyOf(v)))
      throw invalid(path, null, `${key}.extends`, `"${v.name}" extends itself in a cycle`);
    resolving.add(keyOf(v));
    let parent: ResolvedVariant | null = null;
    if (v.extends) {
      const p = lookup(v.extends, v);
      if (!p) {
        throw invalid(
          path,
          null,
          `${key}.extends`,
          `no variant named "${v.extends}" for ${archOf(v)} (have: ${[...byKey.keys()].join(', ')})`,
        );
      }
      parent = resolveOne(p, m.variants.indexOf(p));
    }
    const ctx = `${key} (${v.name})`;
    const arch = archOf(v);
    const own = (v.fragments ?? []).map((f, j) => readFragment(f, dir, `${ctx}.fragments[${j}]`, path));
    if (v.config?.length) own.push({ name: `${v.name}.inline`, content: `${v.config.join('\n')}\n` });
    const base = v.base
      ? resolveBase(v.base, dir, path)
      : (parent?.base ?? resolveBase(m.base ?? 'allnoconfig', dir, path));
    const boot = resolveBoot([m.boot, ...bootChain(v, lookup)], arch, dir, path, ctx);
    const baseline = v.baseline ? lookup(v.baseline, v) : undefined;
    if (v.baseline && !baseline)
      throw invalid(path, null, `${key}.baseline`, `no variant named "${v.baseline}" for ${arch}`);
    const out: ResolvedVariant = {
      name: keyOf(v),
      arch,
      description: v.description ?? null,
      matrix: name,
      source: m.source
        ? 'dir' in m.source
          ? { kind: 'dir', path: resolve(dir, m.source.dir) }
          : { kind: 'tarball', path: resolve(dir, m.source.tarball) }
        : null,
      base,
      fragments: [...(parent?.fragments ?? []), ...own],
      kernel: v.kernel ? mustExist(resolve(dir, v.kernel), path, `${ctx}.kernel`) : (parent?.kernel ?? null),
      boot,
      baseline: baseline ? keyOf(baseline) : null,
      skipBoot: v.skipBoot ?? parent?.skipBoot ?? false,
      target: v.target ?? parent?.target ?? 'qemu',
      ec2: mergeEc2Specs(dir, m.ec2, parent?.ec2, v.ec2),
    };
    if (!out.kernel && !out.source)
      throw invalid(
        path,
        null,
        'source',
        `variant "${v.name}" is built, so the matrix needs a source: {dir:} or {tarball:}`,
      );
    resolving.delete(keyOf(v));
    resolved.set(keyOf(v), out);
    return out;
  };

  const variants = m.variants.map((v, i) => resolveOne(v, i));
  return { name, file: path, variants };
}

/** Boot specs from the root ancestor down to the variant itself. */
function bootChain(
  v: VariantSpec,
  lookup: (ref: string, from: VariantSpec) => VariantSpec | undefined,
): (BootSpec | undefined)[] {
  const chain: (BootSpec | undefined)[] = [];
  const seen = new Set<VariantSpec>();
  for (
    let cur: VariantSpec | undefined = v;
    cur && !seen.has(cur);
    cur = cur.extends ? lookup(cur.extends, cur) : undefined
  ) {
    seen.add(cur);
    chain.unshift(cur.boot);
  }
  return chain;
}

function resolveBase(b: BaseConfigSpec, dir: string, path: string): ResolvedBase {
  return typeof b === 'string' ? b : { file: mustExist(resolve(dir, b.file), path, 'base.file') };
}

function readFragment(f: FragmentSpec, dir: string, key: string, path: string): ConfigFragment {
  if (typeof f !== 'string' && 'lines' in f)
    return { name: f.name ?? key, content: `${f.lines.join('\n')}\n` };
  const file = resolve(dir, typeof f === 'string' ? f : f.file);
  return { name: basename(file), content: readFileSync(mustExist(file, path, key), 'utf8') };
}

function mustExist(file: string, path: string, key: string): string {
  if (!existsSync(file)) throw invalid(path, null, key, `file not found: ${file}`);
  return file;
}

/** Later specs override earlier ones key by key; `extraCmdline` accumulates. */
function resolveBoot(
  specs: (BootSpec | undefined)[],
  arch: Arch,
  dir: string,
  path: string,
  ctx: string,
): ResolvedBoot {
  const facts = ARCH_FACTS[arch];
  const m: BootSpec = {};
  let extra = '';
  for (const s of specs) {
    if (!s) continue;
    Object.assign(m, s);
    if (s.cmdline !== undefined) extra = '';
    if (s.extraCmdline) extra += ` ${s.extraCmdline}`;
  }
  const script = (init: string | undefined, inline: string | undefined, key: string): string => {
    if (inline) return inline.endsWith('\n') ? inline : `${inline}\n`;
    if (init) return readFileSync(mustExist(resolve(dir, init), path, key), 'utf8');
    throw invalid(path, null, key, 'give the /init as `init: FILE` or `script: TEXT`');
  };
  const ir = m.initramfs;
  const disk = m.disk || null;
  return {
    cmdline: `${m.cmdline ?? `console=${facts.console} panic=-1`}${extra}`.trim(),
    memoryMb: m.memory ?? 256,
    cpus: m.cpus ?? 1,
    machine: machineFor(arch, m.machine, path, ctx),
    accel: m.accel ?? 'auto',
    timeoutMs: (m.timeout ?? 120) * 1000,
    initramfs: !ir
      ? null
      : 'cpio' in ir
        ? { kind: 'cpio', path: mustExist(resolve(dir, ir.cpio), path, `${ctx}.boot.initramfs.cpio`) }
        : {
            kind: 'busybox',
            init: script(ir.init, ir.script, `${ctx}.boot.initramfs`),
            busybox: ir.busybox ? resolve(dir, ir.busybox) : defaultBusybox(arch),
            files: Object.fromEntries(
              Object.entries(ir.files ?? {}).map(([g, h]) => [
                g,
                mustExist(resolve(dir, h), path, `${ctx}.boot.initramfs.files`),
              ]),
            ),
          },
    net: m.net
      ? { model: m.net.model ?? facts.nic, guestPort: m.net.guestPort ?? 22, check: m.net.check ?? false }
      : null,
    disk: disk
      ? {
          bus: disk.bus,
          ...(disk.debootstrap
            ? {
                init: null,
                debootstrap: debootstrapRoot(disk, arch, path, `${ctx}.boot.disk`),
                sizeMb: disk.sizeMb ?? 1024,
              }
            : { init: script(disk.init, disk.script, `${ctx}.boot.disk`), sizeMb: disk.sizeMb ?? 32 }),
          busybox: defaultBusybox(arch),
          root: disk.root ?? true,
        }
      : null,
    markers: m.markers ?? [],
  };
}

/** A debootstrap root disk: its own /sbin/init, and the host's arch (debootstrap runs its binaries). */
function debootstrapRoot(disk: DiskSpec, arch: Arch, path: string, key: string): DebootstrapSpec {
  if (disk.init || disk.script)
    throw invalid(path, null, key, 'a debootstrap root boots its own /sbin/init: drop init/script');
  if (!isHostArch(arch))
    throw invalid(path, null, key, `debootstrap roots are built for the host's arch only, not ${arch}`);
  const spec = resolveDebootstrap(disk.debootstrap!);
  try {
    validateDebootstrap(spec);
  } catch (err) {
    throw invalid(path, null, `${key}.debootstrap`, (err as Error).message);
  }
  return spec;
}

/** The matrix's machine when it fits the arch, else that arch's own. */
function machineFor(
  arch: Arch,
  asked: BootSpec['machine'],
  path: string,
  ctx: string,
): ResolvedBoot['machine'] {
  if (!asked) return ARCH_FACTS[arch].machine;
  const x86 = asked === 'pc' || asked === 'q35';
  if (x86 !== (arch === 'x86_64'))
    throw invalid(path, null, `${ctx}.boot.machine`, `machine "${asked}" cannot boot ${arch}`);
  return asked;
}

/**
 * The variants `names` pick in `matrix`: each as stored (`NAME@arch` off x86_64) or by its
 * matrix name alone, which picks it on every arch it exists for. An unknown name is an error
 * listing what there is.
 */
export function pickNamed(matrix: Matrix, names: string[]): ResolvedVariant[] {
  const picks = (n: string) => (v: ResolvedVariant) => v.name === n || variantKey(n, v.arch) === v.name;
  const unknown = names.filter((n) => !matrix.variants.some(picks(n)));
  if (unknown.length)
    throw new BootwatchError(
      'variant.not_found',
      `no variant ${unknown.join(', ')} in ${matrix.file} (have: ${matrix.variants.map((v) => v.name).join(', ')})`,
    );
  return matrix.variants.filter((v) => names.some((n) => picks(n)(v)));
}
