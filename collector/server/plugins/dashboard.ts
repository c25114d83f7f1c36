/**
 * The dashboard at `/`: the built files of dashboard/dist when present (with the SPA's
 * index.html for its client-side routes), else a short page saying how to build it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { fromRoot } from '../../../common/repo-root.ts';

export const DEFAULT_DASHBOARD_DIR = fromRoot('dashboard', 'dist');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bootwatch</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>bootwatch</h1>
<p>The collector is running, but the dashboard has not been built.</p>
<p>Build it with <code>npm run build:dashboard</code> (or <code>scripts/setup.sh</code>) and reload.</p>
<p>The API is here all the same: <a href="/api/docs">/api/docs</a>, <a href="/api/boots">/api/boots</a>.</p>
</body></html>
`;

/** Serves `dir` at `/`, or the placeholder page when it holds no index.html. */
export async function registerDashboard(app: FastifyInstance, dir: string | null): Promise<void> {
  const built = dir != null && existsSync(join(dir, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: dir, prefix: '/', wildcard: false });
  else
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html').send(NOT_BUILT));

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    // Client-side routes of the dashboard (/boots/12) get its index.html; unknown API paths a JSON 404.
    if (
      built &&
      req.method === 'GET' &&
      !path.startsWith('/api/') &&
      (req.headers.accept ?? '').includes('text/html')
    )
      return reply.type('text/html').sendFile('index.html');
    return reply
      .status(404)
      .send({ error: { code: 'route.not_found', message: `no route ${req.method} ${path}` } });
  });
}
