/** Failures grouped across variants and runs: crash titles, first fatal errors, warnings, failed probes. */
import { Type } from '@sinclair/typebox';
import { groupFailures } from '../../analysis/failures.ts';
import { loadFailureBoots } from '../../db/queries/runs.ts';
import { FailureGroup, FailureQuery } from '../schemas/analysis.ts';
import { errors, splitArches, splitCsv } from '../schemas/common.ts';
import type { App } from '../types.ts';

export async function failureRoutes(app: App): Promise<void> {
  app.get(
    '/api/failures',
    {
      schema: {
        tags: ['failures'],
        summary: 'the newest boots grouped by what failed, newest group first; new vs known marked',
        querystring: FailureQuery,
        response: { 200: Type.Array(FailureGroup), ...errors(400, 503) },
      },
    },
    async (req) => {
      const q = req.query;
      const boots = await loadFailureBoots(app.database.db, {
        limit: q.boots,
        variants: splitCsv(q.variant),
        arch: splitArches(q.arch),
      });
      const kinds = splitCsv(q.kind);
      const groups = groupFailures(boots, q.occurrences);
      return kinds ? groups.filter((g) => kinds.includes(g.kind)) : groups;
    },
  );
}
