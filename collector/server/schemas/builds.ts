/** Build routes' query strings; the response shapes live in common/schemas/builds.ts. */
import { Type } from '@sinclair/typebox';
import { Id } from '../../../common/schemas/common.ts';

export { BuildDetail, BuildSummary, SizeDiff } from '../../../common/schemas/builds.ts';

export const BuildListQuery = Type.Object({
  variant: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  before: Type.Optional(Id('builds older than this build id')),
});

export const SizeDiffQuery = Type.Object({
  against: Type.Optional(Id("the older build; default: the variant's previous build")),
  limit: Type.Integer({ minimum: 1, maximum: 100_000, default: 200, description: 'symbols listed' }),
});
