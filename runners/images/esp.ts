/**
 * An EFI system partition as a plain file: FAT32 made by mkfs.vfat, files put in with
 * mtools (mmd/mcopy), so no loop mount and no root are needed.
 */
import { rmSync } from 'node:fs';
import { BootwatchError } from '../../common/errors.ts';
import { runCommand } from '../process.ts';

/** FAT32 needs ~33 MiB at least; 64 MiB leaves room for a kernel with a big initramfs. */
const ESP_MIN_MB = 40;

/** Guest path (`EFI/BOOT/BOOTX64.EFI`) → host file. */
export type EspFiles = Record<string, string>;

async function must(cmd: string, args: string[]): Promise<void> {
  // mtools refuses to run when it cannot tell the image's geometry; MTOOLS_SKIP_CHECK silences that.
  const r = await runCommand(cmd, args, { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  if (r.code !== 0)
    throw new BootwatchError(
      'harness.failed',
      `${cmd} ${args.join(' ')} failed: ${r.spawnError ?? r.output.trim().slice(-400)}`,
    );
}

/** Creates `out` (sizeMb MiB, FAT32, label EFI) holding `files`. */
export async function buildEsp(out: string, sizeMb: number, files: EspFiles): Promise<void> {
  if (sizeMb < ESP_MIN_MB)
    throw new BootwatchError(
      'input.invalid',
      `EFI partition of ${sizeMb} MiB is too small for FAT32 (min ${ESP_MIN_MB})`,
    );
  rmSync(out, { force: true });
  await must('mkfs.vfat', ['-C', '-F', '32', '-n', 'EFI', out, String(sizeMb * 1024)]);
  const dirs = new Set<string>();
  for (const guest of Object.keys(files)) {
    const parts = guest.replace(/^\/+/, '').split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const sorted = [...dirs].sort((a, b) => a.split('/').length - b.split('/').length);
  if (sorted.length) await must('mmd', ['-i', out, ...sorted.map((d) => `::/${d}`)]);
  for (const [guest, host] of Object.entries(files))
    await must('mcopy', ['-i', out, host, `::/${guest.replace(/^\/+/, '')}`]);
}

/** Lists the ESP's files (`mdir -/ -b`), for checks and tests. */
export async function listEsp(image: string, offsetBytes = 0): Promise<string[]> {
  const target = offsetBytes ? `${image}@@${offsetBytes}` : image;
  const r = await runCommand('mdir', ['-i', target, '-/', '-b', '::/'], {
    env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
  });
  if (r.code !== 0)
    throw new BootwatchError('harness.failed', `mdir failed: ${r.spawnError ?? r.output.trim()}`);
  return r.output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.replace(/^::\//, ''));
}
