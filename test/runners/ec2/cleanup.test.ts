/**
 * `ec2 cleanup` finds what dead runs left: tagged instances, AMIs and snapshots, and,
 * through this host's ledgers or a bucket listing, S3 objects and half-done multipart
 * uploads; runs still alive on this host are left alone unless asked.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanupLeftovers, findLeftovers } from '../../../runners/ec2/cleanup.ts';
import { Ledger } from '../../../runners/ec2/ledger.ts';
import { type CloudEnv, clients, cloudEnv } from './helpers/cloud.ts';

let env: CloudEnv;
beforeEach(async () => {
  env = await cloudEnv();
});
afterEach(async () => {
  await env.restore();
});

/** A ledger as a run that died (pid gone) would have left it. */
function deadRunLedger(runId: string): Ledger {
  const l = Ledger.open({ runId, variant: 'v', region: 'eu-west-1', maxMinutes: 15 });
  l.entry.pid = 2 ** 22 + 12345; // above pid_max's default: no such process
  l.save();
  return l;
}

describe('ec2 cleanup', () => {
  it("aborts a dead run's multipart upload and deletes objects found in the bucket", async () => {
    const s = env.aws.state;
    s.uploads.set('upload-1', { bucket: 'bw', key: 'bootwatch/bw-dead/v.raw', parts: new Map() });
    s.bucket('bw').set('bootwatch/bw-other-host/v.raw', { size: 10, sha256: '' });
    s.bucket('bw').set('unrelated/file', { size: 1, sha256: '' });
    const l = deadRunLedger('bw-dead');
    l.add({ kind: 's3-upload', id: 'bootwatch/bw-dead/v.raw', bucket: 'bw', key: 'bootwatch/bw-dead/v.raw' });
    const c = clients();
    const found = await findLeftovers(c, { bucket: 'bw' });
    expect(found.map((f) => `${f.kind} ${f.id}`).sort()).toEqual([
      's3-object bootwatch/bw-other-host/v.raw',
      's3-upload bootwatch/bw-dead/v.raw',
    ]);
    const done = await cleanupLeftovers(c, found);
    c.destroy();
    expect(done.every((d) => d.ok)).toBe(true);
    expect(s.uploads.size).toBe(0);
    expect([...s.bucket('bw').keys()]).toEqual(['unrelated/file']);
    expect(Ledger.all()).toEqual([]);
  });

  it('leaves a run that is still going on this host alone, unless --all', async () => {
    const s = env.aws.state;
    const live = Ledger.open({ runId: 'bw-live', variant: 'v', region: 'eu-west-1', maxMinutes: 15 });
    s.snapshots.set('snap-live', {
      id: 'snap-live',
      state: 'completed',
      volumeSize: 1,
      tags: live.tags(),
      blocks: new Map(),
      pendingPolls: 0,
      source: 'ebs',
    });
    live.add({ kind: 'snapshot', id: 'snap-live' });
    const c = clients();
    const found = await findLeftovers(c, {});
    expect(found).toHaveLength(1);
    expect(found[0].skipped).toMatch(/still going/);
    await cleanupLeftovers(c, found);
    expect(s.snapshots.has('snap-live')).toBe(true);
    const all = await findLeftovers(c, { all: true });
    const done = await cleanupLeftovers(c, all);
    c.destroy();
    expect(done).toMatchObject([{ kind: 'snapshot', id: 'snap-live', ok: true }]);
    expect(s.snapshots.size).toBe(0);
  });

  it('deletes in dependency order and keeps going past a failure', async () => {
    const s = env.aws.state;
    const l = deadRunLedger('bw-order');
    s.snapshots.set('snap-1', {
      id: 'snap-1',
      state: 'completed',
      volumeSize: 1,
      tags: l.tags(),
      blocks: new Map(),
      pendingPolls: 0,
      source: 'ebs',
    });
    s.images.set('ami-1', {
      id: 'ami-1',
      name: 'x',
      state: 'available',
      snapshotId: 'snap-1',
      tags: l.tags(),
      params: {},
      pendingPolls: 0,
    });
    s.instances.set('i-1', {
      id: 'i-1',
      imageId: 'ami-1',
      type: 't3.micro',
      state: 'running',
      tags: l.tags(),
      polls: 0,
      params: {},
    });
    s.faults.fail.TerminateInstances = {
      code: 'UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
    };
    const c = clients();
    const done = await cleanupLeftovers(c, await findLeftovers(c, {}));
    c.destroy();
    expect(done.map((d) => [d.kind, d.ok])).toEqual([
      ['instance', false],
      ['image', true],
      ['snapshot', true],
    ]);
    expect(done[0].error).toMatch(/UnauthorizedOperation|not authorized/);
    expect(s.live().instances).toEqual(['i-1']);
  });
});
