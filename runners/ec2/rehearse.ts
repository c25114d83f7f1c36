/**
 * The rehearsal: boots the very disk image that will go to EC2 under QEMU with UEFI
 * firmware (Debian's OVMF for x86_64 on q35, AAVMF for arm64 on virt, as Graviton boots
 * through UEFI) and the disk on NVMe, as on Nitro, before any money is spent.
 * The image is attached with snapshot=on, so the uploaded bytes are the rehearsed bytes.
 */
import { copyFileSync, existsSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ARCH_FACTS } from '../../common/arch.ts';
import { BootwatchError } from '../../common/errors.ts';
import { setting } from '../../common/settings.ts';
import type { BootCheck, BootInput } from '../../common/types/ingest.ts';
import type { LineUpdate } from '../../common/types/parse.ts';
import { ConsoleWatch } from '../console-watch.ts';
import type { ResolvedBoot } from '../matrix/types.ts';
import { chooseAccel, qemuBinary, recordKvm } from '../qemu/accel.ts';
import { serialToFile } from '../qemu/args.ts';
import { type BootRun, bootRun } from '../qemu/boot.ts';
import { ConsoleFile } from '../qemu/console-file.ts';
import { runQemu } from '../qemu/run-qemu.ts';
import type { Ec2Image } from './image.ts';
import type { Ec2Arch } from './instance-arch.ts';

/** UEFI firmware: read-only code and a template of the variable store (null: an empty one). */
interface Firmware {
  code: string;
  vars: string | null;
}

/** QEMU's virt machine maps each of its two flash devices as exactly 64 MiB. */
const VIRT_FLASH_BYTES = 64 << 20;

/** Debian's firmware for the rehearsal of `arch`. */
function findFirmware(arch: Ec2Arch): Firmware {
  if (arch === 'arm64') {
    // qemu-efi-aarch64 ships AAVMF padded for pflash, and the bare QEMU_EFI.fd (padded at boot).
    const known: Firmware[] = [
      { code: '/usr/share/AAVMF/AAVMF_CODE.fd', vars: '/usr/share/AAVMF/AAVMF_VARS.fd' },
      { code: '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd', vars: null },
    ];
    const found = known.find((f) => existsSync(f.code) && (!f.vars || existsSync(f.vars)));
    if (found) return found;
    throw new BootwatchError(
      'harness.failed',
      'arm64 UEFI firmware not found in /usr/share/AAVMF (apt-get install qemu-efi-aarch64)',
    );
  }
  const env = { code: setting('BOOTWATCH_OVMF_CODE'), vars: setting('BOOTWATCH_OVMF_VARS') };
  if (env.code && env.vars) return { code: env.code, vars: env.vars };
  for (const [code, vars] of [
    ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'],
    ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
  ])
    if (existsSync(code) && existsSync(vars)) return { code, vars };
  throw new BootwatchError(
    'harness.failed',
    'OVMF firmware not found in /usr/share/OVMF (apt-get install ovmf)',
  );
}

/** Copies the firmware beside the console file: writable variables, and virt's flash size. */
function firmwareFiles(fw: Firmware, arch: Ec2Arch, dir: string): { code: string; vars: string } {
  const vars = join(dir, 'UEFI_VARS.fd');
  if (fw.vars) copyFileSync(fw.vars, vars);
  if (arch !== 'arm64') return { code: fw.code, vars };
  let code = fw.code;
  if (!fw.vars) {
    code = join(dir, 'UEFI_CODE.fd');
    copyFileSync(fw.code, code);
    truncateSync(code, VIRT_FLASH_BYTES);
    writeFileSync(vars, '');
    truncateSync(vars, VIRT_FLASH_BYTES);
  }
  return { code, vars };
}

export interface RehearsalRequest {
  variant: string | null;
  buildId?: number | null;
  image: Ec2Image;
  /** The EFI kernel inside the image: only for the KVM probe. */
  kernel: string;
  boot: ResolvedBoot;
  initIsScript: boolean;
  onStart?: (input: BootInput) => void;
  onChunk?: (bytes: Buffer) => void;
  onLine?: (u: LineUpdate) => void;
  signal?: AbortSignal;
}

/**
 * The machine of each arch: q35 (PCIe, like a Nitro instance) for x86_64; for arm64 virt
 * with `-cpu max` and a GICv3 (Graviton's interrupt controller, whose ITS gives NVMe and
 * ENA their MSI-X), booted by AAVMF, which hands the kernel ACPI tables as Graviton does.
 */
