/** Config bisections: runners put them after every step; the dashboard lists and opens them. */
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import { getBisection, listBisections } from '../../db/queries/bisections.ts';
import { assertMayModify, bisectionOwner, submitterOf } from '../ownership.ts';
import {
  BisectionDetail,
  BisectionDetailQuery,
  BisectionInput,
  BisectionKeyParams,
  BisectionListQuery,
  BisectionRefParams,
  BisectionSummary,
} from '../schemas/bisections.ts';
import { errors, IdResponse } from '../schemas/common.ts';
import type { App } from '../types.ts';

/** The state holds both sides' whole .configs: larger than other JSON bodies. */
const BISECTION_BODY_LIMIT = 16 << 20;

export async function bisectionRoutes(app: App): Promise<void> {
  app.put(
    '/api/bisections/:ref',
    {
      bodyLimit: BISECTION_BODY_LIMIT,
      schema: {
        tags: ['bisections'],
        summary: 'store a bisection as it stands after a step (created on first put); pushed to the feed',
        params: BisectionKeyParams,
        body: BisectionInput,
        response: { 200: IdResponse, ...errors(400, 403, 413, 503) },
      },
    },
    async (req) => {
      assertMayModify(
        req,
        `bisection ${req.params.ref}`,
        await bisectionOwner(app.database.db, req.params.ref),
      );
      return { id: await app.collector.recordBisection(req.params.ref, req.body, submitterOf(req)) };
    },
  );

  app.get(
    '/api/bisections',
    {
      schema: {
        tags: ['bisections'],
        summary: 'bisections, the most recently updated first (without their state)',
        querystring: BisectionListQuery,
        response: { 200: Type.Array(BisectionSummary), ...errors(400, 503) },
      },
    },
    async (req) => listBisections(app.database.db, req.query.limit),
  );

  app.get(
    '/api/bisections/:ref',
    {
      schema: {
        tags: ['bisections'],
        summary: 'one bisection by id or state key: its steps, culprits and conclusion',
        params: BisectionRefParams,
        querystring: BisectionDetailQuery,
        response: { 200: BisectionDetail, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const { ref } = req.params;
      const by = ref.length === 16 ? { key: ref } : { id: Number(ref) };
      const b = await getBisection(app.database.db, by, req.query.state);
      if (!b) throw new BootwatchError('route.not_found', `no bisection ${ref}`);
      return b;
    },
  );
}
