/**
 * The disk an EC2 variant boots from, built locally without loop mounts: GPT, an EFI
 * system partition holding \EFI\BOOT\BOOTX64.EFI, or BOOTAA64.EFI for Graviton (a UKI
 * carrying the command line, or the bare EFI-stub kernel with a built-in one) and an ext4
 * root (busybox, debootstrap, or a variant's own Debian root disk, whole). The same file is
 * rehearsed under QEMU and uploaded, and its sha256 ties the two boots.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { ARCH_FACTS } from '../../common/arch.ts';
import { BootwatchError } from '../../common/errors.ts';
import { defaultBusybox } from '../images/busybox.ts';
import { debootstrapTree, ext4FromTree } from '../images/debootstrap.ts';
import { buildEsp } from '../images/esp.ts';
import { buildGptDisk, type GptLayout, isZero, MiB, PART_TYPE } from '../images/gpt-disk.ts';
import { buildModuleInitramfs } from '../images/module-initramfs.ts';
import { buildRootfs } from '../images/rootfs.ts';
import { buildUki } from '../images/uki.ts';
import { imagesDir } from '../paths.ts';
import type { Ec2Arch } from './instance-arch.ts';
import type { Ec2Settings } from './settings.ts';

/** Fixed PARTUUIDs: `root=PARTUUID=` is then known before the disk exists, on NVMe and Xen alike. */
const ESP_PARTUUID = '6b6f6f74-7761-7463-6800-000000000001';
export const ROOT_PARTUUID = '6b6f6f74-7761-7463-6800-000000000002';
/** buildRootfs labels its ext4 so; the module initramfs finds the root by it. */
const ROOT_LABEL = 'bootwatch-root';

export interface Ec2ImageRequest {
  kernel: string;
  /** The variant's command line (console=, panic=, ...); root= is added here. */
  cmdline: string;
  /** /init of the root filesystem (busybox: required; debootstrap: optional, else /sbin/init). */
  init: string | null;
  /**
   * A finished ext4 root to use whole instead of building one (the Debian disk a variant's
   * `boot.disk.debootstrap` makes, the very file its QEMU boots use); the disk grows to hold it.
   */
  rootDisk?: string | null;
  /** The kernel's architecture (default x86_64): the ESP's loader name, the UKI's stub, the busybox. */
  arch?: Ec2Arch;
  busybox?: string;
  image: Ec2Settings['image'];
  onLine?: (l: string) => void;
}

export interface Ec2Image {
  path: string;
  arch: Ec2Arch;
  sha256: string;
  sizeBytes: number;
  /** Non-zero bytes: what an EBS upload sends. */
  dataBytes: number;
  cmdline: string;
  entry: 'uki' | 'kernel';
  /** The ext4 file copied into the root partition. */
  root: string;
  initrd: string | null;
  modules: string[];
  layout: GptLayout;
  buildMs: number;
  cached: boolean;
}

/**
 * EC2's serial console is ttyS0 on both architectures: on Graviton it is a 16550-compatible
 * UART (the "Amazon PCI serial device", PCI 1d0f:8250, which ACPI's SPCR table names as the
 * console), driven by the 8250 driver, not a PL011 like QEMU virt's ttyAMA0.
 */
export const EC2_TTY = 'ttyS0';
const EC2_CONSOLE = `console=${EC2_TTY},115200n8`;

/** The command line the image boots with: the variant's, EC2's console, and how to find the root. */
export function ec2Cmdline(base: string, opts: { initramfs: boolean; init: boolean }): string {
  const parts = base.split(/\s+/).filter((w) => w && !/^(root|rootfstype|init|rdinit)=/.test(w));
  const consoles = parts.filter((w) => w.startsWith('console='));
  if (!consoles.length) parts.unshift(EC2_CONSOLE);
  // The last console= is /dev/console where it exists: EC2's goes after the variant's own
  // (an arm64 variant's ttyAMA0, for its QEMU rehearsal, is absent on Graviton).
  else if (!consoles.some((w) => /^console=ttyS0(,|$)/.test(w)))
    parts.splice(parts.lastIndexOf(consoles.at(-1)!) + 1, 0, EC2_CONSOLE);
  // EBS volumes on Nitro can pause I/O for a while; AWS's advice is to never time it out.
  parts.push('nvme_core.io_timeout=4294967295');
  if (!opts.initramfs) parts.push(`root=PARTUUID=${ROOT_PARTUUID}`, 'rootfstype=ext4', 'rw', 'rootwait');
  if (opts.init && !opts.initramfs) parts.push('init=/init');
  return parts.join(' ');
}

