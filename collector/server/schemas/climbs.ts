/** Climb routes' params and query strings: a climb is addressed like a bisection (id or state key). */

export { ClimbDetail, ClimbInput, ClimbSummary } from '../../../common/schemas/climbs.ts';
export {
  BisectionDetailQuery as ClimbDetailQuery,
  BisectionKeyParams as ClimbKeyParams,
  BisectionListQuery as ClimbListQuery,
  BisectionRefParams as ClimbRefParams,
} from './bisections.ts';
