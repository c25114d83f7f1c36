/**
 * What runners send: builds, boots, boot finishes, build progress. These validate exactly
 * the shapes of common/types/ingest.ts (checked at compile time below).
 */
import { type Static, Type } from '@sinclair/typebox';
import type { BuildProgressInput } from '../../../common/types/api.ts';
import type { BootFinishInput, BootInput, BuildInput } from '../../../common/types/ingest.ts';
import { Id, INT4_MAX, InputTimestamp, Maybe, StringEnum } from './common.ts';

export const STATUSES = ['PASS', 'FAIL', 'ERROR', 'MISS', 'DONE', 'SKIP'] as const;
export const TARGETS = ['qemu', 'ec2', 'import'] as const;
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

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Text = (maxLength: number) => Type.String({ maxLength });
// Bounds are the columns': counts and milliseconds are int4, sizes bigint read as JS numbers.
const Count = Type.Integer({ minimum: 0, maximum: INT4_MAX });
const Bytes = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Ms = Type.Number({ minimum: 0, maximum: INT4_MAX });
/** Free-form metadata: the JSON body parser bounds its depth, this its breadth. */
const Meta = Type.Record(Type.String({ maxLength: 200 }), Type.Unknown(), { maxProperties: 200 });

export const KernelSourceInput = Type.Object({
  name: Name,
  version: Maybe(Text(200)),
  kind: StringEnum(['tarball', 'git', 'dir'] as const),
  path: Maybe(Text(4096)),
  commit: Maybe(Text(200)),
});

export const ConfigFragment = Type.Object({ name: Name, content: Text(1 << 20) });

export const DroppedOption = Type.Object({
  option: Text(200),
  requested: Text(4096),
  actual: Type.Union([Text(4096), Type.Null()]),
  reason: Type.Union([Text(4096), Type.Null()]),
});

export const ImageSizes = Type.Object({
  image: Maybe(Bytes),
  vmlinux: Maybe(Bytes),
  text: Maybe(Bytes),
  data: Maybe(Bytes),
  bss: Maybe(Bytes),
});

export const SymbolSize = Type.Object({ name: Text(1024), type: Text(4), size: Bytes });

export const BuildInputSchema = Type.Object(
  {
    idempotencyKey: Maybe(Type.String({ minLength: 1, maxLength: 200 })),
    variant: Name,
    matrix: Maybe(Text(4096)),
    source: Maybe(KernelSourceInput),
    arch: Type.Optional(Text(64)),
    baseConfig: Maybe(Text(200)),
    fragments: Type.Optional(Type.Array(ConfigFragment, { maxItems: 500 })),
    config: Maybe(Text(8 << 20)),
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
    logTail: Maybe(Text(1 << 20)),
    host: Maybe(Text(255)),
    systemMap: Maybe(Text(64 << 20)),
  },
  { description: 'A kernel build as a runner reports it' },
);

export const BootInputSchema = Type.Object(
  {
    buildId: Maybe(Id()),
    variant: Maybe(Name),
    target: StringEnum(TARGETS),
    machine: Maybe(Text(500)),
    accel: Maybe(Text(100)),
    cmdline: Maybe(Text(8192)),
    memoryMb: Maybe(Count),
    cpus: Maybe(Count),
    startedAt: Type.Optional(InputTimestamp),
    host: Maybe(Text(255)),
    initIsScript: Type.Optional(Type.Boolean()),
    idempotencyKey: Maybe(Type.String({ minLength: 1, maxLength: 200 })),
    meta: Type.Optional(Meta),
  },
  { description: 'A boot about to stream its console' },
);

export const BootCheck = Type.Object({ name: Text(200), ok: Type.Boolean(), detail: Maybe(Text(8192)) });

export const BootFinishSchema = Type.Object(
  {
    endReason: StringEnum(END_REASONS),
    status: Type.Optional(StringEnum(STATUSES)),
    harnessError: Maybe(Text(8192)),
    finishedAt: Type.Optional(InputTimestamp),
    durationMs: Maybe(Ms),
    checks: Type.Optional(Type.Array(BootCheck, { maxItems: 1000 })),
    consoleBytes: Maybe(Bytes),
  },
  { description: 'How a boot ended, as the runner saw it' },
);

export const BuildProgressSchema = Type.Object({
  variant: Name,
  buildId: Maybe(Id()),
  phase: Type.String({ minLength: 1, maxLength: 100 }),
  percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  message: Type.Optional(Text(2000)),
});

// Compile-time proof that what the schemas accept is what the shared types describe.
type Assignable<T, U extends T> = U;
export type _Checks = [
  Assignable<BuildInput, Static<typeof BuildInputSchema>>,
  Assignable<BootInput, Static<typeof BootInputSchema>>,
  Assignable<BootFinishInput, Static<typeof BootFinishSchema>>,
  Assignable<BuildProgressInput, Static<typeof BuildProgressSchema>>,
];
