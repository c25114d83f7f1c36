/** GET /api/health: is the collector up, and is its database answering? */
import { HealthResponse as Health } from '../../../common/schemas/health.ts';
import type { App } from '../types.ts';

export async function healthRoutes(app: App): Promise<void> {
  app.get(
    '/api/health',
    {
      config: { scope: 'public' },
      schema: {
        tags: ['health'],
        summary: 'collector and database health',
        response: { 200: Health, 503: Health },
      },
    },
    async (req, reply) => {
      const { database } = app;
      try {
        await database.ping();
        return { ok: true, db: database.kind };
      } catch (err) {
        req.log.warn({ err }, 'health: database unavailable');
        return reply.status(503).send({
          ok: false,
          db: database.kind,
          error: { code: 'db.unavailable', message: 'the database is unavailable' },
        });
      }
    },
  );
}
