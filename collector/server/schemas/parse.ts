/**
 * The `parse --json` object as response schemas. Events and crashes keep every field the
 * parser gives (additionalProperties): the kinds carry different fields, documented in
 * common/types/parse.ts, and new ones must reach clients without a schema change here.
 */
import { Type } from '@sinclair/typebox';
import { MILESTONES } from '../../../common/types/parse.ts';
import { Nullable, StringEnum } from './common.ts';

export const OUTCOMES = ['booted', 'panic', 'stalled', 'no_output'] as const;
export const BOOT_OUTCOMES = [...OUTCOMES, 'error'] as const;
export const STAGES = [
  'no_output',
  'firmware',
  'kernel',
  'console',
  'init',
  'userspace',
  'shutdown',
] as const;
export const LINE_CLASSES = ['empty', 'firmware', 'kernel', 'crash', 'userspace', 'harness', 'junk'] as const;

const Time = Nullable(Type.Number());
const open = { additionalProperties: true } as const;

export const KernelInfo = Type.Object(
  { version: Nullable(Type.String()), cmdline: Nullable(Type.String()) },
  { ...open, description: 'version, cmdline, banner, bits' },
);

export const Milestones = Type.Object(Object.fromEntries(MILESTONES.map((m) => [m, Type.Optional(Time)])), {
  description: 'kernel time (s) of each stage reached',
});

export const PanicInfo = Nullable(
  Type.Object({ reason: Type.String(), line: Type.Integer(), time: Type.Optional(Time) }),
);

export const BootEvent = Type.Object(
  { kind: Type.String(), line: Type.Integer(), time: Time },
  { ...open, description: 'one of the BootEvent kinds of common/types/parse.ts' },
);

export const Crash = Type.Object(
  {
    kind: Type.String(),
    title: Type.String(),
    line: Type.Integer(),
    endLine: Type.Integer(),
    time: Time,
    function: Nullable(Type.String()),
    location: Nullable(Type.String()),
    file: Nullable(Type.String({ description: 'guilty source file, for routing to maintainers' })),
    signature: Type.String({ description: 'kind:normalised title; groups reports of one bug' }),
    fatal: Type.Boolean(),
    corrupted: Type.Optional(Type.Boolean()),
    frames: Type.Array(Type.Object({ fn: Type.String(), reliable: Type.Boolean() }, open)),
    report: Type.Array(Type.String()),
  },
  open,
);

export const Initcall = Type.Object(
  { fn: Type.String(), usecs: Type.Number(), ret: Type.Integer(), line: Type.Integer(), time: Time },
  open,
);

export const Diagnosis = Type.Object({
  option: Type.String(),
  reason: Type.String(),
  line: Type.Integer(),
  rule: Type.String(),
  confidence: Type.Number(),
  evidence: Type.String(),
});

export const ParseStats = Type.Object(
  {
    lines: Type.Integer(),
    bytes: Type.Integer(),
    truncatedLines: Type.Integer(),
    droppedEvents: Type.Integer(),
    reboots: Type.Integer(),
  },
  open,
);

/** The `parse --json` fields, without `outcome` (boots answer their own). */
export const ParseFields = {
  kernel: KernelInfo,
  milestones: Milestones,
  panic: PanicInfo,
  crashes: Type.Array(Crash),
  events: Type.Array(BootEvent),
  initcalls: Type.Array(Initcall),
  diagnosis: Type.Array(Diagnosis),
  lastStage: StringEnum(STAGES),
  stats: ParseStats,
};
