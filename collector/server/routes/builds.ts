/** Builds: runners post them and their live progress; the dashboard lists, opens and diffs them. */
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import { buildConfig, getBuild, listBuilds, previousBuildId, sizeDiff } from '../../db/queries/builds.ts';
import { submitterOf } from '../ownership.ts';
import { BuildDetail, BuildListQuery, BuildSummary, SizeDiff, SizeDiffQuery } from '../schemas/builds.ts';
import { errors, IdParams, IdResponse } from '../schemas/common.ts';
import { BuildInputSchema, BuildProgressSchema } from '../schemas/ingest.ts';
import type { App } from '../types.ts';

/** Builds carry a .config, symbol sizes and a System.map: larger than other JSON bodies. */
const BUILD_BODY_LIMIT = 32 << 20;

export async function buildRoutes(app: App): Promise<void> {
  app.post(
    '/api/builds',
    {
      bodyLimit: BUILD_BODY_LIMIT,
      schema: {
        tags: ['builds'],
        summary: 'store a build',
        body: BuildInputSchema,
        response: { 200: IdResponse, 201: IdResponse, ...errors(400, 413, 503) },
      },
    },
    async (req, reply) => {
      const { id, created } = await app.collector.recordBuildOnce(req.body, submitterOf(req));
      return reply.status(created ? 201 : 200).send({ id });
    },
  );

  app.post(
    '/api/builds/progress',
    {
      schema: {
        tags: ['builds'],
        summary: 'live build progress, pushed to the feed (not stored)',
        body: BuildProgressSchema,
        response: { 202: Type.Object({ ok: Type.Boolean() }), ...errors(400) },
      },
    },
    async (req, reply) => {
      app.collector.buildProgress(req.body);
      return reply.status(202).send({ ok: true });
    },
  );

  app.get(
    '/api/builds',
    {
      schema: {
        tags: ['builds'],
        summary: 'builds, newest first',
        querystring: BuildListQuery,
        response: { 200: Type.Array(BuildSummary), ...errors(400, 503) },
      },
    },
    async (req) => listBuilds(app.database.db, req.query),
  );

  app.get(
    '/api/builds/:id',
    {
      schema: {
        tags: ['builds'],
        summary: 'one build with its .config, fragments, sizes, dropped options and warnings',
        params: IdParams,
        response: { 200: BuildDetail, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const build = await getBuild(app.database.db, req.params.id);
      if (!build) throw new BootwatchError('build.not_found', `no build with id ${req.params.id}`);
      return build;
    },
  );

  app.get(
    '/api/builds/:id/config',
    {
      schema: {
        tags: ['builds'],
        summary: 'the full .config a build was made with, as text (what KCIDB config_url names)',
        produces: ['text/plain'],
        params: IdParams,
        response: { 200: Type.String({ description: 'the .config' }), ...errors(400, 404, 503) },
      },
    },
    async (req, reply) => {
      const config = await buildConfig(app.database.db, req.params.id);
      if (config == null)
        throw new BootwatchError(
          'build.not_found',
          config === null
            ? `build ${req.params.id} has no stored .config`
            : `no build with id ${req.params.id}`,
        );
      return reply.type('text/plain; charset=utf-8').send(config);
    },
  );

  app.get(
    '/api/builds/:id/size-diff',
    {
      schema: {
        tags: ['builds'],
        summary: 'per-symbol size changes against another build (bloat-o-meter)',
        params: IdParams,
        querystring: SizeDiffQuery,
        response: { 200: SizeDiff, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const db = app.database.db;
      const id = req.params.id;
      const against = req.query.against ?? (await previousBuildId(db, id));
      if (against == null)
        throw new BootwatchError('build.not_found', `build ${id} has no earlier build to compare with`);
      const diff = await sizeDiff(db, id, against);
      if (!diff)
        throw new BootwatchError(
          'build.not_found',
          `builds ${id} and ${against} do not both have symbol sizes`,
        );
      return { ...diff, symbols: diff.symbols.slice(0, req.query.limit) };
    },
  );
}
