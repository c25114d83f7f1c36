/** The EC2 actions bootwatch calls, over the query protocol with XML answers. */

import { ec2Error, ec2Response, items, tagSet, x } from './query.ts';
import type { FakeAwsState, FakeInstance, FakeTag } from './state.ts';

export interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

type P = Record<string, unknown>;
const list = (p: P, k: string): unknown[] =>
  Array.isArray(p[k]) ? (p[k] as unknown[]) : p[k] === undefined ? [] : [p[k]];
const strs = (p: P, k: string): string[] => list(p, k).map(String);

function specTags(p: P, resourceType: string): FakeTag[] {
  for (const spec of list(p, 'TagSpecification') as P[])
    if (spec.ResourceType === resourceType)
      return (list(spec, 'Tag') as P[]).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? '') }));
  return [];
}

/** Applies EC2 filters (`tag:K`, `tag-key`, `instance-state-name`, `instance-id`) to a resource. */
function matches(p: P, tags: FakeTag[], fields: Record<string, string>): boolean {
  for (const f of list(p, 'Filter') as P[]) {
    const name = String(f.Name);
    const values = strs(f, 'Value');
    if (name.startsWith('tag:')) {
      const t = tags.find((t) => t.Key === name.slice(4));
      if (!t || !values.includes(t.Value)) return false;
    } else if (name === 'tag-key') {
      if (!tags.some((t) => values.includes(t.Key))) return false;
    } else if (name in fields) {
      if (!values.includes(fields[name])) return false;
    }
  }
  return true;
}

const STATE_CODE = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48 } as const;

function instanceXml(i: FakeInstance): string[] {
  return [
    x('instanceId', i.id),
    x('imageId', i.imageId),
    x('instanceType', i.type),
    x('instanceState', [x('code', STATE_CODE[i.state]), x('name', i.state)]),
    x('bootMode', 'uefi'),
    tagSet(i.tags),
  ];
}

const ok = (action: string, body: string[]): Answer => ({ status: 200, body: ec2Response(action, body) });
const err = (code: string, message: string, status = 400): Answer => ({
  status,
  body: ec2Error(code, message),
});

/** The console window an instance shows at its `polls`-th GetConsoleOutput. */
function consoleWindow(s: FakeAwsState, i: FakeInstance): Buffer {
  const c = s.console;
  if (!c || s.faults.silentConsole || i.state === 'pending') return Buffer.alloc(0);
  const revealed = Math.min(c.log.length, i.polls * c.bytesPerPoll);
  if (c.terminateAtEnd && revealed >= c.log.length && i.state === 'running') i.state = 'shutting-down';
  return c.log.subarray(Math.max(0, revealed - c.window), revealed);
}

