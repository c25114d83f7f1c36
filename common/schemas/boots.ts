/** Boots as the API answers them: list rows, the detail (the whole parse object) and console pages. */
import { type Static, Type } from '@sinclair/typebox';
import { ARCHES } from '../arch.ts';
import { ClimbAttemptLink } from './climbs.ts';
import { Nullable, StringEnum, Timestamp } from './common.ts';
import { BootCheck, STATUSES, TARGETS } from './ingest.ts';
import {
  BOOT_OUTCOMES,
  Diagnosis,
  KernelInfo,
  LINE_CLASSES,
  LogLevel,
  Milestones,
  OUTCOMES,
  PanicInfo,
  ParseFields,
  STAGES,
} from './parse.ts';

/** A boot is `running` while its console streams in, `finished` once it has an outcome. */
export const BOOT_STATES = ['running', 'finished'] as const;
export type BootState = (typeof BOOT_STATES)[number];

const Outcome = Nullable(StringEnum(BOOT_OUTCOMES, 'null while the boot runs'));
const BootArch = Nullable(
  StringEnum(ARCHES, 'the guest architecture the runner declared, else what the parser read from the log'),
);

/** One row of `GET /api/boots` (newest first). */
export const BootSummary = Type.Object({
  id: Type.Integer(),
  submittedBy: Nullable(Type.String({ description: 'the name of the token that submitted it' })),
  variant: Nullable(Type.String()),
  buildId: Nullable(Type.Integer()),
  target: StringEnum(TARGETS),
  arch: BootArch,
  machine: Nullable(Type.String()),
  accel: Nullable(Type.String()),
  state: StringEnum(BOOT_STATES),
  outcome: Outcome,
  status: Nullable(StringEnum(STATUSES, 'KCIDB status: FAIL only when the kernel is to blame')),
  startedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  durationMs: Nullable(Type.Number()),
  kernel: KernelInfo,
  panic: PanicInfo,
  milestones: Milestones,
  lastStage: Nullable(StringEnum(STAGES)),
  crashCount: Type.Integer(),
  firstCrash: Nullable(Type.String({ description: 'title of the first crash, for grouping at a glance' })),
  topDiagnosis: Nullable(Diagnosis),
  consoleBytes: Type.Integer(),
  consoleLines: Type.Integer(),
});
export type BootSummary = Static<typeof BootSummary>;

/** `GET /api/boots/:id`: the whole `parse --json` object at top level plus the boot's facts. */
export const BootDetail = Type.Object(
  {
    ...BootSummary.properties,
    ...ParseFields,
    arch: BootArch,
    outcome: Outcome,
    parseOutcome: StringEnum(OUTCOMES, "the parser's own outcome, even when the boot's is `error`"),
    cmdline: Nullable(Type.String()),
    memoryMb: Nullable(Type.Integer()),
    cpus: Nullable(Type.Integer()),
    host: Nullable(Type.String()),
    endReason: Nullable(Type.String()),
    harnessError: Nullable(Type.String()),
    checks: Type.Array(BootCheck),
    meta: Type.Record(Type.String(), Type.Unknown()),
    climbAttempts: Type.Array(ClimbAttemptLink, { description: 'the climb attempts it was booted for' }),
  },
  { description: 'A boot with the whole parse --json object at top level' },
);
export type BootDetail = Static<typeof BootDetail>;

export const ConsoleLine = Type.Object({
  line: Type.Integer(),
  time: Nullable(Type.Number()),
  cls: StringEnum(LINE_CLASSES),
  level: Nullable(LogLevel),
  text: Type.String(),
});
export type ConsoleLine = Static<typeof ConsoleLine>;

/** `GET /api/boots/:id/console?from=&limit=`: a page of display lines. */
export const ConsolePage = Type.Object({
  bootId: Type.Integer(),
  from: Type.Integer(),
  lines: Type.Array(ConsoleLine),
  total: Type.Integer({ description: 'lines stored so far for this boot' }),
  next: Nullable(Type.Integer({ description: '`from` of the next page, null at the end' })),
});
export type ConsolePage = Static<typeof ConsolePage>;

export const OffsetResponse = Type.Object({ offset: Type.Integer() });
export const OutcomeResponse = Type.Object({ outcome: StringEnum(BOOT_OUTCOMES) });

/** `POST /api/logs` and `bin/bootwatch ingest`: the boot made from an uploaded log. */
export const LogUploadResponse = Type.Object({ id: Type.Integer(), outcome: StringEnum(BOOT_OUTCOMES) });
export type LogUploadResponse = Static<typeof LogUploadResponse>;
