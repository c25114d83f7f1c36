/**
 * Deletes what EC2 runs created, in dependency order — instance, AMI, snapshot, import
 * task, S3 object or upload — trying every step even when one fails, so a partial
 * failure leaves as little as possible; and finds leftovers of dead runs by tag.
 */

import { hostname } from 'node:os';
import {
  CancelImportTaskCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { type AwsClients, awsErrorCode, describeAwsError } from './aws.ts';
import { describeInstances } from './instance.ts';
import { Ledger, type LedgerResource, type ResourceKind, TAG } from './ledger.ts';

export interface CleanupItem {
  kind: ResourceKind;
  id: string;
  runId: string | null;
  ok: boolean;
  error?: string;
}

const ORDER: ResourceKind[] = [
  'instance',
  'volume',
  'image',
  'snapshot',
  'import-task',
  's3-object',
  's3-upload',
];
/** Codes that mean "already gone": success for a cleanup. */
const GONE =
  /NotFound|\.Malformed$|NoSuchKey|NoSuchUpload|InvalidSnapshot\.NotFound|InvalidAMIID\.Unavailable/;

async function deleteOne(clients: AwsClients, r: LedgerResource): Promise<void> {
  switch (r.kind) {
    case 'instance':
      await clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [r.id] }));
      return;
    case 'volume':
      await clients.ec2.send(new DeleteVolumeCommand({ VolumeId: r.id }));
      return;
    case 'image':
      await clients.ec2.send(new DeregisterImageCommand({ ImageId: r.id }));
      return;
    case 'snapshot':
      await clients.ec2.send(new DeleteSnapshotCommand({ SnapshotId: r.id }));
      return;
    case 'import-task':
      await clients.ec2.send(
        new CancelImportTaskCommand({ ImportTaskId: r.id, CancelReason: 'bootwatch cleanup' }),
      );
      return;
    case 's3-object':
      await clients.s3.send(new DeleteObjectCommand({ Bucket: r.bucket!, Key: r.key ?? r.id }));
      return;
    case 's3-upload': {
      // The upload id is only known to S3: abort every pending upload of this key.
      const list = await clients.s3.send(
        new ListMultipartUploadsCommand({ Bucket: r.bucket!, Prefix: r.key ?? r.id }),
      );
      for (const u of list.Uploads ?? [])
        if (u.Key === (r.key ?? r.id) && u.UploadId)
          await clients.s3.send(
            new AbortMultipartUploadCommand({ Bucket: r.bucket!, Key: u.Key, UploadId: u.UploadId }),
          );
      return;
    }
  }
}

/** Deletes `resources` in dependency order; never throws. */
async function deleteResources(
  clients: AwsClients,
  resources: LedgerResource[],
  runId: string | null,
  ledger?: Ledger,
): Promise<CleanupItem[]> {
  const out: CleanupItem[] = [];
  const sorted = [...resources].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  for (const r of sorted) {
    try {
      await deleteOne(clients, r);
      out.push({ kind: r.kind, id: r.id, runId, ok: true });
      ledger?.markDeleted(r.kind, r.id);
    } catch (err) {
      const code = awsErrorCode(err) ?? '';
      if (GONE.test(code)) {
        out.push({ kind: r.kind, id: r.id, runId, ok: true });
        ledger?.markDeleted(r.kind, r.id);
      } else out.push({ kind: r.kind, id: r.id, runId, ok: false, error: describeAwsError(err) });
    }
  }
  return out;
}

/** Cleans one run's own resources (the run's `finally`). */
export async function cleanupRun(clients: AwsClients, ledger: Ledger): Promise<CleanupItem[]> {
  const items = await deleteResources(clients, ledger.pending(), ledger.entry.runId, ledger);
  ledger.closeIfClean();
  return items;
}

export interface Leftover extends LedgerResource {
  runId: string | null;
  /** Why it was skipped instead of deleted (a run still alive on this host). */
  skipped?: string;
}

function tagOf(tags: { Key?: string; Value?: string }[] | undefined, key: string): string | null {
  return tags?.find((t) => t.Key === key)?.Value ?? null;
}

