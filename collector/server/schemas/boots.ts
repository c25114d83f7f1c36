/** Boot list, boot detail and console page: response and query schemas. */
import { Type } from '@sinclair/typebox';
import { BootCheck, STATUSES, TARGETS } from '../../../common/schemas/ingest.ts';
import { CsvList, Id, INT4_MAX, Nullable, StringEnum, Timestamp } from './common.ts';
import {
  BOOT_OUTCOMES,
  Diagnosis,
  KernelInfo,
  LINE_CLASSES,
  Milestones,
  OUTCOMES,
  PanicInfo,
  ParseFields,
  STAGES,
} from './parse.ts';

const Outcome = Nullable(StringEnum(BOOT_OUTCOMES));

export const BootSummary = Type.Object({
  id: Type.Integer(),
  submittedBy: Nullable(Type.String({ description: 'the name of the token that submitted it' })),
  variant: Nullable(Type.String()),
  buildId: Nullable(Type.Integer()),
  target: StringEnum(TARGETS),
  machine: Nullable(Type.String()),
  accel: Nullable(Type.String()),
  state: StringEnum(['running', 'finished'] as const),
  outcome: Outcome,
  status: Nullable(StringEnum(STATUSES)),
  startedAt: Timestamp,
  finishedAt: Nullable(Timestamp),
  durationMs: Nullable(Type.Number()),
  kernel: KernelInfo,
  panic: PanicInfo,
  milestones: Milestones,
  lastStage: Nullable(StringEnum(STAGES)),
  crashCount: Type.Integer(),
  firstCrash: Nullable(Type.String()),
  topDiagnosis: Nullable(Diagnosis),
  consoleBytes: Type.Integer(),
  consoleLines: Type.Integer(),
});

export const BootDetail = Type.Object(
  {
    ...BootSummary.properties,
    ...ParseFields,
    outcome: Outcome,
    parseOutcome: StringEnum(OUTCOMES),
    cmdline: Nullable(Type.String()),
    memoryMb: Nullable(Type.Integer()),
    cpus: Nullable(Type.Integer()),
    host: Nullable(Type.String()),
    endReason: Nullable(Type.String()),
    harnessError: Nullable(Type.String()),
    checks: Type.Array(BootCheck),
    meta: Type.Record(Type.String(), Type.Unknown()),
  },
  { description: 'A boot with the whole parse --json object at top level' },
);

export const BootListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  variant: CsvList('variant names'),
  outcome: CsvList(`outcomes: ${BOOT_OUTCOMES.join(', ')}`),
  target: CsvList(`targets: ${TARGETS.join(', ')}`),
  state: Type.Optional(StringEnum(['running', 'finished'] as const)),
  buildId: Type.Optional(Id()),
  before: Type.Optional(Id('boots older than this boot id (next page)')),
  after: Type.Optional(Id('boots newer than this boot id')),
});

export const ConsoleQuery = Type.Object({
  from: Type.Integer({ minimum: 1, maximum: INT4_MAX, default: 1, description: 'first line (1-based)' }),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
});

export const ConsoleLine = Type.Object({
  line: Type.Integer(),
  time: Nullable(Type.Number()),
  cls: StringEnum(LINE_CLASSES),
  level: Nullable(Type.Integer()),
  text: Type.String(),
});

export const ConsolePage = Type.Object({
  bootId: Type.Integer(),
  from: Type.Integer(),
  lines: Type.Array(ConsoleLine),
  total: Type.Integer(),
  next: Nullable(Type.Integer()),
});

export const ConsoleUploadQuery = Type.Object({
  offset: Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'byte offset of the body in the console',
  }),
});

export const OffsetResponse = Type.Object({ offset: Type.Integer() });
export const OutcomeResponse = Type.Object({ outcome: StringEnum(BOOT_OUTCOMES) });

export const LogUploadQuery = Type.Object({
  variant: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  target: Type.Optional(StringEnum(TARGETS)),
  buildId: Type.Optional(Id()),
  initScript: Type.Optional(Type.Boolean({ description: 'the /init was a script (sharper diagnosis)' })),
});

export const LogUploadHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '^[\\x20-\\x7e]+$',
      description: 'the same key again answers the same boot (200) and stores nothing twice',
    }),
  ),
});

export const LogUploadResponse = Type.Object({ id: Type.Integer(), outcome: StringEnum(BOOT_OUTCOMES) });