function machineArgs(arch: Ec2Arch): string[] {
  if (arch === 'arm64') return ['-M', 'virt,gic-version=3', '-cpu', ARCH_FACTS.arm64.cpu ?? 'max'];
  return ['-M', 'q35'];
}

/** argv for a UEFI + NVMe boot of `disk`. */
function rehearsalArgs(o: {
  arch: Ec2Arch;
  disk: string;
  code: string;
  vars: string;
  accel: 'kvm' | 'tcg';
  memoryMb: number;
  cpus: number;
  consoleFile: string;
}): string[] {
  return [
    ...machineArgs(o.arch),
    '-accel',
    o.accel,
    '-m',
    String(o.memoryMb),
    '-smp',
    String(o.cpus),
    '-nodefaults',
    '-no-reboot',
    '-display',
    'none',
    '-monitor',
    'none',
    ...serialToFile(o.consoleFile),
    '-drive',
    `if=pflash,format=raw,readonly=on,file=${o.code}`,
    '-drive',
    `if=pflash,format=raw,file=${o.vars}`,
    '-drive',
    `file=${o.disk},if=none,id=nv0,format=raw,snapshot=on`,
    '-device',
    'nvme,serial=bootwatch0,drive=nv0',
  ];
}

/** Boots the image once; falls back to TCG when KVM dies before the firmware speaks. */
export async function rehearse(req: RehearsalRequest): Promise<BootRun> {
  const choice = await chooseAccel(req.boot.accel, req.kernel, undefined, req.image.arch);
  const run = await rehearseOnce(req, choice.accel, choice.reason);
  if (
    choice.accel === 'kvm' &&
    req.boot.accel === 'auto' &&
    run.finish.endReason === 'harness_error' &&
    run.console.length === 0
  ) {
    await recordKvm(false, run.finish.harnessError ?? 'KVM boot failed');
    return rehearseOnce(req, 'tcg', `KVM failed: ${run.finish.harnessError}`);
  }
  return run;
}

async function rehearseOnce(
  req: RehearsalRequest,
  accel: 'kvm' | 'tcg',
  accelNote: string | null,
): Promise<BootRun> {
  const { boot, image } = req;
  const fw = findFirmware(image.arch);
  // UEFI plus a distro kernel wants more than a bare -kernel boot; EC2's smallest types have 1 GiB.
  const memoryMb = Math.max(boot.memoryMb, 512);
  return ConsoleFile.use(async (consoleFile) => {
    // Writable UEFI variables live beside the console file and go with it.
    const { code, vars } = firmwareFiles(fw, image.arch, consoleFile.dir);
    const args = rehearsalArgs({
      arch: image.arch,
      disk: image.path,
      code,
      vars,
      accel,
      memoryMb,
      cpus: boot.cpus,
      consoleFile: consoleFile.path,
    });
    const input: BootInput = {
      buildId: req.buildId ?? null,
      variant: req.variant,
      target: 'qemu',
      machine: `${qemuBinary(image.arch)} ${machineArgs(image.arch).join(' ')} (${image.arch === 'arm64' ? 'AAVMF' : 'OVMF'}, NVMe)`,
      accel,
      cmdline: image.cmdline,
      memoryMb,
      cpus: boot.cpus,
      startedAt: new Date().toISOString(),
      host: hostname(),
      initIsScript: req.initIsScript,
      meta: {
        rehearsal: true,
        markers: boot.markers,
        qemuArgs: args,
        accelNote,
        firmware: fw.code,
        image: image.path,
        imageSha256: image.sha256,
        entry: image.entry,
        diskBus: 'nvme',
      },
    };
    const watch = new ConsoleWatch({
      markers: boot.markers,
      cmdline: image.cmdline,
      initIsScript: req.initIsScript,
      onLine: req.onLine,
    });
    const t0 = performance.now();
    req.onStart?.(input);
    const run = await runQemu({
      binary: qemuBinary(image.arch),
      args,
      consoleFile,
      watch,
      timeoutMs: boot.timeoutMs,
      signal: req.signal,
      onChunk: req.onChunk,
    });
    const rootAt = run.parse.milestones.root_mounted;
    const sawUserspace =
      run.parse.milestones.init_start !== undefined || run.parse.milestones.userspace !== undefined;
    const check: BootCheck = {
      name: 'uefi-nvme-root',
      ok: rootAt !== undefined || sawUserspace,
      detail:
        rootAt !== undefined
          ? `root on NVMe mounted at ${rootAt ?? '?'}s`
          : sawUserspace
            ? 'userspace ran from the NVMe disk'
            : 'the root on NVMe was never mounted',
    };
    return bootRun(input, run, [check], t0);
  });
}
