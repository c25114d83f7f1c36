/** OpenAPI document at /api/openapi.json and the docs UI at /api/docs, from the route schemas. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Registers swagger on the root app, so it sees every route registered after it. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'bootwatch collector',
        description: 'Builds, boots and kernel console streams in; parsed boots, trends and live feeds out.',
        version: '0.1.0',
      },
      tags: [
        { name: 'health' },
        { name: 'builds' },
        { name: 'boots' },
        { name: 'console' },
        { name: 'views', description: 'what the dashboard reads' },
        { name: 'access', description: 'sign-in for the dashboard (CONTRACT.md "Access")' },
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
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
