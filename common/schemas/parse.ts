/**
 * What the parser makes of a console log: the `parse --json` object of CONTRACT.md and its
 * parts, as TypeBox schemas; common/types/parse.ts names their types for the parser, the
 * storage, the HTTP API, the runners and the dashboard. In responses, events, crashes and
 * initcalls keep every field the parser gives (additionalProperties): new ones reach
 * clients without a schema change.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { ARCHES } from '../arch.ts';
import { CRASH_KINDS } from '../issue-kinds.ts';
import { MILESTONES, type MilestoneName } from '../types/parse.ts';
import { Nullable, StringEnum } from './common.ts';

export { CRASH_KINDS };

export const OUTCOMES = ['booted', 'panic', 'stalled', 'no_output'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const BOOT_OUTCOMES = [...OUTCOMES, 'error'] as const;
/** A boot's outcome: the parser's, or `error` when the harness failed (never blamed on the kernel). */
export type BootOutcome = (typeof BOOT_OUTCOMES)[number];

/** Boot stages, in the order a healthy boot reaches them: how far a boot got, even when it failed. */
export const STAGES = [
  'no_output',
  'firmware',
  'kernel',
  'console',
  'init',
  'userspace',
  'shutdown',
] as const;
export type BootStage = (typeof STAGES)[number];

/** How the parser classified one input line. Every line gets exactly one class. */
export const LINE_CLASSES = ['empty', 'firmware', 'kernel', 'crash', 'userspace', 'harness', 'junk'] as const;
export type LineClass = (typeof LINE_CLASSES)[number];

export type CrashKind = (typeof CRASH_KINDS)[number];

const Time = Nullable(Type.Number({ description: "the kernel's [seconds.micros] stamp of the line" }));
const Line = Type.Integer({ description: '1-based line of the input' });
const open = { additionalProperties: true } as const;
const MaybeText = Type.Optional(Nullable(Type.String()));

/** printk log levels 0-7; null when the line carries no level. */
export const LogLevel = Type.Unsafe<0 | 1 | 2 | 3 | 4 | 5 | 6 | 7>(Type.Integer({ minimum: 0, maximum: 7 }));
export type LogLevel = Static<typeof LogLevel>;

/** Kernel time (seconds) of each stage reached; null when the log has no time for it. */
const MilestoneTime = Type.Optional(Nullable(Type.Number()));
export const Milestones = Type.Object(
  Object.fromEntries(MILESTONES.map((m) => [m, MilestoneTime])) as {
    [K in MilestoneName]: typeof MilestoneTime;
  },
  { description: 'kernel time (s) of each stage reached' },
);
export type Milestones = Static<typeof Milestones>;

const event = <K extends string, P extends Record<string, TSchema>>(
  kind: K,
  props: P,
  description?: string,
) =>
  Type.Object(
    { kind: Type.Literal(kind), line: Line, time: Time, ...props },
    description ? { description } : {},
  );
const Errno = Nullable(Type.Integer());
const ErrnoName = Nullable(Type.String());

const ProbeEvent = event('probe', {
  driver: Type.String(),
  device: Type.String(),
  ok: Type.Boolean(),
  errno: Type.Optional(Type.Integer()),
  errnoName: MaybeText,
  usecs: Type.Optional(Type.Number()),
  message: Type.String(),
});
const ErrorEvent = event('error', {
  errno: Type.Integer(),
  errnoName: ErrnoName,
  message: Type.String(),
  source: StringEnum(['kernel', 'userspace'] as const, 'who printed it: the kernel or a userspace program'),
  level: Type.Optional(Nullable(LogLevel)),
});
const InitExecEvent = event('init_exec', {
  path: Type.String(),
  errno: Nullable(Type.Integer({ description: 'negative errno when the exec failed, null when init ran' })),
  errnoName: ErrnoName,
  implied: Type.Optional(
    Type.Boolean({
      description: 'the kernel said nothing: the failure is implied (-ENOENT of a default init)',
    }),
  ),
  message: Type.String(),
});
const MountFailedEvent = event('mount_failed', {
  source: Nullable(Type.String()),
  target: Nullable(Type.String()),
  fstype: Nullable(Type.String()),
  errno: Errno,
  errnoName: ErrnoName,
  message: Type.String(),
});
const MissingConfigEvent = event('missing_config', { option: Type.String(), message: Type.String() });
const UserspaceEvent = event('userspace', { text: Type.String() });
const MilestoneEvent = event('milestone', { name: StringEnum(MILESTONES) });
const KernelErrorLineEvent = event(
  'kernel_error',
  { message: Type.String(), level: Nullable(LogLevel) },
  'a kernel line at level err or worse (or a known-bad message) that fits no other kind',
);

export const BootEventKinds = Type.Union([
  ProbeEvent,
  ErrorEvent,
  InitExecEvent,
  MountFailedEvent,
  MissingConfigEvent,
  UserspaceEvent,
  MilestoneEvent,
  KernelErrorLineEvent,
]);
export type BootEvent = Static<typeof BootEventKinds>;

/**
 * A boot event as responses carry it: `kind`, `line` and `time` checked, the kind's own
 * fields passed through (serializing a union would try every kind on each of thousands).
 */
