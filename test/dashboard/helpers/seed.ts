/**
 * A small lab seeded the way runners feed a collector: builds (config, fragments, sizes,
 * symbols) over POST /api/builds, boots over POST /api/boots, the real fixture console logs
 * as bytes over POST /api/boots/:id/console, then POST /api/boots/:id/finish.
 *
 * The history tells a story the views must show: 03-exec booted twice, then a build without
 * CONFIG_BINFMT_SCRIPT panicked (the console of 02); 05-net grows a little every build.
 */
import { readFileSync } from 'node:fs';
import type { BootFinishInput, BootInput, BuildInput, SymbolSize } from '../../../common/types/ingest.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { ROOT } from './server.ts';

const LADDER = ['01-serial', '02-initrd', '03-exec', '04-procfs', '05-net', '06-timers', '07-block'] as const;
type Step = (typeof LADDER)[number];

function fragment(step: Step): { name: string; content: string } {
  const name = `seed-ladder/${step}.config`;
  return { name, content: readFileSync(`${ROOT}examples/${name}`, 'utf8') };
}

/** Options each step's fragment sets, in ladder order. */
function optionsOf(step: Step): [string, string][] {
  return fragment(step)
    .content.split('\n')
    .filter((l) => l.startsWith('CONFIG_'))
    .map((l) => l.split('=', 2) as [string, string]);
}

/** A .config as Kconfig writes it: every ladder option set or "is not set". */
function configText(upTo: Step, overrides: Record<string, string> = {}): string {
  const on = new Map<string, string>();
  for (const step of LADDER.slice(0, LADDER.indexOf(upTo) + 1))
    for (const [k, v] of optionsOf(step)) on.set(k, v);
  for (const [k, v] of Object.entries(overrides)) on.set(k, v);
  const lines = [
    '#',
    '# Automatically generated file; DO NOT EDIT.',
    '# Linux/x86 6.1.192 Kernel Configuration',
    '#',
  ];
  for (const step of LADDER)
    for (const [k] of optionsOf(step)) {
      const v = on.get(k);
      lines.push(v == null || v === 'n' ? `# ${k} is not set` : `${k}=${v}`);
    }
  return `${lines.join('\n')}\n`;
}

/** Symbols of a build: a core every kernel has plus what the enabled fragments bring. */
function symbolsFor(upTo: Step, opts: { binfmtScript?: boolean; growth?: number } = {}): SymbolSize[] {
  const syms: SymbolSize[] = [
    { name: 'start_kernel', type: 'T', size: 1342 },
    { name: 'printk', type: 'T', size: 84 },
    { name: 'vprintk_emit', type: 'T', size: 612 },
    { name: 'do_execveat_common', type: 't', size: 1480 },
    { name: 'kernel_init', type: 't', size: 296 },
    { name: 'serial8250_console_write', type: 't', size: 704 },
    { name: 'log_buf', type: 'b', size: 131072 },
  ];
  const i = LADDER.indexOf(upTo);
  if (i >= 1)
    syms.push({ name: 'unpack_to_rootfs', type: 't', size: 1024 }, { name: 'gunzip', type: 't', size: 2216 });
  if (i >= 2) {
    if (opts.binfmtScript !== false)
      syms.push(
        { name: 'load_script', type: 't', size: 612 },
        { name: 'script_format', type: 'd', size: 96 },
      );
    syms.push(
      { name: 'load_elf_binary', type: 't', size: 9412 },
      { name: 'elf_format', type: 'd', size: 96 },
    );
  }
  if (i >= 4)
    syms.push(
      { name: 'e1000_probe', type: 't', size: 5832 + (opts.growth ?? 0) },
      { name: 'tcp_v4_rcv', type: 'T', size: 3560 },
      { name: 'ip_rcv', type: 'T', size: 412 },
    );
  if (i >= 6)
    syms.push(
      { name: 'ahci_init_one', type: 't', size: 3112 },
      { name: 'ext4_fill_super', type: 't', size: 14218 },
    );
  return syms.sort((a, b) => a.name.localeCompare(b.name));
}

interface BuildPlan {
  step: Step;
  image: number;
  wallMs: number;
  binfmtScript?: boolean;
  growth?: number;
}

