/**
 * Exports for other systems: KCIDB v5.3 JSON (validated before it leaves), Prometheus
 * `/metrics`, and JUnit XML of a recorded `bootwatch run` (which the runner posts here).
 */
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import { type JunitBoot, toJunit } from '../../analysis/junit.ts';
import { toKcidb, validateKcidb } from '../../analysis/kcidb.ts';
import { toPrometheus } from '../../analysis/metrics.ts';
import {
  exportBoots,
  exportBuilds,
  insertRun,
  runWithBoots,
  variantMetrics,
} from '../../db/queries/exports.ts';
import { settleRegressions } from '../../regressions/detect.ts';
import { submitterOf } from '../ownership.ts';
import { publicBaseUrl } from '../public-url.ts';
import { ExportQuery, RunInput, RunParams, RunRecord } from '../schemas/analysis.ts';
import { errors, IdResponse, splitCsv } from '../schemas/common.ts';
import type { App } from '../types.ts';

const text = (description: string) => Type.String({ description });

export async function exportRoutes(app: App): Promise<void> {
  app.get(
    '/api/export/kcidb',
    {
      schema: {
        tags: ['exports'],
        summary: 'the newest builds and their boots as KCIDB v5.3 JSON (kcidb-io schema validated)',
        querystring: ExportQuery,
        response: {
          200: Type.Unsafe<object>({ type: 'object', description: 'KCIDB v5.3 data' }),
          ...errors(400, 503),
        },
      },
    },
    async (req, reply) => {
      const db = app.database.db;
      const builds = await exportBuilds(db, {
        limit: req.query.builds,
        variants: splitCsv(req.query.variant),
      });
      const boots = await exportBoots(
        db,
        builds.map((b) => b.id),
      );
      const data = toKcidb({ builds, boots }, { origin: req.query.origin, baseUrl: publicBaseUrl(req) });
      const check = validateKcidb(data);
      // Invalid output is our bug: refuse to hand KernelCI something it would reject.
      if (!check.valid)
        throw new Error(`KCIDB export failed its own schema: ${check.errors.slice(0, 5).join('; ')}`);
      // The whole document as built: the response schema must not strip KCIDB's fields.
      return reply.type('application/json').serializer(JSON.stringify).send(data);
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['exports'],
        summary: 'Prometheus text exposition: latest size, build time, time to init, outcome per variant',
        produces: ['text/plain'],
        response: { 200: text('Prometheus text format 0.0.4'), ...errors(503) },
      },
    },
    async (_req, reply) => {
      await settleRegressions(app.database.db);
      const body = toPrometheus(await variantMetrics(app.database.db));
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(body);
    },
  );

  app.post(
    '/api/runs',
    {
      schema: {
        tags: ['exports'],
        summary:
          'record one `bootwatch run` of a matrix (its JUnit report is then at /api/runs/:id/junit.xml)',
        body: RunInput,
        response: { 201: IdResponse, ...errors(400, 503) },
      },
    },
    async (req, reply) =>
      reply.status(201).send({ id: await insertRun(app.database.db, req.body, submitterOf(req)) }),
  );

  app.get(
    '/api/runs/:id',
    {
      schema: {
        tags: ['exports'],
        summary: 'a recorded `bootwatch run` (`latest` for the newest)',
        params: RunParams,
        response: { 200: RunRecord, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const run = await runWithBoots(app.database.db, req.params.id);
      if (!run) throw new BootwatchError('route.not_found', `no recorded run ${req.params.id}`);
      return {
        id: run.id,
        matrix: run.matrix,
        at: run.at,
        submittedBy: run.submittedBy,
        results: run.results,
        buildIds: run.buildIds,
      };
    },
  );

  app.get(
    '/api/runs/:id/junit.xml',
    {
      schema: {
        tags: ['exports'],
        summary: "JUnit XML of a recorded run's boots (`latest` for the newest run)",
        produces: ['application/xml'],
        params: RunParams,
        response: { 200: text('JUnit XML'), ...errors(400, 404, 503) },
      },
    },
    async (req, reply) => {
      const run = await runWithBoots(app.database.db, req.params.id);
      if (!run) throw new BootwatchError('route.not_found', `no recorded run ${req.params.id}`);
      const base = publicBaseUrl(req);
      const cases: JunitBoot[] = run.results.map((r) => {
        const boot = r.bootId != null ? run.boots.get(r.bootId) : undefined;
        if (!boot) {
          const outcome =
            r.outcome === 'build_failed' ? 'build_failed' : r.outcome === 'error' ? 'error' : null;
          return {
            id: null,
            variant: r.variant,
            outcome,
            durationMs: null,
            title: null,
            details: [],
          };
        }
        const b = boot.row;
        const crash = boot.crashes[0];
        return {
          id: b.id,
          variant: b.variant ?? r.variant,
          outcome: b.outcome,
          status: b.status,
          endReason: b.endReason,
          checks: b.checks,
          durationMs: b.durationMs,
          title: crash?.title ?? b.panicReason,
          details: crash?.report ?? [],
          diagnosis: b.topDiagnosis,
          url: `${base}/api/boots/${b.id}/console.raw`,
        };
      });
      return reply
        .type('application/xml; charset=utf-8')
        .send(toJunit(`${run.matrix} run ${run.id}`, cases, run.at));
    },
  );
}
