/**
 * Runner latencies against the real collector (in-process, fresh embedded database):
 * guest's last console byte → verdict stored at the collector, over real QEMU boots of each
 * arch's kernel; and console line written by the runner → line on the dashboard feed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ARCH_FACTS, ARCHES, type Arch, DEFAULT_ARCH } from '../common/arch.ts';
import { fromRoot } from '../common/repo-root.ts';
import { variantKey } from '../common/variant-names.ts';
import { buildVariant } from '../runners/build/build-kernel.ts';
import { type BootUplink, CollectorClient } from '../runners/collector-client.ts';
import { openEmbeddedCollector } from '../runners/embedded-collector.ts';
import { defaultBusybox } from '../runners/images/busybox.ts';
import { buildInitramfs } from '../runners/images/initramfs.ts';
import { loadMatrix } from '../runners/matrix/load.ts';
import { bootQemu } from '../runners/qemu/boot.ts';
import { prepareSource } from '../runners/source.ts';
import { Spool } from '../runners/spool.ts';
import { debianKernel } from '../test/runners/helpers/debian-kernel.ts';
import type { Benchmark } from './run.ts';

/** The `p`th percentile of `xs`. */
export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function collector() {
  const emb = await openEmbeddedCollector({ dataDir: mkdtempSync(join(tmpdir(), 'bw-bench-')) });
  return {
    emb,
    client: new CollectorClient(emb.url, new Spool(mkdtempSync(join(tmpdir(), 'bw-bench-spool-')))),
  };
}

/**
 * The kernel each arch's verdict boots use: Debian's own where Debian builds one (amd64,
 * arm64), else the riscv64 seed ladder's 04-procfs built here (ccache keeps a rebuild cheap).
 */
async function benchKernel(arch: Arch): Promise<string> {
  if (arch === 'x86_64') return debianKernel('amd64').vmlinuz;
  if (arch === 'arm64') return debianKernel('arm64').vmlinuz;
  const matrix = loadMatrix(fromRoot('examples', `seed-ladder-${arch}.yaml`));
  const v = matrix.variants.find((x) => x.name === variantKey('04-procfs', arch));
  if (!v?.source) throw new Error(`no 04-procfs in the ${arch} seed ladder`);
  const built = await buildVariant(v, await prepareSource(v.source));
  if (!built.image) throw new Error(`${arch} 04-procfs does not build: ${built.input.errors?.[0]}`);
  return built.image;
}

/** Verdict latencies of one arch's boots: each way the console ends a boot. */
async function verdicts(client: CollectorClient, arch: Arch) {
  const kernel = await benchKernel(arch);
  const facts = ARCH_FACTS[arch];
  const sh = '#!/bin/busybox sh\n/bin/busybox --install -s /bin\n';
  // The marker (three times), a halt, a panic. x86's `pc` has ACPI to halt with; the virt
  // machines power off through firmware (PSCI, SBI).
  const ends: { init: string; cmdline: string; markers?: string[] }[] = [
    ...[1, 2, 3].map(() => ({ init: `${sh}echo BOOTWATCH-DONE\nsleep 30\n`, cmdline: 'panic=-1' })),
    {
      init: `${sh}echo halting\npoweroff -f\n`,
      cmdline: arch === 'x86_64' ? 'panic=-1 acpi=off' : 'panic=-1',
      markers: [],
    },
    { init: `${sh}echo bye\nexit 1\n`, cmdline: 'panic=0', markers: [] },
  ];
  const runner: number[] = [];
  const stored: number[] = [];
  for (const end of ends) {
    const box: { up: BootUplink | null } = { up: null };
    let lastByte = 0;
    const r = await bootQemu({
      variant: `bench-verdict-${arch}`,
      arch,
      kernel,
      initrd: buildInitramfs(end.init, defaultBusybox(arch)),
      disk: null,
      initIsScript: true,
      boot: {
        cmdline: `console=${facts.console} ${end.cmdline}`,
        memoryMb: 256,
        cpus: 1,
        machine: facts.machine,
        accel: 'auto',
        timeoutMs: 120_000,
        initramfs: null,
        net: null,
        disk: null,
        markers: end.markers ?? ['BOOTWATCH-DONE'],
      },
      onStart: (input) => {
        box.up = client.openBoot(input);
      },
      onChunk: (b) => {
        lastByte = performance.now();
        box.up?.write(b);
      },
    });
    if (!box.up) throw new Error(`${arch}: the boot never started: ${r.finish.harnessError}`);
    if (r.finish.harnessError) throw new Error(`${arch}: ${r.finish.harnessError}`);
    const d = await box.up.finish(r.finish);
    if (!d.delivered) throw new Error(`${arch}: verdict not stored: ${d.error}`);
    runner.push(r.verdictLatencyMs ?? Number.NaN);
    // The stored-verdict figures are those of the marker ends.
    if (!end.markers) stored.push(performance.now() - lastByte);
  }
  return { runner, stored };
}