interface BootPlan {
  log: string;
  endReason: BootFinishInput['endReason'];
}

interface VariantPlan {
  name: string;
  builds: [BuildPlan, BootPlan][];
}

const PANIC_01: BootPlan = { log: 'logs/01-serial-no-initrd.log', endReason: 'panic' };
const PANIC_02: BootPlan = { log: 'logs/02-initrd-no-binfmt.log', endReason: 'panic' };
const BOOT_03: BootPlan = { log: 'logs/03-exec-no-net.log', endReason: 'marker' };
const BOOT_05: BootPlan = { log: 'logs/05-net-e1000.log', endReason: 'marker' };
const BOOT_07: BootPlan = { log: 'logs/07-block-initcall-debug.log', endReason: 'marker' };

const PLAN: VariantPlan[] = [
  {
    name: '01-serial',
    builds: [
      [{ step: '01-serial', image: 1_038_336, wallMs: 41_200 }, PANIC_01],
      [{ step: '01-serial', image: 1_038_336, wallMs: 39_800 }, PANIC_01],
    ],
  },
  {
    name: '02-initrd',
    builds: [
      [{ step: '02-initrd', image: 1_071_104, wallMs: 43_100 }, PANIC_02],
      [{ step: '02-initrd', image: 1_071_104, wallMs: 42_700 }, PANIC_02],
    ],
  },
  {
    name: '03-exec',
    builds: [
      [{ step: '03-exec', image: 1_112_064, wallMs: 47_900 }, BOOT_03],
      [{ step: '03-exec', image: 1_112_576, wallMs: 46_300 }, BOOT_03],
      // Someone dropped BINFMT_SCRIPT: the script /init no longer runs.
      [{ step: '03-exec', image: 1_111_552, wallMs: 45_800, binfmtScript: false }, PANIC_02],
    ],
  },
  {
    name: '05-net',
    builds: [
      [{ step: '05-net', image: 1_622_016, wallMs: 71_400 }, BOOT_05],
      [{ step: '05-net', image: 1_626_112, wallMs: 70_100, growth: 96 }, BOOT_05],
      [{ step: '05-net', image: 1_630_208, wallMs: 73_900, growth: 240 }, BOOT_05],
      [{ step: '05-net', image: 1_634_304, wallMs: 72_600, growth: 512 }, BOOT_05],
    ],
  },
  {
    name: '07-block',
    builds: [
      [{ step: '07-block', image: 2_285_568, wallMs: 112_300 }, BOOT_07],
      [{ step: '07-block', image: 2_289_664, wallMs: 118_900 }, BOOT_07],
      [{ step: '07-block', image: 2_293_760, wallMs: 109_400 }, BOOT_07],
    ],
  },
];

const DEBIAN_LOG = 'logs/debian-6.1-amd64-initcall-debug.log';
/** Eight days ago at 08:00 UTC: recent enough to read as a live lab. */
const T0 = Math.floor(Date.now() / 86_400_000 - 8) * 86_400_000 + 8 * 3_600_000;
const DAY = 86_400_000;

export interface SeededLab {
  /** Build ids per variant, oldest first. */
  builds: Record<string, number[]>;
  /** Boot ids per variant, oldest first. */
  boots: Record<string, number[]>;
  /** Build inputs as posted, by build id. */
  inputs: Map<number, BuildInput>;
  debianBoot: number;
}

/**
 * POSTs JSON (or bytes) to the collector and returns the parsed answer; throws on non-2xx.
 * `token`: sent as a bearer token, for a collector with auth on (a runner's BOOTWATCH_TOKEN).
 */
