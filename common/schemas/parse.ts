/**
 * The `parse --json` object as response schemas, typed as the parser's own types
 * (common/types/parse.ts). Events and crashes keep every field the parser gives
 * (additionalProperties): the kinds carry different fields, documented there, and new ones
 * must reach clients without a schema change here.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import type * as P from '../types/parse.ts';
import { MILESTONES } from '../types/parse.ts';
import { Nullable, StringEnum } from './common.ts';

export const OUTCOMES = ['booted', 'panic', 'stalled', 'no_output'] as const;
export const BOOT_OUTCOMES = [...OUTCOMES, 'error'] as const;
/** A boot's outcome: the parser's, or `error` when the harness failed (never blamed on the kernel). */
export type BootOutcome = (typeof BOOT_OUTCOMES)[number];
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

// The parser's vocabulary and these lists must be the same words: tsc fails when one drifts.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type _SameWords = [
  Holds<Same<(typeof OUTCOMES)[number], P.Outcome>>,
  Holds<Same<(typeof STAGES)[number], P.BootStage>>,
  Holds<Same<(typeof LINE_CLASSES)[number], P.LineClass>>,
];

/** `schema` as the parser's type `T`: an open schema documents part of it and lets the rest through. */
const As = <T>(schema: TSchema) => Type.Unsafe<T>(schema);

const Time = Nullable(Type.Number());
const open = { additionalProperties: true } as const;

/** printk log levels 0-7. */
export const LogLevel = As<P.LogLevel>(Type.Integer({ minimum: 0, maximum: 7 }));

export const KernelInfo = As<P.KernelInfo>(
  Type.Object(
    { version: Nullable(Type.String()), cmdline: Nullable(Type.String()) },
    { ...open, description: 'version, cmdline, banner, bits' },
  ),
);

export const Milestones = As<P.Milestones>(
  Type.Object(Object.fromEntries(MILESTONES.map((m) => [m, Type.Optional(Time)])), {
    description: 'kernel time (s) of each stage reached',
  }),
);

export const PanicInfo = Nullable(
  As<P.PanicInfo>(Type.Object({ reason: Type.String(), line: Type.Integer(), time: Type.Optional(Time) })),
);

export const BootEvent = As<P.BootEvent>(
  Type.Object(
    { kind: Type.String(), line: Type.Integer(), time: Time },
    { ...open, description: 'one of the BootEvent kinds of common/types/parse.ts' },
  ),
);

export const Crash = As<P.Crash>(
  Type.Object(
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
  ),
);

export const Initcall = As<P.Initcall>(
  Type.Object(
    { fn: Type.String(), usecs: Type.Number(), ret: Type.Integer(), line: Type.Integer(), time: Time },
    open,
  ),
);

export const Diagnosis = As<P.Diagnosis>(
  Type.Object({
    option: Type.String(),
    reason: Type.String(),
    line: Type.Integer(),
    rule: Type.String(),
    confidence: Type.Number(),
    evidence: Type.String(),
  }),
);

export const ParseStats = As<P.ParseStats>(
  Type.Object(
    {
      lines: Type.Integer(),
      bytes: Type.Integer(),
      truncatedLines: Type.Integer(),
      droppedEvents: Type.Integer(),
      reboots: Type.Integer(),
    },
    open,
  ),
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
