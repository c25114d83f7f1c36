/**
 * A boot's console over REST: byte uploads at an offset (the runners' spool re-sends) and
 * finish; display lines and the exact stored bytes for readers.
 */
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import { getBootSummary } from '../../db/queries/boots.ts';
import { listConsoleLines, readConsoleChunks } from '../../db/queries/console.ts';
import { assertMayModify, bootOwner } from '../ownership.ts';
import { bodyBytes, RAW_BODY_LIMIT } from '../raw-body.ts';
import {
  ConsolePage,
  ConsoleQuery,
  ConsoleUploadQuery,
  OffsetResponse,
  OutcomeResponse,
} from '../schemas/boots.ts';
import { errors, IdParams } from '../schemas/common.ts';
import { BootFinishSchema } from '../schemas/ingest.ts';
import type { App } from '../types.ts';

export async function consoleRoutes(app: App): Promise<void> {
  app.post(
    '/api/boots/:id/console',
    {
      bodyLimit: RAW_BODY_LIMIT,
      schema: {
        tags: ['console'],
        summary:
          'console bytes starting at byte `offset`: bytes already stored are skipped, a gap is refused (409)',
        consumes: ['application/octet-stream'],
        params: IdParams,
        querystring: ConsoleUploadQuery,
        response: { 200: OffsetResponse, ...errors(400, 403, 404, 409, 413, 503) },
      },
    },
    async (req) => {
      assertMayModify(req, `boot ${req.params.id}`, await bootOwner(app.database.db, { id: req.params.id }));
      const offset = await app.collector.console.append(req.params.id, req.query.offset, bodyBytes(req.body));
      return { offset };
    },
  );

  app.post(
    '/api/boots/:id/finish',
    {
      schema: {
        tags: ['console'],
        summary: "end a boot: outcome from the parser, or 'error' when the harness failed",
        params: IdParams,
        body: BootFinishSchema,
        response: { 200: OutcomeResponse, ...errors(400, 403, 404, 409, 503) },
      },
    },
    async (req) => {
      assertMayModify(req, `boot ${req.params.id}`, await bootOwner(app.database.db, { id: req.params.id }));
      return { outcome: await app.collector.console.finish(req.params.id, req.body) };
    },
  );

  app.get(
    '/api/boots/:id/console',
    {
      schema: {
        tags: ['console'],
        summary: 'display lines of a boot, a page at a time',
        params: IdParams,
        querystring: ConsoleQuery,
        response: { 200: ConsolePage, ...errors(400, 404, 503) },
      },
    },
    async (req) => {
      const { id } = req.params;
      const { from, limit } = req.query;
      const boot = await getBootSummary(app.database.db, id);
      if (!boot) throw new BootwatchError('boot.not_found', `no boot with id ${id}`);
      const lines = await listConsoleLines(app.database.db, id, from, limit);
      const last = lines.at(-1)?.line ?? 0;
      return {
        bootId: id,
        from,
        lines,
        total: boot.consoleLines,
        next: lines.length === limit && last < boot.consoleLines ? last + 1 : null,
      };
    },
  );

  app.get(
    '/api/boots/:id/console.raw',
    {
      schema: {
        tags: ['console'],
        summary: 'the exact console bytes as stored',
        produces: ['application/octet-stream'],
        params: IdParams,
        response: {
          200: Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'the console bytes' }),
          ...errors(400, 404, 503),
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const boot = await getBootSummary(app.database.db, id);
      if (!boot) throw new BootwatchError('boot.not_found', `no boot with id ${id}`);
      return reply
        .type('application/octet-stream')
        .header('content-disposition', `inline; filename="boot-${id}.log"`)
        .send(Readable.from(readConsoleChunks(app.database.db, id)));
    },
  );
}