export async function post<T>(base: string, path: string, body: unknown, token?: string): Promise<T> {
  const bytes = body instanceof Uint8Array;
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': bytes ? 'application/octet-stream' : 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: bytes ? Buffer.from(body as Uint8Array) : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function buildInput(variant: string, b: BuildPlan, at: number): BuildInput {
  const droppedBtf = b.step === '07-block';
  return {
    variant,
    matrix: 'examples/seed-ladder.yaml',
    source: {
      name: 'linux-source-6.1',
      version: '6.1.192',
      kind: 'tarball',
      path: '/usr/src/linux-source-6.1.tar.xz',
    },
    arch: 'x86_64',
    baseConfig: 'allnoconfig',
    fragments: LADDER.slice(0, LADDER.indexOf(b.step) + 1).map(fragment),
    config: configText(b.step, b.binfmtScript === false ? { CONFIG_BINFMT_SCRIPT: 'n' } : {}),
    status: 'PASS',
    exitCode: 0,
    startedAt: new Date(at).toISOString(),
    wallMs: b.wallMs,
    userMs: Math.round(b.wallMs * 1.7),
    sysMs: Math.round(b.wallMs * 0.21),
    sizes: {
      image: b.image,
      vmlinux: b.image * 2 + 412_160,
      text: Math.round(b.image * 0.78),
      data: Math.round(b.image * 0.21),
      bss: 262_144,
    },
    symbols: symbolsFor(b.step, { binfmtScript: b.binfmtScript, growth: b.growth }),
    warnings: droppedBtf
      ? ['drivers/ata/libata-core.c:4312:13: warning: unused variable ‘ata_dev_quirks’']
      : [],
    dropped: droppedBtf
      ? [
          {
            option: 'CONFIG_DEBUG_INFO_BTF',
            requested: 'y',
            actual: null,
            reason: 'depends on DEBUG_INFO && !DEBUG_INFO_SPLIT && PAHOLE_VERSION >= 116',
          },
        ]
      : [],
    compiler: 'gcc (Debian 12.2.0-14) 12.2.0',
    command: 'make -j2 bzImage',
    host: 'lab-builder-1',
  };
}

/** Streams a log to a new boot the way a runner does and finishes it. */
export async function runBoot(
  base: string,
  input: BootInput,
  log: Uint8Array,
  end: BootPlan['endReason'],
  token?: string,
) {
  const { id } = await post<{ id: number }>(base, '/api/boots', input, token);
  // Two chunks: the second resumes at the first one's end, as a runner's spool does.
  const half = Math.floor(log.length / 2);
  await post(base, `/api/boots/${id}/console?offset=0`, log.subarray(0, half), token);
  await post(base, `/api/boots/${id}/console?offset=${half}`, log.subarray(half), token);
  await post(
    base,
    `/api/boots/${id}/finish`,
    { endReason: end, durationMs: 2400, consoleBytes: log.length },
    token,
  );
  return id;
}

/** Seeds the lab into the collector at `base` (with `token` when it asks for one). */
export async function seedLab(base: string, opts: { token?: string } = {}): Promise<SeededLab> {
  const { token } = opts;
  const lab: SeededLab = { builds: {}, boots: {}, inputs: new Map(), debianBoot: 0 };
  const longest = Math.max(...PLAN.map((v) => v.builds.length));
  // Interleave variants in time: round r of every variant, then round r + 1.
  for (let round = 0; round < longest; round++)
    for (const [vi, v] of PLAN.entries()) {
      const step = v.builds[round];
      if (!step) continue;
      const [bp, boot] = step;
      const at = T0 + round * DAY + vi * 3_600_000;
      const input = buildInput(v.name, bp, at);
      const { id: buildId } = await post<{ id: number }>(base, '/api/builds', input, token);
      lab.inputs.set(buildId, input);
      lab.builds[v.name] = [...(lab.builds[v.name] ?? []), buildId];
      const bootId = await runBoot(
        base,
        {
          buildId,
          variant: v.name,
          target: 'qemu',
          machine: 'qemu-system-x86_64 -M pc',
          accel: 'kvm',
          cmdline: 'console=ttyS0 panic=-1',
          memoryMb: 256,
          cpus: 1,
          startedAt: new Date(at + bp.wallMs + 60_000).toISOString(),
          host: 'lab-runner-1',
          initIsScript: true,
          idempotencyKey: `seed:${v.name}:${round}`,
        },
        new Uint8Array(fixtureBytes(boot.log)),
        boot.endReason,
        token,
      );
      lab.boots[v.name] = [...(lab.boots[v.name] ?? []), bootId];
    }
  const debian = await post<{ id: number }>(
    base,
    '/api/logs?variant=debian-6.1&target=import',
    new Uint8Array(fixtureBytes(DEBIAN_LOG)),
    token,
  );
  lab.debianBoot = debian.id;
  lab.boots['debian-6.1'] = [debian.id];
  return lab;
}
