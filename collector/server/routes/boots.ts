/** Boots: runners create them; the dashboard and CONTRACT.md's readers list and open them. */
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import type { BootDetail } from '../../../common/types/api.ts';
import type { BootOutcome, BootTarget } from '../../../common/types/ingest.ts';
import type { ParseResult } from '../../../common/types/parse.ts';
import { getBootFacts, getBootSummary, listBoots } from '../../db/queries/boots.ts';
import { climbAttemptsOf } from '../../db/queries/climbs.ts';
import { parseLog } from '../../parser/index.ts';
import { submitterOf } from '../ownership.ts';
import { BootDetail as BootDetailSchema, BootListQuery, BootSummary } from '../schemas/boots.ts';
import { errors, IdParams, IdResponse, splitArches, splitCsv } from '../schemas/common.ts';
import { BootInputSchema } from '../schemas/ingest.ts';
import type { App } from '../types.ts';

export async function bootRoutes(app: App): Promise<void> {
  app.post(
    '/api/boots',
    {
      schema: {
        tags: ['boots'],
        summary: 'create a boot (the same idempotencyKey again answers 200 with the same id)',
        body: BootInputSchema,
        response: { 200: IdResponse, 201: IdResponse, ...errors(400, 404, 503) },
      },
    },
    async (req, reply) => {
      const boot = await app.collector.startBoot(req.body, submitterOf(req));
      return reply.status(boot.created ? 201 : 200).send({ id: boot.id });
    },
  );

  app.get(
    '/api/boots',
    {
      schema: {
        tags: ['boots'],
        summary: 'boots, newest first',
        querystring: BootListQuery,
        response: { 200: Type.Array(BootSummary), ...errors(400, 503) },
      },
    },
    async (req) => {
      const q = req.query;
      return listBoots(app.database.db, {
        limit: q.limit,
        variant: splitCsv(q.variant),
        outcome: splitCsv(q.outcome) as BootOutcome[] | undefined,
        target: splitCsv(q.target) as BootTarget[] | undefined,
        arch: splitArches(q.arch),
        state: q.state,
        buildId: q.buildId,
        before: q.before,
        after: q.after,
      });
    },
  );

  app.get(
    '/api/boots/:id',
    {
      schema: {
        tags: ['boots'],
        summary: 'one boot: the whole parse --json object plus the boot facts',
        params: IdParams,
        response: { 200: BootDetailSchema, ...errors(400, 404, 503) },
      },
    },
    async (req) => bootDetail(app, req.params.id),
  );
}

/** A boot with its parse result: stored once finished, the live parser's view while running. */
async function bootDetail(app: App, id: number): Promise<BootDetail> {
  const db = app.database.db;
  const summary = await getBootSummary(db, id);
  const facts = summary && (await getBootFacts(db, id));
  if (!summary || !facts) throw new BootwatchError('boot.not_found', `no boot with id ${id}`);
  const result: ParseResult =
    facts.result ?? (await app.collector.console.liveResult(id)) ?? parseLog(new Uint8Array());
  const { result: _stored, initIsScript: _script, parseOutcome, ...rest } = facts;
  return {
    ...summary,
    kernel: result.kernel,
    milestones: result.milestones,
    panic: result.panic,
    crashes: result.crashes,
    events: result.events,
    initcalls: result.initcalls,
    diagnosis: result.diagnosis,
    lastStage: result.lastStage,
    stats: result.stats,
    parseOutcome: parseOutcome ?? result.outcome,
    ...rest,
    climbAttempts: await climbAttemptsOf(db, { bootId: id }),
  };
}
