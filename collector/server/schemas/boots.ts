/** Boot, console and log routes' params, query strings and headers; the answers live in common/schemas/boots.ts. */
import { Type } from '@sinclair/typebox';
import { BOOT_STATES } from '../../../common/schemas/boots.ts';
import { Id, INT4_MAX, StringEnum } from '../../../common/schemas/common.ts';
import { TARGETS } from '../../../common/schemas/ingest.ts';
import { BOOT_OUTCOMES } from '../../../common/schemas/parse.ts';
import { ArchList, CsvList } from './common.ts';

export {
  BootDetail,
  BootSummary,
  ConsolePage,
  LogUploadResponse,
  OffsetResponse,
  OutcomeResponse,
} from '../../../common/schemas/boots.ts';

export const BootListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  variant: CsvList('variant names'),
  outcome: CsvList(`outcomes: ${BOOT_OUTCOMES.join(', ')}`),
  target: CsvList(`targets: ${TARGETS.join(', ')}`),
  arch: ArchList('only boots of these architectures'),
  state: Type.Optional(StringEnum(BOOT_STATES)),
  buildId: Type.Optional(Id()),
  before: Type.Optional(Id('boots older than this boot id (next page)')),
  after: Type.Optional(Id('boots newer than this boot id')),
});

export const ConsoleQuery = Type.Object({
  from: Type.Integer({ minimum: 1, maximum: INT4_MAX, default: 1, description: 'first line (1-based)' }),
  limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
});

export const ConsoleUploadQuery = Type.Object({
  offset: Type.Integer({
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'byte offset of the body in the console',
  }),
});

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
