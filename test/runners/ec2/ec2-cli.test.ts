/**
 * `bootwatch ec2` as a user runs it, in a child process, against the fake AWS and the
 * real collector: the rehearsal and the cloud boot stored as two boots of one variant,
 * Ctrl-C cleaning up, a killed run's leftovers found and deleted by `ec2 cleanup`, and
 * `--dry-run` making no request at all.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeAws, startFakeAws } from '../../helpers/fake-aws/server.ts';
import { initScript } from '../helpers/boot-spec.ts';
import { debianKernel } from '../helpers/debian-kernel.ts';
import { type RealCollector, startRealCollector } from '../helpers/real-collector.ts';
import { BOOT_LOG, NOTHING_LIVE } from './helpers/cloud.ts';

const BIN = new URL('../../../bin/bootwatch', import.meta.url).pathname;
let aws: FakeAws;
let collector: RealCollector;
let dir: string;
let matrix: string;

function writeMatrix(extra = ''): string {
  const k = debianKernel();
  const file = join(dir, 'ec2.yaml');
  const script = initScript('echo "root: $(grep " / " /proc/mounts)"');
  writeFileSync(
    file,
    `name: ec2-cli-test
ec2:
  region: eu-west-1
  pollSeconds: 0.05
  maxMinutes: 2
  tags: { purpose: bootwatch-test }
  image:
    sizeMb: 256
    modules: { dir: ${join(dirname(dirname(k.vmlinuz)), 'lib/modules', k.release)} }
${extra}
variants:
  - name: ec2-debian
    kernel: ${k.vmlinuz}
    target: ec2
    boot:
      timeout: 150
      markers: [BOOTWATCH-DONE]
      disk:
        bus: nvme
        script: ${JSON.stringify(script)}
`,
  );
  return file;
}

function bootwatch(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string; err: string }>;
} {
  const child = spawn(BIN, args, {
    env: { ...process.env, ...aws.env, BOOTWATCH_CACHE: join(dir, 'cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (err += b));
  const done = new Promise<{ code: number | null; out: string; err: string }>((r) =>
    child.on('close', (code) => r({ code, out, err })),
  );
  return { child, done };
}

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const nothingLeft = () => expect(aws.state.live()).toEqual(NOTHING_LIVE);
const ledgers = () => {
  const d = join(dir, 'cache/ec2/runs');
  return existsSync(d) ? readdirSync(d) : [];
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bootwatch-ec2-cli-'));
  collector = await startRealCollector();
  aws = await startFakeAws();
  matrix = writeMatrix();
}, 300_000);

afterAll(async () => {
  await aws?.close();
  await collector?.stop();
});

beforeEach(() => {
  const s = aws.state;
  s.instances.clear();
  s.images.clear();
  s.snapshots.clear();
  s.calls = [];
  s.faults = {
    throttle: {},
    importFails: null,
    silentConsole: false,
    latestUnsupported: false,
    fail: {},
    delay: {},
  };
  s.console = { log: BOOT_LOG, bytesPerPoll: 6000, window: 8192 };
});

describe('bootwatch ec2', () => {
  it('run: rehearses the image (a qemu boot) then boots it on EC2 (an ec2 boot), both stored, nothing left', async () => {
    const { done } = bootwatch(['ec2', 'run', matrix, '--collector', collector.url, '--json']);
    const r = await done;
    expect(r.code, r.err).toBe(0);
    const [row] = JSON.parse(r.out.trim().split('\n').at(-1)!) as {
      outcome: string;
      image: { sha256: string; buildMs: number };
      rehearsal: { outcome: string; bootId: number; durationMs: number };
      cloud: { outcome: string; endReason: string; bootId: number };
    }[];
    expect(row.rehearsal.outcome).toBe('booted');
    expect(row.cloud.outcome).toBe('booted');
    expect(row.cloud.endReason).toBe('shutdown');
    const boots =
      await collector.get<{ id: number; variant: string; target: string; outcome: string }[]>(
        '/api/boots?limit=10',
      );
    const mine = boots.filter((b) => b.variant === 'ec2-debian');
    expect(mine.map((b) => b.target).sort()).toEqual(['ec2', 'qemu']);
    expect(mine.every((b) => b.outcome === 'booted')).toBe(true);
    // The collector holds the EC2 console exactly once, though the windows overlapped.
    expect((await collector.rawConsole(row.cloud.bootId)).equals(BOOT_LOG)).toBe(true);
    const qemu = await collector.get<{ meta?: { imageSha256?: string } }>(
      `/api/boots/${row.rehearsal.bootId}`,
    );
    if (qemu.meta) expect(qemu.meta.imageSha256).toBe(row.image.sha256);
    console.log(`ec2 run: image ${row.image.buildMs} ms, rehearsal ${row.rehearsal.durationMs} ms`);
    nothingLeft();
    expect(ledgers()).toEqual([]);
  }, 300_000);

  it('Ctrl-C during the boot terminates, deregisters and deletes before exiting', async () => {
    aws.state.console = { log: BOOT_LOG, bytesPerPoll: 200, window: 65536 };
    const { child, done } = bootwatch(['ec2', 'run', matrix, '--collector', collector.url, '--no-rehearse']);
    await until('console polls', () => aws.state.count('GetConsoleOutput') >= 3);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.err).toMatch(/interrupted/);
    expect(aws.state.count('TerminateInstances')).toBe(1);
    nothingLeft();
    expect(ledgers()).toEqual([]);
  }, 120_000);

  it('a run killed outright leaves resources that `ec2 cleanup` finds by tag and deletes', async () => {
    aws.state.console = { log: BOOT_LOG, bytesPerPoll: 100, window: 65536 };
    const { child, done } = bootwatch(['ec2', 'run', matrix, '--collector', collector.url, '--no-rehearse']);
    await until('console polls', () => aws.state.count('GetConsoleOutput') >= 3);
    child.kill('SIGKILL');
    await done;
    const left = aws.state.live();
    expect(left.instances).toHaveLength(1);
    expect(left.images).toHaveLength(1);
    expect(left.snapshots).toHaveLength(1);
    expect(ledgers()).toHaveLength(1);
    const list = await bootwatch(['ec2', 'cleanup', '--region', 'eu-west-1', '--list', '--json']).done;
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out).found).toHaveLength(3);
    const r = await bootwatch(['ec2', 'cleanup', '--region', 'eu-west-1', '--json']).done;
    expect(r.code, r.err).toBe(0);
    const { deleted } = JSON.parse(r.out) as { deleted: { kind: string; ok: boolean }[] };
    expect(deleted.map((d) => d.kind)).toEqual(['instance', 'image', 'snapshot']);
    nothingLeft();
    expect(ledgers()).toEqual([]);
  }, 120_000);

  it('--dry-run prints the calls it would make and makes none', async () => {
    const r = await bootwatch(['ec2', 'run', matrix, '--dry-run']).done;
    expect(r.code, r.err).toBe(0);
    expect(aws.state.calls).toEqual([]);
    for (const call of [
      'ebs StartSnapshot',
      'ebs PutSnapshotBlock',
      'ec2 RegisterImage',
      'ec2 RunInstances',
      'ec2 TerminateInstances',
      'ec2 DeleteSnapshot',
    ])
      expect(r.out).toContain(call);
    expect(r.out).toMatch(/"BootMode":"uefi"/);
    expect(r.out).toMatch(/PutSnapshotBlock × \d+ in all/);
  }, 120_000);

  it('guard rails: an instance type outside the allowed list is refused before any call', async () => {
    const r = await bootwatch(['ec2', 'run', matrix, '--instance-type', 'p4d.24xlarge', '--no-rehearse'])
      .done;
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/instance type p4d.24xlarge is not allowed/);
    expect(aws.state.calls).toEqual([]);
  }, 60_000);
});
