/**
 * POST /api/logs: a whole console log (any bytes) stored as a finished boot. With an
 * Idempotency-Key, a repeat answers the first boot (200) and a cut-off import is completed.
 */

import { assertMayModify, bootOwner, submitterOf } from '../ownership.ts';
import { bodyBytes, RAW_BODY_LIMIT } from '../raw-body.ts';
import { LogUploadHeaders, LogUploadQuery, LogUploadResponse } from '../schemas/boots.ts';
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
        consumes: ['application/octet-stream'],
        querystring: LogUploadQuery,
        headers: LogUploadHeaders,
        response: { 200: LogUploadResponse, 201: LogUploadResponse, ...errors(400, 403, 404, 409, 413, 503) },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const key = req.headers['idempotency-key'];
      // A repeat resumes the first import: only its own token (or an admin) may append to it.
      if (key)
        assertMayModify(req, 'the boot of this Idempotency-Key', await bootOwner(app.database.db, { key }));
      const stored = await app.collector.importLog(bodyBytes(req.body), {
        variant: q.variant ?? null,
        target: q.target,
        buildId: q.buildId ?? null,
        initIsScript: q.initScript,
        idempotencyKey: key ?? null,
        by: submitterOf(req),
      });
      return reply.status(stored.created ? 201 : 200).send({ id: stored.id, outcome: stored.outcome });
    },
  );
}
