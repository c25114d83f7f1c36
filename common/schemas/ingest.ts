/**
 * What runners send to the collector: builds, boots, boot finishes and build progress. The
 * collector validates them with these schemas; the types are theirs (`Static<>`).
 */
import { type Static, Type } from '@sinclair/typebox';
import { ARCHES } from '../arch.ts';
import { Id, INT4_MAX, InputTimestamp, Maybe, StringEnum } from './common.ts';

/** KCIDB's vocabulary: FAIL is the kernel's fault, ERROR/MISS the harness's. */
export const STATUSES = ['PASS', 'FAIL', 'ERROR', 'MISS', 'DONE', 'SKIP'] as const;
export type Status = (typeof STATUSES)[number];

export const TARGETS = ['qemu', 'ec2', 'import'] as const;
export type BootTarget = (typeof TARGETS)[number];

/** Why a boot ended, as the runner saw it. */
export const END_REASONS = [
  'marker',
  'shutdown',
  'panic',
  'timeout',
  'guest_exit',
  'harness_error',
  'cancelled',
  'import',
] as const;
export type EndReason = (typeof END_REASONS)[number];

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Text = (maxLength: number, description?: string) =>
  Type.String({ maxLength, ...(description ? { description } : {}) });
// Bounds are the columns': counts and milliseconds are int4, sizes bigint read as JS numbers.
const Count = Type.Integer({ minimum: 0, maximum: INT4_MAX });
const bytes = (description?: string) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...(description ? { description } : {}) });
const Bytes = bytes();
const Ms = Type.Number({ minimum: 0, maximum: INT4_MAX });
/** Free-form metadata: the JSON body parser bounds its depth, this its breadth. */
const Meta = Type.Record(Type.String({ maxLength: 200 }), Type.Unknown(), { maxProperties: 200 });
const IdempotencyKey = Maybe(
  Type.String({ minLength: 1, maxLength: 200, description: 're-sending the same key returns the same id' }),
);

export const KernelSourceInput = Type.Object({
  name: Type.String({
    minLength: 1,
    maxLength: 200,
    description: '`linux-source-6.1`, a git describe, a dir',
  }),
  version: Maybe(Text(200)),
  kind: StringEnum(['tarball', 'git', 'dir'] as const),
  path: Maybe(Text(4096)),
  commit: Maybe(Text(200)),
});
export type KernelSourceInput = Static<typeof KernelSourceInput>;

export const ConfigFragment = Type.Object({ name: Name, content: Text(1 << 20) });
export type ConfigFragment = Static<typeof ConfigFragment>;

/** An option the user asked for that Kconfig did not keep. */
export const DroppedOption = Type.Object({
  option: Text(200),
  requested: Text(4096),
  actual: Type.Union([Text(4096), Type.Null()]),
  reason: Type.Union([
    Text(4096, '`depends on PCI`: the unmet dependency as Kconfig states it'),
    Type.Null(),
  ]),
});
export type DroppedOption = Static<typeof DroppedOption>;

export const ImageSizes = Type.Object({
  image: Maybe(bytes('bzImage (or Image) file size in bytes')),
  vmlinux: Maybe(Bytes),
  text: Maybe(Bytes),
  data: Maybe(Bytes),
  bss: Maybe(Bytes),
});
export type ImageSizes = Static<typeof ImageSizes>;

export const SymbolSize = Type.Object({
  name: Text(1024),
  type: Text(4, 'nm type letter: t/T text, d/D data, b/B bss, r/R rodata'),
  size: Bytes,
});
export type SymbolSize = Static<typeof SymbolSize>;

