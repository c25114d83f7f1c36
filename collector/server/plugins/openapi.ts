/** OpenAPI document at /api/openapi.json and the docs UI at /api/docs, from the route schemas. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** A stable camelCase operationId from method and path: `GET /api/boots/{id}/console.raw` → `getBootsByIdConsoleRaw`. */
function operationIdOf(method: string, path: string): string {
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  const camel = (w: string) =>
    w
      .split(/[.\-_]+/)
      .filter(Boolean)
      .map(cap)
      .join('');
  const words = path
    .replace(/^\/api(?=\/|$)/, '')
    .split('/')
    .filter(Boolean)
    .map((w) => {
      const param = /^\{(.+)\}$/.exec(w);
      return param ? `By${camel(param[1])}` : camel(w);
    });
  return method.toLowerCase() + words.join('');
}

/**
 * What @fastify/swagger leaves for consumers to trip on, fixed in one place: every operation
 * gets an operationId; a parameter with a default is not required of the client (the
 * validator fills it in); error answers are JSON whatever the success type (`produces`
 * would otherwise declare them XML or bytes).
 */
function finishDocument(doc: Json): Json {
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      op.operationId ??= operationIdOf(method, path);
      // A callback is a request the collector makes (an alert webhook): no credentials of ours.
      for (const urls of Object.values((op.callbacks ?? {}) as Record<string, Record<string, Json>>))
        for (const cbItem of Object.values(urls))
          for (const cb of Object.values(cbItem) as Json[]) {
            cb.summary ??= 'what the collector sends';
            cb.security ??= [];
          }
      for (const p of (op.parameters ?? []) as Json[]) {
        if (p.required && p.in !== 'path' && (p.schema as Json | undefined)?.default !== undefined)
          p.required = false;
      }
      for (const [code, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
        const content = response.content as Record<string, Json> | undefined;
        if (Number(code) < 400 || !content || 'application/json' in content) continue;
        const schema = Object.values(content)[0]?.schema;
        response.content = { 'application/json': { schema } };
      }
    }
  }
  return doc;
}

/** Registers swagger on the root app, so it sees every route registered after it. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'bootwatch collector',
        description: 'Builds, boots and kernel console streams in; parsed boots, trends and live feeds out.',
        version: '0.1.0',
        license: { name: 'MIT', url: 'https://opensource.org/license/mit' },
      },
      // Relative to where the document is served, unless the collector is told its public URL.
      servers: [{ url: app.access.options.publicUrl ?? '/' }],
      tags: [
        { name: 'health', description: 'is the collector and its database up' },
        { name: 'access', description: 'sign-in for the dashboard (CONTRACT.md "Access")' },
        { name: 'builds', description: 'kernel builds: configs, sizes, dropped options' },
        { name: 'boots', description: 'boots and their parsed console' },
        { name: 'console', description: 'console streams and raw log imports' },
        { name: 'views', description: 'what the dashboard reads' },
        { name: 'compare', description: 'two boots side by side: why one failed' },
        { name: 'regressions', description: 'regressions, baselines and thresholds per variant' },
        { name: 'failures', description: 'failures grouped across boots' },
        { name: 'issues', description: 'failures grouped by signature, with first and last seen and status' },
        { name: 'exports', description: 'KCIDB, Prometheus metrics and JUnit for other systems' },
        { name: 'bisections', description: 'config bisections and their steps' },
        {
          name: 'climbs',
          description: 'climbs from a kernel that misses a goal to a minimal fragment that reaches it',
        },
        {
          name: 'alerts',
          description: 'subscriptions to alerts (mail, signed webhooks), their deliveries and attempts',
        },
        { name: 'jobs', description: 'the job queue: agents lease, beat and finish jobs' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'a token from `bootwatch token create`',
          },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'bootwatch_session' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transformObject: (d) => finishDocument((d as { openapiObject: Json }).openapiObject),
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
