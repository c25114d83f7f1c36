/** Climbs: runners put them after every attempt; the dashboard lists and opens them. */
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import { getClimb, listClimbs } from '../../db/queries/climbs.ts';
import { assertMayModify, climbOwner, submitterOf } from '../ownership.ts';
import {
  ClimbDetail,
  ClimbDetailQuery,
  ClimbInput,
  ClimbKeyParams,
  ClimbListQuery,
  ClimbRefParams,
  ClimbSummary,
} from '../schemas/climbs.ts';
import { errors, IdResponse } from '../schemas/common.ts';
import type { App } from '../types.ts';

/** Every attempt carries its boot's diagnosis: larger than other JSON bodies. */
const CLIMB_BODY_LIMIT = 16 << 20;

export async function climbRoutes(app: App): Promise<void> {
  app.put(
    '/api/climbs/:ref',
    {
      bodyLimit: CLIMB_BODY_LIMIT,
      schema: {
        tags: ['climbs'],
        summary: 'store a climb as it stands after an attempt (created on first put); pushed to the feed',
        params: ClimbKeyParams,
        body: ClimbInput,
        response: { 200: IdResponse, ...errors(400, 403, 413, 503) },
      },
    },
    async (req) => {
      assertMayModify(req, `climb ${req.params.ref}`, await climbOwner(app.database.db, req.params.ref));
      return { id: await app.collector.recordClimb(req.params.ref, req.body, submitterOf(req)) };
    },
  );

  app.get(
    '/api/climbs',
    {
      schema: {
        tags: ['climbs'],
        summary: 'climbs, the most recently updated first',
        querystring: ClimbListQuery,
        response: { 200: Type.Array(ClimbSummary), ...errors(400, 503) },
      },
    },
    async (req) => listClimbs(app.database.db, req.query.limit),
  );

  app.get(
    '/api/climbs/:ref',
    {
      schema: {
        tags: ['climbs'],
        summary: 'one climb by id or state key: every attempt, the ladder so far and the fragment',
        params: ClimbRefParams,
        querystring: ClimbDetailQuery,
        response: { 200: ClimbDetail, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const { ref } = req.params;
      const by = ref.length === 16 ? { key: ref } : { id: Number(ref) };
      const c = await getClimb(app.database.db, by, req.query.state);
      if (!c) throw new BootwatchError('route.not_found', `no climb ${ref}`);
      return c;
    },
  );
}
