/**
 * Debian's prebuilt kernel boots under QEMU TCG in seconds: most boot tests use it. It is
 * fetched the Debian way (`apt-get download` + `dpkg -x`) into the cache when missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../../runners/paths.ts';

export interface DebianKernel {
  vmlinuz: string;
  /** Path of e1000.ko (a module in Debian's kernel), for network tests. */
  e1000: string | null;
  release: string;
}

function find(root: string): DebianKernel | null {
  const boot = join(root, 'boot');
  if (!existsSync(boot)) return null;
  const img = readdirSync(boot).find((f) => f.startsWith('vmlinuz-'));
  if (!img) return null;
  const release = img.slice('vmlinuz-'.length);
  const e1000 = join(root, 'lib/modules', release, 'kernel/drivers/net/ethernet/intel/e1000/e1000.ko');
  return { vmlinuz: join(boot, img), e1000: existsSync(e1000) ? e1000 : null, release };
}

/** Debian's package of each guest arch's kernel (arm64's unsigned one is the same Image). */
const PACKAGES = {
  amd64: { dir: 'debian-kernel', re: '^linux-image-6\\.1\\.0-[0-9]+-amd64$' },
  arm64: { dir: 'debian-kernel-arm64', re: '^linux-image-6\\.1\\.0-[0-9]+-arm64-unsigned$' },
} as const;

/** The unpacked Debian kernel of `arch`, downloading it on first use (as scripts/setup.sh does). */
export function debianKernel(arch: keyof typeof PACKAGES = 'amd64'): DebianKernel {
  const { dir: name, re } = PACKAGES[arch];
  const dir = join(cacheDir(), name);
  const root = join(dir, 'root');
  const hit = find(root);
  if (hit) return hit;
  mkdirSync(dir, { recursive: true });
  const isDeb = (f: string) => f.startsWith('linux-image-') && f.endsWith(`_${arch}.deb`);
  let debs = readdirSync(dir).filter(isDeb);
  if (!debs.length) {
    const abi = (p: string) => Number(p.match(/6\.1\.0-(\d+)-/)?.[1]);
    const names = execFileSync('apt-cache', ['search', '--names-only', re], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter(Boolean)
      .sort((a, b) => abi(a) - abi(b));
    const pkg = names.at(-1);
    if (!pkg) throw new Error(`no package matching ${re} known to apt (run scripts/setup.sh --test)`);
    execFileSync('apt-get', ['download', `${pkg}:${arch}`], { cwd: dir, stdio: 'inherit' });
    debs = readdirSync(dir).filter(isDeb);
  }
  execFileSync('dpkg', ['-x', join(dir, debs[0]), root]);
  const got = find(root);
  if (!got) throw new Error(`no vmlinuz in ${debs[0]}`);
  return got;
}

/** Host paths of `names` and every module they depend on, dependencies first (modinfo). */
export function moduleClosure(k: DebianKernel, names: string[]): string[] {
  const root = join(k.vmlinuz, '../../lib/modules', k.release);
  const index = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.ko')) index.set(e.name.slice(0, -3).replace(/-/g, '_'), join(dir, e.name));
    }
  };
  walk(root);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    const key = name.replace(/-/g, '_');
    if (seen.has(key)) return;
    seen.add(key);
    const file = index.get(key);
    if (!file) throw new Error(`module ${name} not in ${k.release}`);
    const deps = execFileSync('modinfo', ['-F', 'depends', file], { encoding: 'utf8' }).trim();
    for (const d of deps.split(',').filter(Boolean)) visit(d);
    out.push(file);
  };
  for (const n of names) visit(n);
  return out;
}