function fileHash(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** sha256 of a (sparse) disk plus its non-zero byte count. */
export function hashDisk(file: string): { sha256: string; dataBytes: number } {
  const h = createHash('sha256');
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let dataBytes = 0;
  try {
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (!n) break;
      h.update(buf.subarray(0, n));
      if (!isZero(buf, n)) dataBytes += n;
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: h.digest('hex'), dataBytes };
}

/** Builds (or reuses, by content) `<images>/ec2-<hash>.raw`. */
export async function buildEc2Image(req: Ec2ImageRequest): Promise<Ec2Image> {
  const t0 = performance.now();
  const { image } = req;
  const arch: Ec2Arch = req.arch ?? 'x86_64';
  const busybox = req.busybox ?? defaultBusybox(arch);
  if (!existsSync(req.kernel)) throw new BootwatchError('input.invalid', `kernel not found: ${req.kernel}`);
  // GPT's two tables and the 1 MiB alignment take 2 MiB beside the ESP and the root.
  const rootDiskMb = req.rootDisk ? Math.ceil(statSync(req.rootDisk).size / MiB) : 0;
  const sizeMb = Math.max(image.sizeMb, image.espMb + rootDiskMb + 2);
  const rootMb = sizeMb - image.espMb - 2;
  if (rootMb < 16)
    throw new BootwatchError('input.invalid', `a ${image.sizeMb} MiB disk leaves no room for the root`);
  const mods = image.modules
    ? await buildModuleInitramfs({
        releaseDir: image.modules.releaseDir,
        load: image.modules.load,
        optional: image.modules.optional,
        rootLabel: ROOT_LABEL,
        rootInit: req.init ? '/init' : '/sbin/init',
        busybox,
      })
    : null;
  const cmdline = ec2Cmdline(req.cmdline, { initramfs: !!mods, init: !!req.init });
  if (image.entry === 'kernel' && mods)
    throw new BootwatchError(
      'input.invalid',
      'ec2.image.entry: kernel cannot carry an initramfs: use entry: uki for a modular kernel',
    );

  const dir = imagesDir();
  mkdirSync(dir, { recursive: true });
  const tag = `${sizeMb}-${image.espMb}-${image.entry}-${arch}`;
  let rootFile: string;
  let rootKey: string;
  if (req.rootDisk) {
    if (req.init)
      throw new BootwatchError('input.invalid', 'a finished root disk boots its own /sbin/init: no /init');
    rootFile = req.rootDisk;
    // Its maker caches it by content under a stable name; a rebuilt one has another mtime.
    const st = statSync(rootFile);
    rootKey = `${rootFile}:${st.size}:${st.mtimeMs}`;
  } else if (image.debootstrap && arch !== 'x86_64') {
    throw new BootwatchError(
      'input.invalid',
      `ec2.image.debootstrap builds x86_64 roots only; an ${arch} image needs a busybox root (boot.disk)`,
    );
  } else if (image.debootstrap) {
    const tree = await debootstrapTree(image.debootstrap, req.onLine);
    rootKey = `${tree}:${req.init ?? ''}`;
    rootFile = join(
      dir,
      `ec2-root-${createHash('sha256').update(rootKey).digest('hex').slice(0, 16)}-${rootMb}.ext4`,
    );
    if (!existsSync(rootFile)) {
      await ext4FromTree(tree, `${rootFile}.tmp`, rootMb, ROOT_LABEL, req.init);
      renameSync(`${rootFile}.tmp`, rootFile);
    }
  } else {
    if (!req.init)
      throw new BootwatchError(
        'input.invalid',
        'a busybox root needs an /init (boot.disk.init or boot.disk.script)',
      );
    rootFile = await buildRootfs(req.init, busybox, rootMb);
    rootKey = rootFile; // content-addressed by buildRootfs
  }
  const key = createHash('sha256')
    .update([fileHash(req.kernel), cmdline, mods?.path ?? '', rootKey, tag].join('\0'))
    .digest('hex')
    .slice(0, 16);
  const path = join(dir, `ec2-${key}.raw`);
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as Omit<Ec2Image, 'buildMs' | 'cached'>;
    // Images made before `root` was recorded: the same key means the same root.
    return { ...m, root: m.root ?? rootFile, buildMs: Math.round(performance.now() - t0), cached: true };
  }
  const work = join(dir, `ec2-${key}.work.${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    // The removable-media path UEFI firmware (OVMF, AAVMF, EC2's) boots without any boot entry.
    const loader = `BOOT${ARCH_FACTS[arch].uefi}.EFI`;
    const bootEfi = join(work, loader);
    if (image.entry === 'uki')
      await buildUki({ kernel: req.kernel, cmdline, initrd: mods?.path ?? null, out: bootEfi, arch });
    else copyFileSync(req.kernel, bootEfi);
    const cmdFile = join(work, 'cmdline.txt');
    writeFileSync(cmdFile, `${cmdline}\n`);
    // startup.nsh: a UEFI shell (OVMF's, when no boot entry works) chains the kernel with its command line.
    const nsh = join(work, 'startup.nsh');
    writeFileSync(nsh, `fs0:\n\\EFI\\BOOT\\${loader} ${image.entry === 'kernel' ? cmdline : ''}\n`);
    const esp = join(work, 'esp.img');
    await buildEsp(esp, image.espMb, {
      [`EFI/BOOT/${loader}`]: bootEfi,
      'EFI/bootwatch/cmdline.txt': cmdFile,
      'startup.nsh': nsh,
    });
    const tmp = join(work, 'disk.raw');
    const layout = await buildGptDisk(tmp, sizeMb, [
      { name: 'EFI', type: PART_TYPE.esp, uuid: ESP_PARTUUID, file: esp, sizeMb: image.espMb },
      { name: ROOT_LABEL, type: PART_TYPE.linux, uuid: ROOT_PARTUUID, file: rootFile },
    ]);
    const { sha256, dataBytes } = hashDisk(tmp);
    renameSync(tmp, path);
    const out: Omit<Ec2Image, 'buildMs' | 'cached'> = {
      path,
      arch,
      sha256,
      sizeBytes: layout.sizeBytes,
      dataBytes,
      cmdline,
      entry: image.entry,
      root: rootFile,
      initrd: mods?.path ?? null,
      modules: mods?.modules ?? [],
      layout,
    };
    writeFileSync(meta, JSON.stringify(out, null, 2));
    return { ...out, buildMs: Math.round(performance.now() - t0), cached: false };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
