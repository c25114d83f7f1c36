/** Climb routes' params and query strings; the bodies and answers live in common/schemas/climbs.ts. */
import { Type } from '@sinclair/typebox';

export { ClimbDetail, ClimbInput, ClimbSummary } from '../../../common/schemas/climbs.ts';

/** Named `ref` like the GET's parameter: OpenAPI forbids two paths differing only by a parameter's name. */
export const ClimbKeyParams = Type.Object({
  ref: Type.String({ pattern: '^[0-9a-f]{16}$', description: "the runner's state key (16 hex digits)" }),
});

/** An id (at most 10 digits) or a 16-hex-digit key: the lengths never collide. */
export const ClimbRefParams = Type.Object({
  ref: Type.String({ pattern: '^([1-9][0-9]{0,9}|[0-9a-f]{16})$', description: 'id or state key' }),
});

export const ClimbDetailQuery = Type.Object({
  state: Type.Boolean({ default: false, description: 'include the resumable state (for runners)' }),
});

export const ClimbListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});