export const BuildInputSchema = Type.Object(
  {
    idempotencyKey: IdempotencyKey,
    variant: Name,
    matrix: Maybe(Text(4096)),
    source: Maybe(KernelSourceInput),
    arch: Type.Optional(Text(64)),
    baseConfig: Maybe(Text(200)),
    fragments: Type.Optional(Type.Array(ConfigFragment, { maxItems: 500 })),
    config: Maybe(Text(8 << 20, 'the full .config as built')),
    status: StringEnum(STATUSES, 'KCIDB status of the build'),
    exitCode: Maybe(Type.Integer({ minimum: -INT4_MAX - 1, maximum: INT4_MAX })),
    startedAt: InputTimestamp,
    wallMs: Maybe(Ms),
    userMs: Maybe(Ms),
    sysMs: Maybe(Ms),
    sizes: Type.Optional(ImageSizes),
    symbols: Type.Optional(Type.Array(SymbolSize, { maxItems: 2_000_000 })),
    warnings: Type.Optional(Type.Array(Text(8192), { maxItems: 100_000 })),
    errors: Type.Optional(Type.Array(Text(8192), { maxItems: 100_000 })),
    dropped: Type.Optional(Type.Array(DroppedOption, { maxItems: 100_000 })),
    compiler: Maybe(Text(1000)),
    command: Maybe(Text(8192)),
    logTail: Maybe(Text(1 << 20, 'last part of the build log, for a build that failed')),
    host: Maybe(Text(255)),
    systemMap: Maybe(Text(64 << 20, 'System.map text, kept for symbolizing traces')),
  },
  { description: 'A kernel build as a runner reports it' },
);
export type BuildInput = Static<typeof BuildInputSchema>;

export const BootInputSchema = Type.Object(
  {
    buildId: Maybe(Id()),
    variant: Maybe(Name),
    target: StringEnum(TARGETS),
    machine: Maybe(Text(500, '`qemu-system-x86_64 -M pc`, `t3.micro`, ...')),
    accel: Maybe(Text(100, '`kvm`, `tcg`, `nitro`, ...')),
    cmdline: Maybe(Text(8192)),
    memoryMb: Maybe(Count),
    cpus: Maybe(Count),
    startedAt: Type.Optional(InputTimestamp),
    host: Maybe(Text(255)),
    initIsScript: Type.Optional(
      Type.Boolean({ description: 'the /init the runner gave is a script: sharper diagnosis' }),
    ),
    arch: Type.Optional(StringEnum(ARCHES, 'the guest architecture the runner booted')),
    idempotencyKey: IdempotencyKey,
    meta: Type.Optional(Meta),
  },
  { description: 'A boot about to stream its console' },
);
export type BootInput = Static<typeof BootInputSchema>;

export const BootCheck = Type.Object({
  name: Text(200),
  ok: Type.Boolean(),
  detail: Maybe(Text(8192)),
  harness: Type.Optional(
    Type.Boolean({ description: "the harness's own bookkeeping (cleanup): never fails the boot" }),
  ),
});
export type BootCheck = Static<typeof BootCheck>;

export const BootFinishSchema = Type.Object(
  {
    endReason: StringEnum(END_REASONS),
    status: Type.Optional(StringEnum(STATUSES)),
    harnessError: Maybe(Text(8192, 'what went wrong in the harness (QEMU would not start, ...)')),
    finishedAt: Type.Optional(InputTimestamp),
    durationMs: Maybe(Ms),
    checks: Type.Optional(Type.Array(BootCheck, { maxItems: 1000 })),
    consoleBytes: Maybe(bytes('console bytes the runner sent: tells a complete stream')),
  },
  { description: 'How a boot ended, as the runner saw it' },
);
export type BootFinishInput = Static<typeof BootFinishSchema>;

/** `POST /api/builds/progress`: live build progress, pushed to the feed, never stored. */
export const BuildProgressSchema = Type.Object({
  variant: Name,
  buildId: Maybe(Id()),
  phase: Type.String({ minLength: 1, maxLength: 100 }),
  percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  message: Type.Optional(Text(2000)),
});
export type BuildProgressInput = Static<typeof BuildProgressSchema>;
