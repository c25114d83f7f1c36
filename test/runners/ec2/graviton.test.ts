/**
 * EC2 on Graviton: an arm64 variant (Debian's prebuilt arm64 kernel, modular, so the
 * image's UKI carries its NVMe/ext4 modules) gets the GPT/ESP + ext4 disk with
 * \EFI\BOOT\BOOTAA64.EFI, boots it for real under qemu-system-aarch64 with AAVMF and the
 * root on NVMe, then registers it as an arm64 AMI and launches it on a Graviton type
 * against the fake AWS on 127.0.0.1 (and in a dry run). The architecture guard rail
 * refuses the other arch's instance types before any AWS call.
 */
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOnEc2 } from '../../../runners/ec2/cloud-run.ts';
import { runEc2Variant } from '../../../runners/ec2/run-variant.ts';
import { resolveEc2Settings } from '../../../runners/ec2/settings.ts';
import { listEsp } from '../../../runners/images/esp.ts';
import { loadMatrix } from '../../../runners/matrix/load.ts';
import type { Matrix } from '../../../runners/matrix/types.ts';
import { cacheDir } from '../../../runners/paths.ts';
import { runCommand } from '../../../runners/process.ts';
import { initScript } from '../helpers/boot-spec.ts';
import { debianKernel } from '../helpers/debian-kernel.ts';
import {
  BOOT_LOG,
  bootwatch,
  type CloudEnv,
  clients,
  cloudEnv,
  NOTHING_LIVE,
  settings,
  smallDisk,
} from './helpers/cloud.ts';

let env: CloudEnv;
let file: string;
let matrix: Matrix;

beforeAll(async () => {
  // Resolved before the cache moves to a temp dir: the kernels and Debian's arm64 busybox and
  // systemd stub stay in the real cache, which the temp one reaches through a symlink.
  const arm = debianKernel('arm64');
  const x86 = debianKernel('amd64');
  const multiarch = join(cacheDir(), 'multiarch');
  const modules = (k: typeof arm) => join(dirname(dirname(k.vmlinuz)), 'lib/modules', k.release);
  env = await cloudEnv();
  symlinkSync(multiarch, join(env.cache, 'multiarch'));
  const dir = mkdtempSync(join(tmpdir(), 'bootwatch-graviton-'));
  file = join(dir, 'graviton.yaml');
  const script = initScript('echo "root: $(grep " / " /proc/mounts)"\necho "machine: $(uname -m)"');
  writeFileSync(
    file,
    `name: graviton-test
ec2: { region: eu-west-1, pollSeconds: 0.05, maxMinutes: 2, image: { sizeMb: 256 } }
boot:
  timeout: 300
  markers: [BOOTWATCH-DONE]
  disk: { bus: nvme, script: ${JSON.stringify(script)} }
variants:
  - name: graviton
    arch: arm64
    target: ec2
    kernel: ${arm.vmlinuz}
    ec2: { image: { modules: { dir: ${modules(arm)} } } }
  - name: nitro
    target: ec2
    kernel: ${x86.vmlinuz}
    ec2: { image: { modules: { dir: ${modules(x86)} } } }
`,
  );
  matrix = loadMatrix(file);
}, 300_000);

afterAll(async () => {
  await env?.restore();
});

/** The CLI against the fake AWS, with the test's cache. */
const cli = (args: string[]) => bootwatch(args, { ...env.aws.env, BOOTWATCH_CACHE: env.cache }).done;

/** The PE machine of an EFI application: 0xaa64 is arm64, 0x8664 x86_64. */
function peMachine(pe: Buffer): number {
  return pe.readUInt16LE(pe.readUInt32LE(0x3c) + 4);
}

