/** Builds as the API answers them: list rows, the detail and the size diff. */
import { type Static, Type } from '@sinclair/typebox';
import { ClimbAttemptLink } from './climbs.ts';
import { Nullable, StringEnum, Timestamp } from './common.ts';
import { ConfigFragment, DroppedOption, STATUSES } from './ingest.ts';

const Size = Type.Optional(Nullable(Type.Integer()));

export const BuildSummary = Type.Object({
  id: Type.Integer(),
  submittedBy: Nullable(Type.String({ description: 'the name of the token that submitted it' })),
  variant: Type.String(),
  status: StringEnum(STATUSES),
  exitCode: Nullable(Type.Integer()),
  arch: Nullable(Type.String()),
  startedAt: Timestamp,
  wallMs: Nullable(Type.Number()),
  userMs: Nullable(Type.Number()),
  sysMs: Nullable(Type.Number()),
  sizes: Type.Object({ image: Size, vmlinux: Size, text: Size, data: Size, bss: Size }),
  configHash: Nullable(Type.String()),
  source: Nullable(Type.Object({ name: Type.String(), version: Nullable(Type.String()) })),
  compiler: Nullable(Type.String()),
  warningCount: Type.Integer(),
  errorCount: Type.Integer(),
  droppedCount: Type.Integer(),
  symbolCount: Type.Integer(),
});
export type BuildSummary = Static<typeof BuildSummary>;

export const BuildDetail = Type.Object({
  ...BuildSummary.properties,
  matrix: Nullable(Type.String()),
  baseConfig: Nullable(Type.String()),
  fragments: Type.Array(ConfigFragment),
  config: Nullable(Type.String({ description: 'the full .config as built' })),
  dropped: Type.Array(DroppedOption),
  warnings: Type.Array(Type.String()),
  errors: Type.Array(Type.String()),
  command: Nullable(Type.String()),
  logTail: Nullable(Type.String()),
  host: Nullable(Type.String()),
  hasSystemMap: Type.Boolean(),
  climbAttempts: Type.Array(ClimbAttemptLink, { description: 'the climb attempts it was built for' }),
});
export type BuildDetail = Static<typeof BuildDetail>;

/** One symbol's size change between two builds, bloat-o-meter style. */
const SymbolDelta = Type.Object({
  name: Type.String(),
  type: Type.String(),
  old: Type.Integer(),
  new: Type.Integer(),
  delta: Type.Integer(),
});

/** `GET /api/builds/:id/size-diff?against=ID`. */
export const SizeDiff = Type.Object({
  buildId: Type.Integer(),
  againstId: Type.Integer(),
  added: Type.Integer(),
  removed: Type.Integer(),
  grown: Type.Integer(),
  shrunk: Type.Integer(),
  total: Type.Object({ old: Type.Integer(), new: Type.Integer(), delta: Type.Integer() }),
  symbols: Type.Array(SymbolDelta),
});
export type SizeDiff = Static<typeof SizeDiff>;