export const BootEvent = Type.Unsafe<BootEvent>(
  Type.Object(
    { kind: StringEnum(BootEventKinds.anyOf.map((e) => e.properties.kind.const)), line: Line, time: Time },
    { ...open, description: 'one of the event kinds: probe, error, init_exec, mount_failed, ...' },
  ),
);

export const StackFrame = Type.Object(
  {
    fn: Type.String(),
    offset: Type.Optional(Type.String()),
    module: MaybeText,
    reliable: Type.Boolean({ description: '`?` frames: the unwinder was not sure' }),
    source: Type.Optional(
      Nullable(
        Type.String({ description: 'file:line when the log is already symbolized (decode_stacktrace)' }),
      ),
    ),
  },
  open,
);
export type StackFrame = Static<typeof StackFrame>;

export const Crash = Type.Object(
  {
    kind: StringEnum(CRASH_KINDS),
    title: Type.String({ description: 'one line for grouping across runs, syzbot style: `WARNING in foo`' }),
    line: Type.Integer({ description: 'first line of the report (the header)' }),
    endLine: Type.Integer({ description: 'last line that belongs to the report' }),
    time: Time,
    function: Nullable(
      Type.String({ description: 'the function the title names, when the format gives one' }),
    ),
    location: Nullable(Type.String({ description: '`file:line` the report names, when it does' })),
    file: Nullable(
      Type.String({
        description:
          'the guilty source file for routing to maintainers: the first the report names that is not a header, a library or core plumbing',
      }),
    ),
    signature: Type.String({ description: 'groups reports of one bug across boots: kind:normalised title' }),
    fatal: Type.Boolean({ description: 'the report ended the boot (a panic, or an oops that killed init)' }),
    frames: Type.Array(StackFrame, { description: 'call trace, innermost first' }),
    report: Type.Array(Type.String(), { description: "the report's lines as text, bounded" }),
    corrupted: Type.Optional(
      Type.Boolean({
        description:
          "syzbot's mark for a cut or mangled report: no stack where one belongs, a header lost before it, or no culprit found",
      }),
    ),
  },
  open,
);
export type Crash = Static<typeof Crash>;

export const Initcall = Type.Object(
  {
    fn: Type.String(),
    usecs: Type.Number(),
    ret: Type.Integer(),
    line: Type.Integer(),
    time: Nullable(
      Type.Number({
        description: 'kernel time the call started (the `calling` line), else the return line’s',
      }),
    ),
    module: MaybeText,
  },
  open,
);
export type Initcall = Static<typeof Initcall>;

export const Diagnosis = Type.Object({
  option: Type.String({ description: 'full option name: `CONFIG_BINFMT_SCRIPT`' }),
  reason: Type.String(),
  line: Type.Integer({ description: 'evidence: the line that suggests this option' }),
  rule: Type.String({ description: 'id of the knowledge-table entry that made this suggestion' }),
  confidence: Type.Number({ description: '0..1: how sure the table is that this option fixes the symptom' }),
  evidence: Type.String({ description: "the evidence line's text" }),
});
export type Diagnosis = Static<typeof Diagnosis>;

export const KernelInfo = Type.Object(
  {
    version: Nullable(Type.String()),
    cmdline: Nullable(Type.String()),
    banner: Type.Optional(Nullable(Type.String({ description: 'full `Linux version ...` banner' }))),
    bits: Type.Optional(
      Nullable(
        Type.Union([Type.Literal(32), Type.Literal(64)], {
          description: 'word size when the log gives it away (HIGHMEM/LOWMEM lines mean 32-bit x86)',
        }),
      ),
    ),
  },
  open,
);
export type KernelInfo = Static<typeof KernelInfo>;

export const PanicInfo = Nullable(
  Type.Object({ reason: Type.String(), line: Type.Integer(), time: Type.Optional(Time) }),
);
export type PanicInfo = NonNullable<Static<typeof PanicInfo>>;

const ParseStats = Type.Object(
  {
    lines: Type.Integer(),
    bytes: Type.Integer(),
    byClass: Type.Object(
      Object.fromEntries(LINE_CLASSES.map((c) => [c, Type.Integer()])) as {
        [K in LineClass]: ReturnType<typeof Type.Integer>;
      },
    ),
    truncatedLines: Type.Integer({
      description: 'lines longer than the parser keeps; their tail was not examined',
    }),
    droppedEvents: Type.Integer({ description: 'events not kept once the per-kind cap was reached' }),
    reboots: Type.Integer({ description: 'times the kernel banner reappeared: a reboot inside one log' }),
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
  lastStage: StringEnum(STAGES, 'the furthest stage the log reached'),
  stats: ParseStats,
  arch: Type.Optional(
    Nullable(
      StringEnum(ARCHES, 'the architecture the log comes from (banner, early boot lines, report layout)'),
    ),
  ),
};

/** `bootwatch parse --json`: everything the parser made of one console log. */
export const ParseResult = Type.Object({ ...ParseFields, outcome: StringEnum(OUTCOMES) });
export type ParseResult = Static<typeof ParseResult>;