describe('an arm64 variant on EC2 (Graviton)', () => {
  it('rehearses its disk under qemu-system-aarch64 + AAVMF + NVMe, then registers arm64 and launches t4g.micro', async () => {
    env.aws.state.console = { log: BOOT_LOG, bytesPerPoll: 20_000, window: 65_536 };
    const v = matrix.variants.find((x) => x.name === 'graviton@arm64')!;
    expect(v.arch).toBe('arm64');
    const s = resolveEc2Settings(v.ec2, {}, dirname(file), v.arch);
    expect(s.instanceType).toBe('t4g.micro');
    const r = await runEc2Variant({ variant: v, settings: s, clients: () => clients(), collector: null });
    expect(r.error).toBeNull();

    // The image: \EFI\BOOT\BOOTAA64.EFI, an arm64 PE (systemd's arm64 stub wrapping the kernel).
    const image = r.image!;
    expect(image.arch).toBe('arm64');
    const esp = image.layout.partitions[0].startBytes;
    const files = await listEsp(image.path, esp);
    expect(files).toContain('EFI/BOOT/BOOTAA64.EFI');
    expect(files).not.toContain('EFI/BOOT/BOOTX64.EFI');
    const loader = join(env.cache, 'BOOTAA64.EFI');
    const cp = await runCommand(
      'mcopy',
      ['-n', '-i', `${image.path}@@${esp}`, '::/EFI/BOOT/BOOTAA64.EFI', loader],
      {
        env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
      },
    );
    expect(cp.code, cp.output).toBe(0);
    expect(peMachine(readFileSync(loader))).toBe(0xaa64);
    expect(image.modules.some((m) => m.endsWith('/nvme.ko'))).toBe(true);
    // EC2's console last (ttyS0, /dev/console on Graviton), QEMU virt's before it.
    expect(image.cmdline).toMatch(/^console=ttyAMA0 console=ttyS0,115200n8 /);

    // The rehearsal: a real UEFI boot of that very file, the root on NVMe, ACPI as on Graviton.
    const rehearsal = r.rehearsal!;
    expect(rehearsal.outcome).toBe('booted');
    expect(rehearsal.finish.endReason).toBe('marker');
    expect(rehearsal.input.machine).toMatch(
      /^qemu-system-aarch64 -M virt,gic-version=3 -cpu max \(AAVMF, NVMe\)$/,
    );
    expect(rehearsal.input.accel).toBe('tcg');
    expect(rehearsal.input.meta?.imageSha256).toBe(image.sha256);
    const con = rehearsal.console.toString('latin1');
    expect(con).toMatch(/BdsDxe: (loading|starting) Boot.*NVMe/);
    expect(con).toMatch(/EFI stub: Loaded initrd/);
    expect(con).toMatch(/Linux version \S+-arm64/);
    expect(con).toMatch(/ACPI: SPCR: console: pl011/);
    expect(con).toMatch(/nvme0n1: p1 p2/);
    expect(con).toMatch(/^root: \/dev\/nvme0n1p2 \/ ext4/m);
    expect(con).toMatch(/^machine: aarch64/m);
    expect(rehearsal.finish.checks?.find((c) => c.name === 'uefi-nvme-root')?.ok).toBe(true);

    // The cloud: the same bytes registered as an arm64 AMI and launched on Graviton.
    const cloud = r.cloud!;
    expect(cloud.outcome).toBe('booted');
    expect(cloud.input.machine).toBe('t4g.micro');
    expect(cloud.input.accel).toBe('nitro');
    const calls = env.aws.state.calls;
    expect(calls.find((c) => c.action === 'RegisterImage')?.params).toMatchObject({
      Architecture: 'arm64',
      BootMode: 'uefi',
      EnaSupport: 'true',
    });
    expect(calls.find((c) => c.action === 'RunInstances')?.params).toMatchObject({
      InstanceType: 't4g.micro',
    });
    expect(env.aws.state.live()).toEqual(NOTHING_LIVE);
    console.log(
      `graviton: image ${image.buildMs} ms, rehearsal ${(rehearsal.durationMs / 1000).toFixed(1)} s (tcg)`,
    );
  }, 600_000);

  it('--dry-run prints RegisterImage with Architecture arm64 and RunInstances on t4g.micro, and sends nothing', async () => {
    env.aws.state.calls = [];
    const r = await cli(['ec2', 'run', file, '--only', 'graviton@arm64', '--dry-run']);
    expect(r.code, r.err).toBe(0);
    expect(env.aws.state.calls).toEqual([]);
    const line = (call: string) => r.out.split('\n').find((l) => l.startsWith(call)) ?? '';
    expect(line('ec2 RegisterImage')).toMatch(/"Architecture":"arm64"/);
    expect(line('ec2 RegisterImage')).toMatch(/"BootMode":"uefi"/);
    expect(line('ec2 RunInstances')).toMatch(/"InstanceType":"t4g.micro"/);
  }, 300_000);
});

describe('the architecture guard rail', () => {
  it('refuses t3.micro for the arm64 variant, and t4g.micro for the x86_64 one, before any AWS call', async () => {
    env.aws.state.calls = [];
    const arm = await cli(['ec2', 'run', file, '--only', 'graviton@arm64', '--instance-type', 't3.micro']);
    expect(arm.code).toBe(2);
    expect(arm.err).toMatch(/instance type t3\.micro is x86_64 \(Intel\/AMD\), the image is arm64/);
    const x86 = await cli(['ec2', 'run', file, '--only', 'nitro', '--instance-type', 't4g.micro']);
    expect(x86.code).toBe(2);
    expect(x86.err).toMatch(/instance type t4g\.micro is arm64 \(Graviton\), the image is x86_64/);
    expect(env.aws.state.calls).toEqual([]);
  }, 120_000);

  it('runOnEc2 itself refuses an arm64 image on an x86_64 type before its first call', async () => {
    env.aws.state.calls = [];
    const c = clients();
    const r = await runOnEc2({
      clients: c,
      settings: settings(),
      image: smallDisk(env.cache, 8, 'arm64'),
      variant: 'graviton@arm64',
      boot: { markers: [] },
      initIsScript: false,
    });
    c.destroy();
    expect(r.outcome).toBe('error');
    expect(r.finish.harnessError).toMatch(/t3\.micro is x86_64 .* the image is arm64/);
    expect(env.aws.state.calls).toEqual([]);
  });
});
