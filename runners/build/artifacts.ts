/**
 * What a finished build produced: image sizes, section sizes (`size`), per-symbol sizes
 * (`nm --size-sort -S`, the input bloat-o-meter diffs) and System.map.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ARCH_FACTS, type Arch, DEFAULT_ARCH } from '../../common/arch.ts';
import type { ImageSizes, SymbolSize } from '../../common/types/ingest.ts';
import { crossCompilePrefix } from '../host-arch.ts';
import { runCommand } from '../process.ts';

export interface Artifacts {
  image: string | null;
  vmlinux: string | null;
  sizes: ImageSizes;
  symbols: SymbolSize[];
  systemMap: string | null;
}

/** Collects sizes and symbols from an O= dir after the image's make (binutils of the arch). */
export async function collectArtifacts(outDir: string, arch: Arch = DEFAULT_ARCH): Promise<Artifacts> {
  const image = join(outDir, ARCH_FACTS[arch].imagePath);
  const tool = (name: string) => `${crossCompilePrefix(arch)}${name}`;
  const vmlinux = join(outDir, 'vmlinux');
  const sizes: ImageSizes = {
    image: existsSync(image) ? statSync(image).size : null,
    vmlinux: existsSync(vmlinux) ? statSync(vmlinux).size : null,
  };
  let symbols: SymbolSize[] = [];
  if (existsSync(vmlinux)) {
    const sz = await runCommand(tool('size'), [vmlinux]);
    const m = sz.output.split('\n')[1]?.trim().split(/\s+/);
    if (sz.code === 0 && m && m.length >= 3)
      Object.assign(sizes, { text: Number(m[0]), data: Number(m[1]), bss: Number(m[2]) });
    const nm = await runCommand(tool('nm'), ['--size-sort', '-S', vmlinux], { keep: 64 << 20 });
    if (nm.code === 0) symbols = parseNm(nm.output);
  }
  const mapFile = join(outDir, 'System.map');
  return {
    image: sizes.image != null ? image : null,
    vmlinux: sizes.vmlinux != null ? vmlinux : null,
    sizes,
    symbols,
    systemMap: existsSync(mapFile) ? readFileSync(mapFile, 'utf8') : null,
  };
}

/** `addr size type name` lines → symbols, largest first. */
function parseNm(text: string): SymbolSize[] {
  const out: SymbolSize[] = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^[0-9a-f]+ ([0-9a-f]+) (\w) (\S+)/);
    if (m) out.push({ name: m[3], type: m[2], size: Number.parseInt(m[1], 16) });
  }
  return out.sort((a, b) => b.size - a.size);
}
