/**
 * What this agent can run, as it advertises it to the queue: the host's architecture,
 * QEMU when its binary answers, KVM when /dev/kvm opens, EC2 when its operator says the
 * host holds credentials. Flags override what is detected (tests inject all of it).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { AgentCapabilities } from '../../common/schemas/jobs.ts';
import { qemuBinary } from '../qemu/accel.ts';

export interface CapabilityFlags {
  arches?: string[];
  /** false: never take KVM jobs, even when /dev/kvm opens. */
  kvm?: boolean;
  ec2?: boolean;
  maxJobs?: number;
}

const HOST_ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'arm64', riscv64: 'riscv64' };

function qemuWorks(): boolean {
  return spawnSync(qemuBinary(), ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

function kvmOpens(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The capabilities to advertise: detected, then overridden by `f`. */
export function agentCapabilities(f: CapabilityFlags = {}): AgentCapabilities {
  const qemu = qemuWorks();
  return {
    arches: f.arches?.length ? f.arches : [HOST_ARCH[process.arch] ?? process.arch],
    qemu,
    kvm: f.kvm === false ? false : qemu && kvmOpens(),
    ec2: f.ec2 === true,
    maxJobs: f.maxJobs ?? 1,
  };
}
