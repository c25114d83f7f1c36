/**
 * The EC2 lifecycle with the real AWS SDK v3 against the fake AWS on 127.0.0.1: upload
 * (EBS direct or S3 + ImportSnapshot), AMI, instance, the console streamed from
 * overlapping GetConsoleOutput windows, and cleanup on every path.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOnEc2 } from '../../../runners/ec2/cloud-run.ts';
import {
  BOOT_LOG,
  type CloudEnv,
  clients,
  cloudEnv,
  NOTHING_LIVE,
  settings,
  smallDisk,
} from './helpers/cloud.ts';

let env: CloudEnv;
beforeEach(async () => {
  env = await cloudEnv();
});
afterEach(async () => {
  await env.restore();
});

const nothingLeft = () => expect(env.aws.state.live()).toEqual(NOTHING_LIVE);
const ledgers = () =>
  existsSync(join(env.cache, 'ec2/runs')) ? readdirSync(join(env.cache, 'ec2/runs')) : [];
const boot = { markers: ['BOOTWATCH-DONE'] };

describe('runOnEc2 against the fake AWS', () => {
  it('uploads with the EBS direct APIs, boots, streams the console once and cleans up', async () => {
    env.aws.state.console = { log: BOOT_LOG, bytesPerPoll: 3000, window: 4096 };
    const c = clients();
    const chunks: Buffer[] = [];
    const lines: string[] = [];
    const image = smallDisk(env.cache);
    const r = await runOnEc2({
      clients: c,
      settings: settings({ tags: { team: 'kernel' } }),
      image,
      variant: 'ec2-nitro',
      boot,
      initIsScript: true,
      onChunk: (b) => chunks.push(b),
      onLine: (u) => lines.push(u.text),
    });
    c.destroy();
    expect(r.finish.harnessError).toBeNull();
    expect(r.finish.endReason).toBe('shutdown');
    expect(r.outcome).toBe('booted');
    expect(r.input.target).toBe('ec2');
    expect(r.input.machine).toBe('t3.micro');
    expect(r.input.accel).toBe('nitro');
    // Overlapping windows, yet every console byte exactly once and in order.
    expect(Buffer.concat(chunks).equals(BOOT_LOG)).toBe(true);
    expect(r.console.equals(BOOT_LOG)).toBe(true);
    expect(lines.length).toBe(
      BOOT_LOG.toString()
        .split('\n')
        .filter((l, i, a) => i < a.length - 1 || l).length,
    );
    expect(r.parse.kernel.version).toBeTruthy();
    expect(r.consoleGaps).toBe(0);
    const s = env.aws.state;
    // Only the 512 KiB blocks that hold data went up.
    expect(s.count('PutSnapshotBlock')).toBe(4);
    const reg = s.calls.find((x) => x.action === 'RegisterImage')!.params;
    expect(reg).toMatchObject({
      BootMode: 'uefi',
      EnaSupport: 'true',
      Architecture: 'x86_64',
      RootDeviceName: '/dev/xvda',
    });
    const run = s.calls.find((x) => x.action === 'RunInstances')!.params;
    expect(run).toMatchObject({
      InstanceType: 't3.micro',
      InstanceInitiatedShutdownBehavior: 'terminate',
      MinCount: '1',
      MaxCount: '1',
    });
    const tags = JSON.stringify(run.TagSpecification);
    expect(tags).toContain('bootwatch:run');
    expect(tags).toContain(r.runId);
    expect(tags).toContain('"team"');
    expect(
      s.calls.filter((x) => x.action === 'GetConsoleOutput').every((x) => x.params.Latest === 'true'),
    ).toBe(true);
    expect(r.cleanup.map((x) => x.kind).sort()).toEqual(['image', 'instance', 'snapshot']);
    expect(r.leftovers).toEqual([]);
    nothingLeft();
    expect(ledgers()).toEqual([]);
  });

  it('uploads through S3 multipart + ImportSnapshot and deletes the object', async () => {
    env.aws.state.console = { log: BOOT_LOG, bytesPerPoll: 20000, window: 65536 };
    const c = clients();
    const image = smallDisk(env.cache, 40);
    const r = await runOnEc2({
      clients: c,
      settings: settings({ upload: 's3', bucket: 'bw-test' }),
      image,
      variant: 'ec2-s3',
      boot,
      initIsScript: true,
    });
    c.destroy();
    expect(r.outcome).toBe('booted');
    const s = env.aws.state;
    expect(s.count('CreateMultipartUpload')).toBe(1);
    expect(s.count('UploadPart')).toBe(3);
    expect(s.count('CompleteMultipartUpload')).toBe(1);
    const imp = s.calls.find((x) => x.action === 'ImportSnapshot')!.params;
    expect(imp.DiskContainer).toMatchObject({ Format: 'RAW', UserBucket: { S3Bucket: 'bw-test' } });
    expect(s.count('DeleteObject')).toBeGreaterThanOrEqual(1);
    nothingLeft();
    expect(ledgers()).toEqual([]);
  });

  it('a failed import is a harness error, and the S3 object is still removed', async () => {
    env.aws.state.faults.importFails =
      'ClientError: Disk validation failed [Unsupported specified file format]';
    const c = clients();
    const r = await runOnEc2({
      clients: c,
      settings: settings({ upload: 's3', bucket: 'bw-test' }),
      image: smallDisk(env.cache),
      variant: 'v',
      boot,
      initIsScript: true,
    });
    c.destroy();
    expect(r.outcome).toBe('error');
    expect(r.finish.status).toBe('ERROR');
    expect(r.finish.endReason).toBe('harness_error');
    expect(r.finish.harnessError).toMatch(/Disk validation failed/);
    expect(env.aws.state.count('RunInstances')).toBe(0);
    expect(env.aws.state.count('DeleteObject')).toBe(1);
    nothingLeft();
  });

  it('an instance that goes silent after the kernel started is stalled at maxMinutes, and cleaned up', async () => {
    env.aws.state.console = { log: BOOT_LOG.subarray(0, 8000), bytesPerPoll: 4000, window: 65536 };
    const c = clients();
    const r = await runOnEc2({
      clients: c,
      settings: settings({ maxMinutes: 0.02 }),
      image: smallDisk(env.cache),
      variant: 'v',
      boot,
      initIsScript: true,
    });
    c.destroy();
    expect(r.finish.endReason).toBe('timeout');
    expect(r.outcome).toBe('stalled');
    expect(r.finish.status).toBe('FAIL');
    // Stopped by maxMinutes (1.2 s) after waiting it out; a hang is the test timeout's business.
    expect(r.durationMs).toBeGreaterThanOrEqual(0.02 * 60_000);
    expect(env.aws.state.count('TerminateInstances')).toBe(1);
    nothingLeft();
  });

  it('an instance that never prints ends at the timeout as no_output, and is cleaned up', async () => {
    env.aws.state.console = { log: BOOT_LOG, bytesPerPoll: 4000, window: 65536 };
    env.aws.state.faults.silentConsole = true;
    const c = clients();
    const r = await runOnEc2({
      clients: c,
      settings: settings({ maxMinutes: 0.01 }),
      image: smallDisk(env.cache),
      variant: 'v',
      boot,
      initIsScript: true,
    });
    c.destroy();
    expect(r.finish.endReason).toBe('timeout');
    expect(r.outcome).toBe('no_output');
    expect(r.console.length).toBe(0);
    nothingLeft();
  });

  it('rides out throttling: RequestLimitExceeded and RequestThrottledException are retried by the SDK', async () => {
    env.aws.state.console = { log: BOOT_LOG, bytesPerPoll: 30000, window: 65536 };
    env.aws.state.faults.throttle = {
      RunInstances: 2,
      GetConsoleOutput: 1,
      PutSnapshotBlock: 1,
      DescribeSnapshots: 1,
    };
    const c = clients();
    const r = await runOnEc2({
      clients: c,
      settings: settings(),
      image: smallDisk(env.cache),
      variant: 'v',
      boot,
      initIsScript: true,
    });
    c.destroy();
    expect(r.outcome).toBe('booted');
    const s = env.aws.state;
    expect(s.calls.filter((x) => x.action === 'RunInstances').map((x) => x.status)).toEqual([503, 503, 200]);
    expect(s.calls.filter((x) => x.action === 'PutSnapshotBlock' && x.status === 400)).toHaveLength(1);
    expect(s.count('RunInstances')).toBe(1);
    expect(r.console.equals(BOOT_LOG)).toBe(true);
    nothingLeft();
  }, 60_000);

  it('falls back from Latest=true where the instance type does not support it (Xen)', async () => {
    env.aws.state.console = { log: BOOT_LOG, bytesPerPoll: 30000, window: 65536 };
    env.aws.state.faults.latestUnsupported = true;
    const c = clients();
    const r = await runOnEc2({
      clients: c,
      settings: settings({ instanceType: 't2.micro' }),
      image: smallDisk(env.cache),
      variant: 'v',
      boot,
      initIsScript: true,
    });
    c.destroy();
    expect(r.input.accel).toBe('xen');
    expect(r.outcome).toBe('booted');
    expect(r.console.equals(BOOT_LOG)).toBe(true);
    nothingLeft();
  });

  it('Ctrl-C (an abort) mid-boot still deletes everything', async () => {
    env.aws.state.console = { log: BOOT_LOG, bytesPerPoll: 500, window: 65536 };
    const ac = new AbortController();
    const c = clients();
    let n = 0;
    const r = await runOnEc2({
      clients: c,
      settings: settings(),
      image: smallDisk(env.cache),
      variant: 'v',
      boot,
      initIsScript: true,
      signal: ac.signal,
      onChunk: () => {
        if (++n === 5) ac.abort();
      },
    });
    c.destroy();
    expect(r.finish.endReason).toBe('cancelled');
    expect(r.finish.status).toBe('SKIP');
    expect(r.console.length).toBeGreaterThan(0);
    expect(r.console.length).toBeLessThan(BOOT_LOG.length);
    nothingLeft();
    expect(ledgers()).toEqual([]);
  });

  it('a failure at RunInstances cleans up the AMI and the snapshot it left', async () => {
    env.aws.state.faults.fail.RunInstances = {
      code: 'InsufficientInstanceCapacity',
      message: 'We currently do not have sufficient t3.micro capacity',
    };
    const c = clients();
    const r = await runOnEc2({
      clients: c,
      settings: settings(),
      image: smallDisk(env.cache),
      variant: 'v',
      boot,
      initIsScript: true,
    });
    c.destroy();
    expect(r.outcome).toBe('error');
    expect(r.finish.harnessError).toMatch(/InsufficientInstanceCapacity|sufficient t3.micro capacity/);
    expect(r.cleanup.map((x) => x.kind).sort()).toEqual(['image', 'snapshot']);
    nothingLeft();
  });

  it('refuses to start past maxInstances, before uploading anything', async () => {
    env.aws.state.instances.set('i-0000000000000001', {
      id: 'i-0000000000000001',
      imageId: 'ami-1',
      type: 't3.micro',
      state: 'running',
      tags: [{ Key: 'bootwatch:managed', Value: 'true' }],
      polls: 0,
      params: {},
    });
    const c = clients();
    const r = await runOnEc2({
      clients: c,
      settings: settings({ maxInstances: 1 }),
      image: smallDisk(env.cache),
      variant: 'v',
      boot,
      initIsScript: true,
    });
    c.destroy();
    expect(r.outcome).toBe('error');
    expect(r.finish.harnessError).toMatch(/maxInstances is 1/);
    expect(env.aws.state.count('StartSnapshot')).toBe(0);
  });

  it('--dry-run walks the whole flow without a single request', async () => {
    const calls: { command: string }[] = [];
    const c = clients(calls as never, true);
    const r = await runOnEc2({
      clients: c,
      settings: settings(),
      image: smallDisk(env.cache),
      variant: 'v',
      boot,
      initIsScript: true,
    });
    c.destroy();
    expect(env.aws.state.calls).toEqual([]);
    const names = calls.map((x) => x.command);
    for (const n of [
      'DescribeInstances',
      'StartSnapshot',
      'PutSnapshotBlock',
      'CompleteSnapshot',
      'RegisterImage',
      'RunInstances',
      'TerminateInstances',
      'DeregisterImage',
      'DeleteSnapshot',
    ])
      expect(names).toContain(n);
    expect(r.finish.endReason).toBe('cancelled');
  });
});