export const verdictBenchmark: Benchmark = {
  name: 'runner-verdict',
  description: "time from the guest's last console line to the verdict stored at the collector, per arch",
  async run(report) {
    const { emb, client } = await collector();
    try {
      for (const arch of ARCHES) {
        const { runner, stored } = await verdicts(client, arch);
        // x86_64 keeps the figures' original names; other arches are suffixed.
        const sfx = arch === DEFAULT_ARCH ? '' : `_${arch}`;
        report({
          name: `runner_verdict_latency_p50${sfx}`,
          value: pct(runner, 50),
          unit: 'ms',
          target: '< 1000 (runner decides)',
        });
        report({
          name: `runner_verdict_latency_max${sfx}`,
          value: Math.max(...runner),
          unit: 'ms',
          target: '< 1000 (marker, halt and panic alike)',
        });
        report({
          name: `runner_last_line_to_stored_verdict_p50${sfx}`,
          value: pct(stored, 50),
          unit: 'ms',
          target: '< 200',
        });
        report({
          name: `runner_last_line_to_stored_verdict_max${sfx}`,
          value: Math.max(...stored),
          unit: 'ms',
          target: '< 200',
        });
      }
    } finally {
      await emb.close();
    }
  },
};

/** A dashboard's feed on `base` watching the boot: how long after `sentAt` each `bench line N` came. */
export async function watchBenchLines(base: string, bootId: number, sentAt: Map<number, number>) {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/feed?boot=${bootId}`);
  await new Promise((r) => ws.once('open', r));
  const lat: number[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { type: string; lines?: { text: string }[] };
    if (m.type !== 'lines') return;
    const now = performance.now();
    for (const l of m.lines ?? []) {
      const t = sentAt.get(Number(l.text.match(/bench line (\d+)/)?.[1]));
      if (t !== undefined) lat.push(now - t);
    }
  });
  return { ws, lat };
}

export const feedBenchmark: Benchmark = {
  name: 'runner-feed',
  description: 'time from a console line written by the runner to that line on the dashboard feed',
  async run(report) {
    const { emb, client } = await collector();
    try {
      const up = client.openBoot({ target: 'qemu', variant: 'bench-feed' });
      for (let i = 0; i < 100 && up.bootId == null; i++) await new Promise((r) => setTimeout(r, 20));
      const sentAt = new Map<number, number>();
      const { ws, lat } = await watchBenchLines(emb.url, up.bootId!, sentAt);
      const N = 500;
      for (let i = 0; i < N; i++) {
        const line = `[    ${(i / 100).toFixed(6)}] bench line ${i}: e1000 0000:00:03.0 eth0: (PCI:33MHz:32-bit) 52:54:00:12:34:56\n`;
        sentAt.set(i, performance.now());
        up.write(Buffer.from(line));
        await new Promise((r) => setTimeout(r, 4));
      }
      await up.finish({ endReason: 'marker', status: 'PASS' });
      await new Promise((r) => setTimeout(r, 200));
      ws.close();
      if (!lat.length) throw new Error('no line reached the feed');
      report({ name: 'console_line_to_feed_p50', value: pct(lat, 50), unit: 'ms' });
      report({ name: 'console_line_to_feed_p99', value: pct(lat, 99), unit: 'ms', target: '< 100' });
      report({ name: 'console_lines_seen_on_feed', value: lat.length, unit: `of ${N}` });
    } finally {
      await emb.close();
    }
  },
};
