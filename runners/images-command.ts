/**
 * `bootwatch images`: makes (or finds in the cache) every image a matrix's variants boot
 * with, without building or booting a kernel, so a long one (a debootstrap root) is made
 * ahead of the run: the set-up script makes the seed ladder's Debian root this way.
 */
import { loadMatrix, pickNamed } from './matrix/load.ts';
import { prepareImages } from './run-matrix.ts';

/** Prints `variant<TAB>initramfs<TAB>disk` per variant ('-' for none); exit code 0. */
export async function imagesCommand(file: string, opts: { only?: string[] }): Promise<number> {
  const matrix = loadMatrix(file);
  for (const v of opts.only?.length ? pickNamed(matrix, opts.only) : matrix.variants) {
    if (v.skipBoot || v.target !== 'qemu') continue;
    const t0 = performance.now();
    const { initrd, disk } = await prepareImages(v);
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    process.stdout.write(`${v.name}\t${initrd ?? '-'}\t${disk ?? '-'}\t${s} s\n`);
  }
  return 0;
}