export function handleEc2(s: FakeAwsState, action: string, p: P): Answer {
  switch (action) {
    case 'DescribeInstances': {
      const ids = strs(p, 'InstanceId');
      const found = [...s.instances.values()].filter(
        (i) =>
          (!ids.length || ids.includes(i.id)) &&
          matches(p, i.tags, { 'instance-state-name': i.state, 'instance-id': i.id }),
      );
      for (const i of found) {
        if (i.state === 'pending') i.state = 'running';
        else if (i.state === 'shutting-down') i.state = 'terminated';
      }
      return ok(action, [
        items(
          'reservationSet',
          found.length ? [[x('reservationId', 'r-fake'), items('instancesSet', found.map(instanceXml))]] : [],
        ),
      ]);
    }
    case 'RunInstances': {
      const img = s.images.get(String(p.ImageId));
      if (!img) return err('InvalidAMIID.NotFound', `The image id '[${p.ImageId}]' does not exist`);
      if (img.state !== 'available') return err('IncorrectState', `Image ${img.id} is not available`);
      const i: FakeInstance = {
        id: s.id('i'),
        imageId: img.id,
        type: String(p.InstanceType),
        state: 'pending',
        tags: specTags(p, 'instance'),
        polls: 0,
        params: p,
      };
      s.instances.set(i.id, i);
      return ok(action, [
        x('reservationId', 'r-fake'),
        x('ownerId', '123456789012'),
        items('instancesSet', [instanceXml(i)]),
      ]);
    }
    case 'TerminateInstances': {
      for (const id of strs(p, 'InstanceId'))
        if (!s.instances.has(id))
          return err('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      const rows = strs(p, 'InstanceId').map((id) => {
        const i = s.instances.get(id);
        const prev = i?.state ?? 'terminated';
        if (i) i.state = 'terminated';
        return [
          x('instanceId', id),
          x('currentState', [x('code', 48), x('name', 'terminated')]),
          x('previousState', [x('code', STATE_CODE[prev]), x('name', prev)]),
        ];
      });
      return ok(action, [items('instancesSet', rows)]);
    }
    case 'GetConsoleOutput': {
      const i = s.instances.get(String(p.InstanceId));
      if (!i) return err('InvalidInstanceID.NotFound', `The instance ID '${p.InstanceId}' does not exist`);
      if (p.Latest === 'true' && s.faults.latestUnsupported)
        return err(
          'UnsupportedOperation',
          'This instance type does not support retrieving the latest console output.',
        );
      if (i.state === 'pending') i.state = 'running';
      i.polls++;
      const out = consoleWindow(s, i);
      return ok(action, [
        x('instanceId', i.id),
        x('timestamp', new Date().toISOString()),
        out.length ? x('output', out.toString('base64')) : '',
      ]);
    }
    case 'DescribeVolumes':
      // Root volumes die with their instance here (DeleteOnTermination): none is ever left.
      return ok(action, [items('volumeSet', [])]);
    case 'RegisterImage': {
      const bdm = (list(p, 'BlockDeviceMapping') as P[])[0];
      const snapId = String((bdm?.Ebs as P | undefined)?.SnapshotId ?? '');
      const snap = s.snapshots.get(snapId);
      if (!snap) return err('InvalidSnapshot.NotFound', `The snapshot '${snapId}' does not exist.`);
      if (snap.state !== 'completed') return err('IncorrectState', `Snapshot ${snapId} is not completed`);
      const id = s.id('ami');
      s.images.set(id, {
        id,
        name: String(p.Name),
        state: 'pending',
        snapshotId: snapId,
        tags: specTags(p, 'image'),
        params: p,
        pendingPolls: s.pendingPolls,
      });
      return ok(action, [x('imageId', id)]);
    }
    case 'DescribeImages': {
      const ids = strs(p, 'ImageId');
      const found = [...s.images.values()].filter(
        (i) => (!ids.length || ids.includes(i.id)) && matches(p, i.tags, {}),
      );
      for (const i of found) if (i.pendingPolls-- <= 0) i.state = 'available';
      return ok(action, [
        items(
          'imagesSet',
          found.map((i) => [
            x('imageId', i.id),
            x('name', i.name),
            x('imageState', i.state),
            x('bootMode', String(i.params.BootMode ?? '')),
            x('enaSupport', String(i.params.EnaSupport ?? 'false')),
            items('blockDeviceMapping', [
              [x('deviceName', '/dev/xvda'), x('ebs', [x('snapshotId', i.snapshotId)])],
            ]),
            tagSet(i.tags),
          ]),
        ),
      ]);
    }
    case 'DeregisterImage': {
      if (!s.images.delete(String(p.ImageId)))
        return err('InvalidAMIID.NotFound', `The image id '[${p.ImageId}]' does not exist`);
      return ok(action, [x('return', 'true')]);
    }
    case 'DescribeSnapshots': {
      const ids = strs(p, 'SnapshotId');
      for (const id of ids)
        if (!s.snapshots.has(id))
          return err('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
      const found = [...s.snapshots.values()].filter(
        (sn) => (!ids.length || ids.includes(sn.id)) && matches(p, sn.tags, {}),
      );
      for (const sn of found) if (sn.state === 'pending' && sn.pendingPolls-- <= 0) sn.state = 'completed';
      return ok(action, [
        items(
          'snapshotSet',
          found.map((sn) => [
            x('snapshotId', sn.id),
            x('status', sn.state),
            x('progress', sn.state === 'completed' ? '100%' : '50%'),
            x('volumeSize', sn.volumeSize),
            tagSet(sn.tags),
          ]),
        ),
      ]);
    }
    case 'DeleteSnapshot': {
      const id = String(p.SnapshotId);
      if ([...s.images.values()].some((i) => i.snapshotId === id))
        return err('InvalidSnapshot.InUse', `The snapshot ${id} is currently in use by an AMI`);
      if (!s.snapshots.delete(id))
        return err('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
      return ok(action, [x('return', 'true')]);
    }
    case 'CreateTags': {
      const tags = (list(p, 'Tag') as P[]).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? '') }));
      for (const id of strs(p, 'ResourceId')) {
        const r = s.snapshots.get(id) ?? s.images.get(id) ?? s.instances.get(id);
        if (!r) return err('InvalidID', `The ID '${id}' is not valid`);
        r.tags = [...r.tags.filter((t) => !tags.some((n) => n.Key === t.Key)), ...tags];
      }
      return ok(action, [x('return', 'true')]);
    }
    case 'ImportSnapshot': {
      const dc = p.DiskContainer as P;
      const ub = dc?.UserBucket as P;
      const obj = s.buckets.get(String(ub?.S3Bucket))?.get(String(ub?.S3Key));
      if (!obj)
        return err(
          'InvalidParameter',
          `The given S3 object is not accessible: s3://${ub?.S3Bucket}/${ub?.S3Key}`,
        );
      const id = s.id('import-snap');
      s.importTasks.set(id, {
        id,
        status: 'active',
        statusMessage: 'pending',
        snapshotId: null,
        bucket: String(ub.S3Bucket),
        key: String(ub.S3Key),
        tags: specTags(p, 'import-snapshot-task'),
        pendingPolls: s.pendingPolls,
      });
      return ok(action, [
        x('importTaskId', id),
        x('snapshotTaskDetail', [x('status', 'active'), x('format', 'RAW')]),
      ]);
    }
    case 'DescribeImportSnapshotTasks': {
      const ids = strs(p, 'ImportTaskId');
      const found = [...s.importTasks.values()].filter((t) => !ids.length || ids.includes(t.id));
      for (const t of found) {
        if (t.status !== 'active' || t.pendingPolls-- > 0) continue;
        if (s.faults.importFails) {
          t.status = 'deleted';
          t.statusMessage = s.faults.importFails;
          continue;
        }
        const obj = s.buckets.get(t.bucket)?.get(t.key);
        const snapId = s.id('snap');
        s.snapshots.set(snapId, {
          id: snapId,
          state: 'completed',
          volumeSize: Math.max(1, Math.ceil((obj?.size ?? 0) / 2 ** 30)),
          tags: [],
          blocks: new Map(),
          pendingPolls: 0,
          source: 'import',
        });
        t.status = 'completed';
        t.statusMessage = '';
        t.snapshotId = snapId;
      }
      return ok(action, [
        items(
          'importSnapshotTaskSet',
          found.map((t) => [
            x('importTaskId', t.id),
            x('snapshotTaskDetail', [
              x('status', t.status),
              x('statusMessage', t.statusMessage || null),
              x('snapshotId', t.snapshotId),
              x('progress', t.status === 'completed' ? null : '42'),
            ]),
            tagSet(t.tags),
          ]),
        ),
      ]);
    }
    case 'CancelImportTask': {
      const t = s.importTasks.get(String(p.ImportTaskId));
      if (!t) return err('InvalidConversionTaskId', `The task ID '${p.ImportTaskId}' does not exist`);
      const prev = t.status;
      if (t.status === 'active') t.status = 'deleted';
      return ok(action, [x('importTaskId', t.id), x('previousState', prev), x('state', t.status)]);
    }
    default:
      return err('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
}
