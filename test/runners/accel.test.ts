/**
 * The accelerator choice with the host's KVM state injected: the same answers on a host
 * with working KVM, with KVM that aborts, and without /dev/kvm.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseAccel, recordKvm } from '../../runners/qemu/accel.ts';

const savedEnv = { ...process.env };
const usable = () => null;
const absent = () => '/dev/kvm is missing or not accessible';

beforeEach(() => {
  // A fake QEMU that only answers --version: the cache key needs nothing else.
  const dir = mkdtempSync(join(tmpdir(), 'bw-accel-'));
  const qemu = join(dir, 'qemu');
  writeFileSync(qemu, '#!/bin/sh\necho "QEMU emulator version 7.2.0"\n');
  chmodSync(qemu, 0o755);
  process.env.BOOTWATCH_QEMU = qemu;
  process.env.BOOTWATCH_CACHE = dir;
});
afterEach(() => {
  process.env = { ...savedEnv };
});

describe('chooseAccel', () => {
  it('takes TCG when asked, whatever the host offers', async () => {
    expect(await chooseAccel('tcg', '/k', usable)).toEqual({ accel: 'tcg', reason: 'tcg requested' });
  });

  it('falls back to TCG with the reason when the host has no KVM', async () => {
    expect(await chooseAccel('auto', '/k', absent)).toEqual({ accel: 'tcg', reason: absent() });
    expect(await chooseAccel('kvm', '/k', absent)).toEqual({ accel: 'tcg', reason: absent() });
  });

  it('takes KVM when asked and the host has it', async () => {
    expect(await chooseAccel('kvm', '/k', usable)).toEqual({ accel: 'kvm', reason: null });
  });

  it('answers auto from the recorded probe: KVM that worked, KVM that aborted', async () => {
    await recordKvm(true, null);
    expect(await chooseAccel('auto', '/k', usable)).toEqual({ accel: 'kvm', reason: null });
    await recordKvm(false, 'qemu exited (SIGABRT)');
    expect(await chooseAccel('auto', '/k', usable)).toEqual({
      accel: 'tcg',
      reason: 'KVM probe failed: qemu exited (SIGABRT)',
    });
  });
});