/** True when a tagged resource belongs to a run that is still going on this host. */
function liveRun(tags: { Key?: string; Value?: string }[] | undefined): boolean {
  const host = tagOf(tags, TAG.host);
  const pid = Number(tagOf(tags, TAG.pid));
  const expires = Date.parse(tagOf(tags, TAG.expires) ?? '');
  if (host !== hostname() || !pid || (expires && expires < Date.now())) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Everything tagged by bootwatch in the region, plus this host's ledgers (S3 keys, import tasks). */
export async function findLeftovers(
  clients: AwsClients,
  o: { runId?: string; all?: boolean; bucket?: string; keyPrefix?: string },
): Promise<Leftover[]> {
  const filters = [
    { Name: `tag:${TAG.managed}`, Values: ['true'] },
    ...(o.runId ? [{ Name: `tag:${TAG.run}`, Values: [o.runId] }] : []),
  ];
  const out: Leftover[] = [];
  const seen = new Set<string>();
  const push = (l: Leftover, tags?: { Key?: string; Value?: string }[]) => {
    if (seen.has(`${l.kind}:${l.id}`)) return;
    seen.add(`${l.kind}:${l.id}`);
    if (!o.all && tags && liveRun(tags)) l.skipped = 'its run is still going on this host (use --all)';
    out.push(l);
  };
  const instances = await describeInstances(clients, [
    ...filters,
    { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
  ]);
  for (const i of instances)
    push({ kind: 'instance', id: i.InstanceId!, runId: tagOf(i.Tags, TAG.run) }, i.Tags);
  // Root volumes go with their instance; one left `available` (a mapping without DeleteOnTermination) would not.
  const volumes = await clients.ec2.send(
    new DescribeVolumesCommand({ Filters: [...filters, { Name: 'status', Values: ['available'] }] }),
  );
  for (const v of volumes.Volumes ?? [])
    push({ kind: 'volume', id: v.VolumeId!, runId: tagOf(v.Tags, TAG.run) }, v.Tags);
  const images = await clients.ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: filters }));
  for (const i of images.Images ?? [])
    push({ kind: 'image', id: i.ImageId!, runId: tagOf(i.Tags, TAG.run) }, i.Tags);
  let token: string | undefined;
  do {
    const snaps = await clients.ec2.send(
      new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: filters, NextToken: token }),
    );
    for (const s of snaps.Snapshots ?? [])
      push({ kind: 'snapshot', id: s.SnapshotId!, runId: tagOf(s.Tags, TAG.run) }, s.Tags);
    token = snaps.NextToken;
  } while (token);
  for (const l of Ledger.all()) {
    if (l.entry.region !== clients.region || (o.runId && l.entry.runId !== o.runId)) continue;
    const live = !o.all && l.isLive();
    for (const r of l.pending())
      push({
        ...r,
        runId: l.entry.runId,
        skipped: live ? 'its run is still going on this host (use --all)' : undefined,
      });
  }
  if (o.bucket) {
    // Objects under the prefix that no ledger knows: left by a run on another host.
    const prefix = o.keyPrefix ?? 'bootwatch/';
    const objs = await clients.s3.send(new ListObjectsV2Command({ Bucket: o.bucket, Prefix: prefix }));
    for (const obj of objs.Contents ?? [])
      if (obj.Key)
        push({
          kind: 's3-object',
          id: obj.Key,
          bucket: o.bucket,
          key: obj.Key,
          runId: obj.Key.slice(prefix.length).split('/')[0] || null,
        });
    const ups = await clients.s3.send(new ListMultipartUploadsCommand({ Bucket: o.bucket, Prefix: prefix }));
    for (const u of ups.Uploads ?? [])
      if (u.Key)
        push({
          kind: 's3-upload',
          id: u.Key,
          bucket: o.bucket,
          key: u.Key,
          runId: u.Key.slice(prefix.length).split('/')[0] || null,
        });
  }
  return out;
}

/** Deletes the leftovers not skipped; closes the ledgers that are then empty. */
export async function cleanupLeftovers(clients: AwsClients, leftovers: Leftover[]): Promise<CleanupItem[]> {
  const items: CleanupItem[] = [];
  const byRun = new Map<string | null, Leftover[]>();
  for (const l of leftovers.filter((x) => !x.skipped)) byRun.set(l.runId, [...(byRun.get(l.runId) ?? []), l]);
  const ledgers = new Map(Ledger.all().map((l) => [l.entry.runId, l]));
  for (const [runId, list] of byRun) {
    const ledger = runId ? ledgers.get(runId) : undefined;
    items.push(...(await deleteResources(clients, list, runId, ledger)));
    ledger?.closeIfClean();
  }
  return items;
}
