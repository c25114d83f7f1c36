/**
 * Does KVM really work here? /dev/kvm can exist while QEMU hangs or aborts under it, so
 * a short probe boot under `-accel kvm` must print the kernel banner; the answer is
 * cached per QEMU version and host kernel, and a KVM abort later flips it to TCG.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { ARCH_FACTS, type Arch, DEFAULT_ARCH } from '../../common/arch.ts';
import { setting } from '../../common/settings.ts';
import { isHostArch } from '../host-arch.ts';
import { cacheDir } from '../paths.ts';
import { runCommand } from '../process.ts';

/** The QEMU binary for a guest arch; `BOOTWATCH_QEMU` overrides x86_64's (tests use a wrapper). */
export function qemuBinary(arch: Arch = DEFAULT_ARCH): string {
  return arch === DEFAULT_ARCH ? setting('BOOTWATCH_QEMU') : ARCH_FACTS[arch].qemu;
}

export interface AccelChoice {
  accel: 'kvm' | 'tcg';
  /** Why KVM is not used, when it is not. */
  reason: string | null;
}

interface ProbeCache {
  key: string;
  kvm: boolean;
  reason: string | null;
  at: string;
}

const cacheFile = () => join(cacheDir(), 'accel.json');
const PROBE_MS = 6000;

async function cacheKey(): Promise<string> {
  const v = await runCommand(qemuBinary(), ['--version']);
  return `${v.output.split('\n')[0]}|${release()}`;
}

function readCache(key: string): ProbeCache | null {
  try {
    const c = JSON.parse(readFileSync(cacheFile(), 'utf8')) as ProbeCache;
    return c.key === key ? c : null;
  } catch {
    return null;
  }
}

/** Records a KVM verdict (also used when a real boot under KVM aborts). */
export async function recordKvm(kvm: boolean, reason: string | null): Promise<void> {
  mkdirSync(cacheDir(), { recursive: true });
  const c: ProbeCache = { key: await cacheKey(), kvm, reason, at: new Date().toISOString() };
  writeFileSync(cacheFile(), JSON.stringify(c));
}

/** Whether this host offers KVM at all: null when it does, else why not. */
export type KvmAccess = () => string | null;

/** The host's answer: /dev/kvm readable and writable by us. */
const hostKvmAccess: KvmAccess = () => {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return null;
  } catch {
    return '/dev/kvm is missing or not accessible';
  }
};

/**
 * Picks the accelerator for `wanted`; `auto` probes KVM once with `kernel` and caches it.
 * `kvmAccess` is the host's state, injectable so tests behave the same on every host.
 */
export async function chooseAccel(
  wanted: 'auto' | 'kvm' | 'tcg',
  kernel: string,
  kvmAccess: KvmAccess = hostKvmAccess,
  arch: Arch = DEFAULT_ARCH,
): Promise<AccelChoice> {
  if (wanted === 'tcg') return { accel: 'tcg', reason: 'tcg requested' };
  // KVM runs only the host's own architecture: a foreign guest is emulated.
  if (!isHostArch(arch)) return { accel: 'tcg', reason: `${arch} guest on a ${process.arch} host` };
  const missing = kvmAccess();
  if (missing) return { accel: 'tcg', reason: missing };
  if (wanted === 'kvm') return { accel: 'kvm', reason: null };
  const key = await cacheKey();
  const hit = readCache(key);
  if (hit)
    return hit.kvm
      ? { accel: 'kvm', reason: null }
      : { accel: 'tcg', reason: `KVM probe failed: ${hit.reason}` };
  const probe = await probeKvm(kernel);
  await recordKvm(probe.ok, probe.reason);
  return probe.ok
    ? { accel: 'kvm', reason: null }
    : { accel: 'tcg', reason: `KVM probe failed: ${probe.reason}` };
}

/** Boots `kernel` under KVM until its banner appears (ok), QEMU dies, or the probe times out. */
function probeKvm(kernel: string, timeoutMs = PROBE_MS): Promise<{ ok: boolean; reason: string | null }> {
  return new Promise((done) => {
    const args = [
      '-accel',
      'kvm',
      '-M',
      'pc',
      '-m',
      '128',
      '-nodefaults',
      '-no-reboot',
      '-display',
      'none',
      '-monitor',
      'none',
      '-serial',
      'stdio',
      '-kernel',
      kernel,
      '-append',
      'console=ttyS0 earlyprintk=serial panic=-1',
    ];
    const child = spawn(qemuBinary(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let settled = false;
    const finish = (ok: boolean, reason: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      done({ ok, reason });
    };
    const timer = setTimeout(
      () => finish(false, `no kernel output within ${timeoutMs / 1000}s under KVM`),
      timeoutMs,
    );
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('latin1');
      if (out.includes('Linux version')) finish(true, null);
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString('utf8');
    });
    child.on('error', (e) => finish(false, e.message));
    child.on('close', (code, signal) => {
      const last = err
        .trim()
        .split('\n')
        .filter((l) => !/warning:/.test(l))
        .pop();
      finish(false, `qemu exited (${signal ?? `code ${code}`})${last ? `: ${last}` : ''}`);
    });
  });
}
