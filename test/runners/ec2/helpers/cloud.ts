/** Shared set-up for the EC2 tests: the fake AWS in the environment, an isolated cache, a small disk. */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AwsCall, type AwsClients, createAwsClients } from '../../../../runners/ec2/aws.ts';
import { type Ec2Image, hashDisk } from '../../../../runners/ec2/image.ts';
import type { Ec2Arch } from '../../../../runners/ec2/instance-arch.ts';
import { type Ec2Settings, resolveEc2Settings } from '../../../../runners/ec2/settings.ts';
import type { Ec2Spec } from '../../../../runners/matrix/ec2-schema.ts';
import { type FakeAws, startFakeAws } from '../../../helpers/fake-aws/server.ts';

export const BOOT_LOG = readFileSync(
  new URL('../../../fixtures/logs/07-block-initcall-debug.log', import.meta.url),
);

/** What the fake AWS's `state.live()` answers when nothing a run created is left. */
export const NOTHING_LIVE = {
  instances: [],
  images: [],
  snapshots: [],
  objects: [],
  uploads: [],
  importTasks: [],
};

const BIN = new URL('../../../../bin/bootwatch', import.meta.url).pathname;

/** `bin/bootwatch args` as a user runs it, in a child process with `env` added to this one's. */
export function bootwatch(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (err += b));
  return { child, done: new Promise((r) => child.on('close', (code) => r({ code, out, err }))) };
}

export interface CloudEnv {
  aws: FakeAws;
  cache: string;
  restore(): Promise<void>;
}

/** Starts the fake AWS and points this process's SDK and cache at it and a temp dir. */
export async function cloudEnv(): Promise<CloudEnv> {
  const saved = { ...process.env };
  const aws = await startFakeAws();
  const cache = mkdtempSync(join(tmpdir(), 'bootwatch-ec2-test-'));
  Object.assign(process.env, aws.env, { BOOTWATCH_CACHE: cache });
  delete process.env.AWS_PROFILE;
  return {
    aws,
    cache,
    restore: async () => {
      process.env = saved;
      await aws.close();
    },
  };
}

/** A sparse disk of `mb` MiB with a few data blocks scattered in it. */
export function smallDisk(dir: string, mb = 8, arch: Ec2Arch = 'x86_64'): Ec2Image {
  const path = join(dir, `disk-${mb}.raw`);
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4096, 0xa5);
  for (const at of [0, 1 << 20, 3 * (1 << 20) + 12345, mb * (1 << 20) - 4096])
    writeSync(fd, block, 0, block.length, at);
  closeSync(fd);
  const { sha256, dataBytes } = hashDisk(path);
  return {
    path,
    arch,
    sha256,
    sizeBytes: mb << 20,
    dataBytes,
    cmdline: 'console=ttyS0,115200n8 root=PARTUUID=x',
    entry: 'uki',
    root: path,
    initrd: null,
    modules: [],
    layout: { sizeBytes: mb << 20, partitions: [] },
    buildMs: 0,
    cached: false,
  };
}

export function settings(spec: Ec2Spec = {}, arch: Ec2Arch = 'x86_64'): Ec2Settings {
  return resolveEc2Settings(
    { region: 'eu-west-1', pollSeconds: 0.02, maxMinutes: 1, ...spec },
    {},
    undefined,
    arch,
  );
}

export function clients(calls: AwsCall[] = [], dryRun = false): AwsClients {
  return createAwsClients({ region: 'eu-west-1', dryRun, onCall: (c) => calls.push(c) });
}
