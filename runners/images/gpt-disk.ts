/**
 * A raw GPT disk assembled from partition files: sfdisk writes the table into a sparse
 * file, then each partition is copied in at its offset, skipping zero blocks so the disk
 * stays sparse (and an EBS upload can skip them too).
 */

import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { BootwatchError } from '../../common/errors.ts';
import { runCommand } from '../process.ts';

const SECTOR = 512;
export const MiB = 1 << 20;

/** GPT type GUIDs sfdisk understands. */
export const PART_TYPE = {
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  linux: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
} as const;

export interface GptPartition {
  name: string;
  type: string;
  /** Fixed PARTUUID, so `root=PARTUUID=...` can be known before the disk exists. */
  uuid: string;
  /** Content; the partition gets the file's size rounded up to a MiB. */
  file: string;
  /** Size in MiB, when larger than the file (the last partition may grow to the disk's end). */
  sizeMb?: number;
}

export interface GptLayout {
  sizeBytes: number;
  partitions: { name: string; uuid: string; startBytes: number; sizeBytes: number }[];
}

/** Writes `out` (sizeMb MiB) with the partitions in order, the first at 1 MiB. */
export async function buildGptDisk(out: string, sizeMb: number, parts: GptPartition[]): Promise<GptLayout> {
  rmSync(out, { force: true });
  closeSync(openSync(out, 'w'));
  truncateSync(out, sizeMb * MiB);
  let start = MiB;
  const placed: GptLayout['partitions'] = [];
  const script = ['label: gpt', 'unit: sectors', 'first-lba: 2048'];
  for (const p of parts) {
    const fileBytes = statSync(p.file).size;
    const size = Math.max(Math.ceil(fileBytes / MiB) * MiB, (p.sizeMb ?? 0) * MiB);
    // The backup GPT takes the disk's last 33 sectors: keep the last MiB free.
    if (start + size > sizeMb * MiB - MiB)
      throw new BootwatchError(
        'input.invalid',
        `partition ${p.name} (${size / MiB} MiB) does not fit a ${sizeMb} MiB disk`,
      );
    script.push(
      `start=${start / SECTOR}, size=${size / SECTOR}, type=${p.type}, name="${p.name}", uuid=${p.uuid}`,
    );
    placed.push({ name: p.name, uuid: p.uuid.toLowerCase(), startBytes: start, sizeBytes: size });
    start += size;
  }
  const r = await runCommandInput(
    'sfdisk',
    ['--quiet', '--no-reread', '--no-tell-kernel', out],
    `${script.join('\n')}\n`,
  );
  if (r) throw new BootwatchError('harness.failed', `sfdisk failed: ${r}`);
  for (const [i, p] of parts.entries()) copySparse(p.file, out, placed[i].startBytes);
  return { sizeBytes: sizeMb * MiB, partitions: placed };
}

/** Runs `cmd` with `input` on stdin (runCommand gives children none); null when it succeeded. */
async function runCommandInput(cmd: string, args: string[], input: string): Promise<string | null> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (out += b));
    child.on('error', (e) => done(`${cmd}: ${e.message}`));
    child.on('close', (code) => done(code === 0 ? null : `exit ${code}: ${out.trim().slice(-400)}`));
    child.stdin.end(input);
  });
}

/** Copies `src` into `dst` at `offset`, writing only blocks that are not all zero. */
function copySparse(src: string, dst: string, offset: number): void {
  const inFd = openSync(src, 'r');
  const outFd = openSync(dst, 'r+');
  const buf = Buffer.alloc(MiB);
  try {
    for (let pos = 0; ; ) {
      const n = readSync(inFd, buf, 0, buf.length, pos);
      if (!n) break;
      if (!isZero(buf, n)) writeSync(outFd, buf, 0, n, offset + pos);
      pos += n;
    }
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
}

/** True when the first `n` bytes are all zero. */
export function isZero(buf: Uint8Array, n = buf.length): boolean {
  const words = new BigUint64Array(buf.buffer, buf.byteOffset, Math.floor(n / 8));
  for (const w of words) if (w !== 0n) return false;
  for (let i = words.length * 8; i < n; i++) if (buf[i] !== 0) return false;
  return true;
}

/** The partition table as sfdisk reads it back (`sfdisk --json`). */
export async function readGpt(
  file: string,
): Promise<{ name?: string; uuid: string; type: string; start: number; size: number }[]> {
  const r = await runCommand('sfdisk', ['--json', file]);
  if (r.code !== 0)
    throw new BootwatchError('harness.failed', `sfdisk --json failed: ${r.spawnError ?? r.output}`);
  return (
    JSON.parse(r.output) as {
      partitiontable: {
        partitions: { name?: string; uuid: string; type: string; start: number; size: number }[];
      };
    }
  ).partitiontable.partitions;
}
