/**
 * Upload through S3: the raw disk goes up as a multipart upload (lib-storage), then EC2's
 * ImportSnapshot turns the object into a snapshot (it needs the account's `vmimport`
 * role). The object is deleted as soon as the snapshot exists, and again by cleanup.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  CreateTagsCommand,
  DescribeImportSnapshotTasksCommand,
  ImportSnapshotCommand,
} from '@aws-sdk/client-ec2';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BootwatchError } from '../../common/errors.ts';
import { describeAwsError } from './aws.ts';
import { abortError, pollUntil } from './poll.ts';
import type { UploadOptions } from './upload-ebs.ts';

const MiB = 1 << 20;

export interface S3UploadOptions extends UploadOptions {
  bucket: string;
  key: string;
}

/** Multipart upload of the image; returns once the object is complete. */
async function putImageObject(o: S3UploadOptions): Promise<void> {
  const { clients, ledger } = o;
  // Recorded first: a crash mid-upload leaves a multipart upload that cleanup must abort.
  ledger.add({ kind: 's3-upload', id: o.key, bucket: o.bucket, key: o.key });
  const upload = new Upload({
    client: clients.s3,
    params: {
      Bucket: o.bucket,
      Key: o.key,
      Body: createReadStream(o.image.path),
      ContentType: 'application/octet-stream',
    },
    queueSize: o.concurrency ?? 4,
    partSize: 16 * MiB,
    leavePartsOnError: false,
  });
  upload.on('httpUploadProgress', (p) =>
    o.onProgress?.({ phase: 'upload', done: p.loaded ?? 0, total: o.image.sizeBytes }),
  );
  const onAbort = () => void upload.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await upload.done();
  } catch (err) {
    if (o.signal?.aborted) throw abortError(o.signal);
    throw new BootwatchError(
      'harness.failed',
      `S3 upload to s3://${o.bucket}/${o.key} failed: ${describeAwsError(err)}`,
    );
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  ledger.add({ kind: 's3-object', id: o.key, bucket: o.bucket, key: o.key });
  ledger.markDeleted('s3-upload', o.key);
}

/** S3 multipart upload + ImportSnapshot; returns the snapshot id. */
export async function uploadViaS3(o: S3UploadOptions): Promise<string> {
  const { clients, ledger } = o;
  await putImageObject(o);
  const task = await clients.ec2.send(
    new ImportSnapshotCommand({
      Description: o.description,
      DiskContainer: {
        Format: 'RAW',
        Description: o.description,
        UserBucket: { S3Bucket: o.bucket, S3Key: o.key },
      },
      TagSpecifications: [{ ResourceType: 'import-snapshot-task', Tags: ledger.tags() }],
      ClientToken: randomUUID(),
    }),
  );
  const taskId = task.ImportTaskId;
  if (!taskId) throw new BootwatchError('harness.failed', 'ImportSnapshot returned no ImportTaskId');
  ledger.add({ kind: 'import-task', id: taskId });
  const snapshotId = await pollUntil(
    `import task ${taskId}`,
    async () => {
      const r = await clients.ec2.send(new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [taskId] }));
      const d = r.ImportSnapshotTasks?.[0]?.SnapshotTaskDetail;
      if (!d) return undefined;
      if (d.Status === 'deleted' || d.Status === 'deleting')
        throw new BootwatchError(
          'harness.failed',
          `ImportSnapshot ${taskId} failed: ${d.StatusMessage ?? d.Status}`,
        );
      o.onProgress?.({ phase: 'import', done: Number.parseInt(d.Progress ?? '0', 10) || 0, total: 100 });
      return d.Status === 'completed' && d.SnapshotId ? d.SnapshotId : undefined;
    },
    { intervalMs: o.pollMs, timeoutMs: 2 * 60 * 60_000, signal: o.signal },
  );
  ledger.add({ kind: 'snapshot', id: snapshotId });
  ledger.markDeleted('import-task', taskId);
  // The import's snapshot does not inherit the task's tags: tag it so `ec2 cleanup` finds it.
  await clients.ec2.send(new CreateTagsCommand({ Resources: [snapshotId], Tags: ledger.tags() }));
  await clients.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: o.key }));
  ledger.markDeleted('s3-object', o.key);
  return snapshotId;
}
