/** POST /api/logs: a whole console log (any bytes) stored as a finished boot. */
import { bodyBytes, RAW_BODY_LIMIT } from '../raw-body.ts';
import { LogUploadQuery, LogUploadResponse } from '../schemas/boots.ts';
import { errors } from '../schemas/common.ts';
import type { App } from '../types.ts';

export async function logRoutes(app: App): Promise<void> {
  app.post(
    '/api/logs',
    {
      bodyLimit: RAW_BODY_LIMIT,
      schema: {
        tags: ['boots'],
        summary: 'import a console/dmesg log: parsed and stored as a boot (target import unless told)',
        consumes: ['application/octet-stream', 'text/plain'],
        querystring: LogUploadQuery,
        response: { 201: LogUploadResponse, ...errors(400, 404, 413, 503) },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const stored = await app.collector.importLog(bodyBytes(req.body), {
        variant: q.variant ?? null,
        target: q.target,
        buildId: q.buildId ?? null,
        initIsScript: q.initScript,
      });
      return reply.status(201).send(stored);
    },
  );
}
