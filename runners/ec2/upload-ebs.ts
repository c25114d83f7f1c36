/**
 * Upload with the EBS direct APIs: StartSnapshot, one PutSnapshotBlock per non-zero
 * 512 KiB block (SHA-256 checked by EBS), CompleteSnapshot with the linear aggregate
 * checksum; then wait until EC2 reports the snapshot completed. No S3, no vmimport role.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { CompleteSnapshotCommand, PutSnapshotBlockCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { BootwatchError } from '../../common/errors.ts';
import { isZero } from '../images/gpt-disk.ts';
import type { AwsClients } from './aws.ts';
import type { Ledger } from './ledger.ts';
import { abortError, pollUntil } from './poll.ts';

const GiB = 1 << 30;

export interface UploadProgress {
  phase: string;
  done: number;
  total: number;
}

export interface UploadOptions {
  clients: AwsClients;
  ledger: Ledger;
  image: { path: string; sizeBytes: number };
  description: string;
  pollMs: number;
  signal?: AbortSignal;
  onProgress?: (p: UploadProgress) => void;
  concurrency?: number;
}

/** Indexes of the blocks that hold data (EBS reads the others as zeros). */
function dataBlocks(path: string, sizeBytes: number, blockSize: number): number[] {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(blockSize);
  const out: number[] = [];
  try {
    for (let i = 0; i * blockSize < sizeBytes; i++) {
      const n = readSync(fd, buf, 0, blockSize, i * blockSize);
      if (n && !isZero(buf, n)) out.push(i);
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Returns the completed snapshot's id. */
export async function uploadViaEbs(o: UploadOptions): Promise<string> {
  const { clients, ledger } = o;
  const volumeGiB = Math.max(1, Math.ceil(o.image.sizeBytes / GiB));
  const start = await clients.ebs.send(
    new StartSnapshotCommand({
      VolumeSize: volumeGiB,
      Description: o.description,
      Tags: ledger.tags(),
      ClientToken: randomUUID(),
      // Minutes without a write before EBS gives up on the snapshot by itself: a crashed run leaves less behind.
      Timeout: 60,
    }),
  );
  const snapshotId = start.SnapshotId;
  if (!snapshotId) throw new BootwatchError('harness.failed', 'StartSnapshot returned no SnapshotId');
  ledger.add({ kind: 'snapshot', id: snapshotId });
  const blockSize = start.BlockSize ?? 512 * 1024;
  const blocks = dataBlocks(o.image.path, o.image.sizeBytes, blockSize);
  const sums: Buffer[] = new Array(blocks.length);
  let next = 0;
  let done = 0;
  const fd = openSync(o.image.path, 'r');
  try {
    const worker = async () => {
      const buf = Buffer.alloc(blockSize);
      while (next < blocks.length) {
        if (o.signal?.aborted) throw abortError(o.signal);
        const slot = next++;
        const index = blocks[slot];
        buf.fill(0);
        readSync(fd, buf, 0, blockSize, index * blockSize);
        const data = Buffer.from(buf);
        const sum = createHash('sha256').update(data).digest();
        sums[slot] = sum;
        await clients.ebs.send(
          new PutSnapshotBlockCommand({
            SnapshotId: snapshotId,
            BlockIndex: index,
            BlockData: data,
            DataLength: blockSize,
            Checksum: sum.toString('base64'),
            ChecksumAlgorithm: 'SHA256',
            Progress: Math.floor(((slot + 1) * 100) / blocks.length),
          }),
          { abortSignal: o.signal },
        );
        done++;
        o.onProgress?.({ phase: 'upload', done, total: blocks.length });
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(o.concurrency ?? 8, Math.max(1, blocks.length)) }, worker),
    );
  } finally {
    closeSync(fd);
  }
  // EBS's "linear" aggregation: SHA-256 over the block checksums in block-index order.
  const aggregate = createHash('sha256').update(Buffer.concat(sums)).digest('base64');
  await clients.ebs.send(
    new CompleteSnapshotCommand({
      SnapshotId: snapshotId,
      ChangedBlocksCount: blocks.length,
      Checksum: aggregate,
      ChecksumAlgorithm: 'SHA256',
      ChecksumAggregationMethod: 'LINEAR',
    }),
  );
  await waitSnapshotCompleted(o, snapshotId);
  return snapshotId;
}

/** Polls DescribeSnapshots until the snapshot is `completed`; `error` is a harness failure. */
async function waitSnapshotCompleted(
  o: Pick<UploadOptions, 'clients' | 'pollMs' | 'signal' | 'onProgress'>,
  snapshotId: string,
): Promise<void> {
  await pollUntil(
    `snapshot ${snapshotId}`,
    async () => {
      const r = await o.clients.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
      const s = r.Snapshots?.[0];
      if (s?.State === 'error')
        throw new BootwatchError(
          'harness.failed',
          `snapshot ${snapshotId} failed: ${s.StateMessage ?? 'state error'}`,
        );
      o.onProgress?.({ phase: 'snapshot', done: Number.parseInt(s?.Progress ?? '0', 10) || 0, total: 100 });
      return s?.State === 'completed' ? true : undefined;
    },
    { intervalMs: o.pollMs, timeoutMs: 60 * 60_000, signal: o.signal },
  );
}
