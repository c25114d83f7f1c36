/** Issues: failures grouped by signature across boots, variants and targets, with their status. */
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import {
  ISSUE_STATUSES,
  IssueDetail,
  type IssueStatus,
  IssueSummary,
} from '../../../common/schemas/issues.ts';
import { getIssue, listIssues } from '../../db/queries/issues.ts';
import { ArchList, CsvList, errors, Id, IdParams, splitArches, splitCsv } from '../schemas/common.ts';
import type { App } from '../types.ts';

const IssueQuery = Type.Object({
  status: Type.Optional(
    Type.String({
      pattern: `^(${ISSUE_STATUSES.join('|')})(,(${ISSUE_STATUSES.join('|')}))*$`,
      description: `comma-separated: ${ISSUE_STATUSES.join(', ')}`,
    }),
  ),
  kind: CsvList('crash kinds or failure classes, comma-separated'),
  variant: CsvList('only issues seen in these variants'),
  arch: ArchList('only issues seen in boots of these architectures'),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'text in the title, signature or file' })),
  boot: Type.Optional(Id('only issues this boot showed')),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

export async function issueRoutes(app: App): Promise<void> {
  app.get(
    '/api/issues',
    {
      schema: {
        tags: ['issues'],
        summary: 'failures grouped into issues across boots and variants, most recently seen first',
        querystring: IssueQuery,
        response: { 200: Type.Array(IssueSummary), ...errors(400, 503) },
      },
    },
    async (req) => {
      const q = req.query;
      return listIssues(app.database.db, {
        status: splitCsv(q.status) as IssueStatus[] | undefined,
        kind: splitCsv(q.kind),
        variant: splitCsv(q.variant),
        arch: splitArches(q.arch),
        q: q.q || undefined,
        boot: q.boot,
        limit: q.limit,
      });
    },
  );

  app.get(
    '/api/issues/:id',
    {
      schema: {
        tags: ['issues'],
        summary: 'one issue: per variant status and the boots to compare, and the boots it appeared in',
        params: IdParams,
        response: { 200: IssueDetail, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const issue = await getIssue(app.database.db, req.params.id);
      if (!issue) throw new BootwatchError('route.not_found', `no issue with id ${req.params.id}`);
      return issue;
    },
  );
}
