/**
 * Real QEMU boots of Debian's prebuilt kernel with a generated busybox initramfs: end of
 * boot from the console (and fast), timeouts, harness errors, the KVM fallback, the net check.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildInitramfs } from '../../runners/images/initramfs.ts';
import { recordKvm } from '../../runners/qemu/accel.ts';
import { type BootRequest, bootQemu } from '../../runners/qemu/boot.ts';
import { bootSpec, initScript } from './helpers/boot-spec.ts';
import { type DebianKernel, debianKernel } from './helpers/debian-kernel.ts';

let k: DebianKernel;
const savedEnv = { ...process.env };

beforeAll(() => {
  k = debianKernel();
}, 300_000);

afterEach(() => {
  process.env = { ...savedEnv };
});

function request(init: string, over: Partial<BootRequest> = {}, boot = bootSpec()): BootRequest {
  return {
    variant: 'test',
    kernel: k.vmlinuz,
    boot,
    initrd: buildInitramfs(init),
    disk: null,
    initIsScript: true,
    ...over,
  };
}

describe('bootQemu with the Debian kernel', () => {
  it('ends at the completion marker, with the verdict within 1 s of the last line', async () => {
    const lines: string[] = [];
    const r = await bootQemu(
      request(initScript('echo hello from init'), { onLine: (u) => lines.push(u.text) }),
    );
    expect(r.outcome).toBe('booted');
    expect(r.finish.endReason).toBe('marker');
    expect(r.finish.status).toBe('PASS');
    expect(r.stage).toBe('userspace');
    expect(['tcg', 'kvm']).toContain(r.input.accel);
    expect(r.console.toString()).toContain('Linux version');
    expect(lines).toContain('hello from init');
    // Decided from the console (how fast: `bootwatch bench --only runner-verdict`).
    expect(r.verdictLatencyMs).not.toBeNull();
    expect(r.finish.consoleBytes).toBe(r.console.length);
  }, 90_000);

  it('loses no console byte while the runner is busy (the guest never waits on us)', async () => {
    // A runner stalled 100 ms on every chunk: through a pipe, QEMU's UART backed up and the
    // guest overwrote characters (stamps cut in half, words missing).
    const busy = () => {
      const until = performance.now() + 100;
      while (performance.now() < until);
    };
    const r = await bootQemu(request(initScript('echo hello from init'), { onChunk: busy }));
    expect(r.outcome).toBe('booted');
    const lines = r.console.toString('latin1').split(/\r?\n/);
    const kernel = lines.filter((l) => l.startsWith('['));
    expect(kernel.length).toBeGreaterThan(100);
    for (const l of kernel) expect(l).toMatch(/^\[ *\d+\.\d{6}\] /);
    // Everything else is the init's own output, whole.
    expect(lines.filter((l) => l && !l.startsWith('['))).toEqual([
      'init: started',
      'hello from init',
      'BOOTWATCH-DONE',
    ]);
    expect(r.parse.kernel.cmdline).toBe(r.input.cmdline);
  }, 120_000);

  it('stops a halted guest that QEMU would keep running (poweroff -f without ACPI)', async () => {
    const boot = bootSpec({ cmdline: 'console=ttyS0 panic=-1 acpi=off', markers: [] });
    const r = await bootQemu(request(initScript('echo halting', 'poweroff -f'), {}, boot));
    expect(r.finish.endReason).toBe('shutdown');
    expect(r.outcome).toBe('booted');
    expect(r.parse.milestones.shutdown).toBeDefined();
    // Decided from the console (how fast: `bootwatch bench --only runner-verdict`).
    expect(r.verdictLatencyMs).not.toBeNull();
    expect(r.durationMs).toBeLessThan(boot.timeoutMs / 2);
  }, 90_000);

  it('calls a panic a panic without waiting for QEMU (panic=0 never reboots)', async () => {
    const boot = bootSpec({ cmdline: 'console=ttyS0 panic=0', markers: [] });
    const r = await bootQemu(request(initScript('echo bye', 'exit 1'), {}, boot));
    expect(r.outcome).toBe('panic');
    expect(r.finish.endReason).toBe('panic');
    expect(r.parse.panic?.reason).toMatch(/Attempted to kill init/);
    // Decided from the console (how fast: `bootwatch bench --only runner-verdict`).
    expect(r.verdictLatencyMs).not.toBeNull();
    expect(r.durationMs).toBeLessThan(boot.timeoutMs / 2);
  }, 90_000);

  it('a guest that never finishes is stalled at the timeout, with its console kept', async () => {
    const boot = bootSpec({ timeoutMs: 45_000 });
    const r = await bootQemu(request(initScript('echo waiting forever', 'sleep 600'), {}, boot));
    expect(r.finish.endReason).toBe('timeout');
    expect(r.outcome).toBe('stalled');
    expect(r.finish.status).toBe('FAIL');
    expect(r.console.toString()).toContain('waiting forever');
  }, 90_000);

  it('a QEMU that cannot start is a harness error, never a kernel failure', async () => {
    process.env.BOOTWATCH_QEMU = '/nonexistent/qemu-system-x86_64';
    const r = await bootQemu(request(initScript(''), {}, bootSpec({ accel: 'tcg' })));
    expect(r.outcome).toBe('error');
    expect(r.finish.endReason).toBe('harness_error');
    expect(r.finish.status).toBe('ERROR');
    expect(r.finish.harnessError).toMatch(/could not start/);
  });

  it('a kernel file QEMU cannot load is a harness error with its message', async () => {
    const r = await bootQemu({
      ...request(initScript('')),
      kernel: '/nonexistent/bzImage',
      boot: bootSpec({ accel: 'tcg' }),
    });
    expect(r.outcome).toBe('error');
    expect(r.finish.harnessError).toMatch(/bzImage/);
    expect(r.stage).toBe('no_output');
  });

  it('falls back to TCG by itself when KVM aborts, and remembers it', async () => {
    // A QEMU whose KVM aborts the way it does on this host class (MSR assertion, SIGABRT).
    const dir = mkdtempSync(join(tmpdir(), 'bw-kvm-'));
    const wrapper = join(dir, 'qemu');
    writeFileSync(
      wrapper,
      `#!/bin/sh\ncase " $* " in *" -accel kvm "*) echo "kvm_buf_set_msrs: Assertion failed." >&2; kill -ABRT $$;; esac\nexec qemu-system-x86_64 "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    process.env.BOOTWATCH_QEMU = wrapper;
    process.env.BOOTWATCH_CACHE = dir;
    await recordKvm(true, null); // as if an earlier probe had passed
    // As if /dev/kvm were usable, whatever this host has: the wrapper decides how KVM fares.
    const r = await bootQemu({ ...request(initScript('echo after fallback')), kvmAccess: () => null });
    expect(r.input.accel).toBe('tcg');
    expect(r.outcome).toBe('booted');
    expect(String(r.input.meta?.accelNote)).toMatch(/KVM failed.*died/);
    expect(JSON.parse(readFileSync(join(dir, 'accel.json'), 'utf8')).kvm).toBe(false);
  }, 120_000);

  it('the e1000 guest answers on the 127.0.0.1 port forward: the net check is a recorded fact', async () => {
    if (!k.e1000) throw new Error('Debian kernel without e1000.ko');
    const init = initScript(
      'insmod /lib/e1000.ko\nip link set dev eth0 up\nip addr add 10.0.2.15/24 dev eth0\necho net-ok | timeout 20 nc -l -p 22',
    );
    const initrd = buildInitramfs(init, '/bin/busybox', { '/lib/e1000.ko': k.e1000 });
    const boot = bootSpec({ net: { model: 'e1000', guestPort: 22, check: true } });
    const r = await bootQemu({ ...request(init, {}, boot), initrd });
    const net = r.finish.checks?.find((c) => c.name === 'net');
    expect(net?.ok).toBe(true);
    expect(net?.detail).toMatch(/net-ok/);
    expect(String((r.input.meta!.qemuArgs as string[]).join(' '))).toMatch(
      /hostfwd=tcp:127\.0\.0\.1:\d+-:22/,
    );
    expect(r.parse.events.some((e) => e.kind === 'probe' && e.driver === 'e1000')).toBe(true);
  }, 120_000);
});
