/**
 * Builds the collector's Fastify app without listening: tests call `app.inject`, the
 * serve command and the runners' embedded collector call `listen`.
 */

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyReply, type FastifyServerOptions } from 'fastify';
import { setting } from '../../common/settings.ts';
import { AlertDispatcher } from '../alerts/dispatcher.ts';
import { type AccessOptions, defaultAccess } from '../auth/access-options.ts';
import { controlSocketPath, listenControlSocket } from '../auth/control-socket.ts';
import { FeedRelay } from '../cluster/feed-relay.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { Collector } from '../ingest/collector.ts';
import { registerErrorHandling } from './http-errors.ts';
import { Access, registerAccess } from './plugins/access.ts';
import { DEFAULT_DASHBOARD_DIR, registerDashboard } from './plugins/dashboard.ts';
import { registerHostileClientRules } from './plugins/hostile-clients.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { acceptRawBodies } from './raw-body.ts';
import { bisectionRoutes } from './routes/bisections.ts';
import { bootRoutes } from './routes/boots.ts';
import { buildRoutes } from './routes/builds.ts';
import { climbRoutes } from './routes/climbs.ts';
import { compareRoutes } from './routes/compare.ts';
import { consoleRoutes } from './routes/console.ts';
import { exportRoutes } from './routes/exports.ts';
import { failureRoutes } from './routes/failures.ts';
import { healthRoutes } from './routes/health.ts';
import { issueRoutes } from './routes/issues.ts';
import { jobRoutes } from './routes/jobs.ts';
import { logRoutes } from './routes/logs.ts';
import { regressionRoutes } from './routes/regressions.ts';
import { sessionRoutes } from './routes/session.ts';
import { subscriptionRoutes } from './routes/subscriptions.ts';
import { traceRoutes } from './routes/traces.ts';
import { viewRoutes } from './routes/views.ts';
import { ErrorBody } from './schemas/common.ts';
import type { App } from './types.ts';
import { validatorCompiler } from './validation.ts';
import { consoleIngestSocket, INGEST_MAX_MESSAGE } from './ws/console-ingest.ts';
import { feedSocket } from './ws/feed.ts';

/** JSON bodies other than builds stay small. */
const JSON_BODY_LIMIT = 1 << 20;

export interface AppOptions {
  /** An open database; the app leaves it open on close unless `ownDatabase`. */
  database?: Database;
  /** Close `database` with the app. */
  ownDatabase?: boolean;
  /** PostgreSQL URL (default `$DATABASE_URL`): opened when no `database` is given; the job queue uses it. */
  databaseUrl?: string;
  /** Used when no `database` is given: the embedded database's directory. */
  dataDir?: string;
  logger?: FastifyServerOptions['logger'];
  /** Built dashboard to serve at `/`; null serves the "not built" page. */
  dashboardDir?: string | null;
  /** Auth, limits and caps (default: a loopback collector's, auth off). */
  access?: AccessOptions;
}

/** The collector app, ready to `inject` or `listen`; it opens the database when not given one. */
export async function buildApp(opts: AppOptions = {}): Promise<App> {
  const database = opts.database ?? (await openDatabase({ url: opts.databaseUrl, dataDir: opts.dataDir }));
  const owned = opts.database ? opts.ownDatabase === true : true;
  // Parts with connections of their own (the job queue) need PostgreSQL's URL, not just a pool.
  const postgresUrl =
    database.kind === 'postgres' ? (opts.databaseUrl ?? setting('DATABASE_URL')) : undefined;
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: JSON_BODY_LIMIT,
    // Closing must not wait for browsers' keep-alive connections or a slow client.
    forceCloseConnections: true,
    // A malformed URL is refused before any hook runs: answer it like every other 400.
    frameworkErrors: (err, _req, reply) =>
      (reply as FastifyReply)
        .status(400)
        .header('x-content-type-options', 'nosniff')
        .send({ error: { code: 'input.invalid', message: err.message } }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  try {
    const collector = new Collector(database);
    app.decorate('database', database);
    app.decorate('collector', collector);
    let closeControl: (() => Promise<void>) | null = null;
    // Alerts link to the dashboard at its public address, else where this app listens.
    const alertDispatcher = new AlertDispatcher(database.db, {
      baseUrl: () =>
        (app.access.options.publicUrl ?? (app.server.listening ? app.listeningOrigin : null))?.replace(
          /\/+$/,
          '',
        ) ?? null,
    });
    // Several collectors on one PostgreSQL share one live feed.
    const relay = postgresUrl ? await FeedRelay.start(postgresUrl, collector.feed) : null;
    app.addHook('onClose', async () => {
      await closeControl?.();
      await relay?.close();
      await alertDispatcher.stop();
      await collector.settle();
      if (owned) await database.close();
    });
    registerErrorHandling(app);
    acceptRawBodies(app);
    const accessOptions = opts.access ?? defaultAccess();
    await registerHostileClientRules(app, accessOptions);
    await registerAccess(app, new Access(accessOptions, database.db));
    app.addSchema(ErrorBody);
    await registerOpenApi(app);
    await app.register(websocket, { options: { maxPayload: INGEST_MAX_MESSAGE } });
    for (const routes of [
      healthRoutes,
      sessionRoutes,
      buildRoutes,
      bootRoutes,
      consoleRoutes,
      logRoutes,
      viewRoutes,
    ])
      await app.register(routes);
    await app.register(compareRoutes);
    await app.register(regressionRoutes);
    await app.register(failureRoutes);
    await app.register(issueRoutes);
    await app.register(exportRoutes);
    await app.register(traceRoutes);
    await app.register(bisectionRoutes);
    await app.register(climbRoutes);
    await app.register(subscriptionRoutes);
    await app.register(jobRoutes(postgresUrl));
    await app.register(consoleIngestSocket);
    await app.register(feedSocket);
    await registerDashboard(app, opts.dashboardDir === undefined ? DEFAULT_DASHBOARD_DIR : opts.dashboardDir);
    await app.ready();
    alertDispatcher.start();
    // The embedded database is ours alone: token commands reach it through us.
    if (database.kind === 'pglite' && database.location !== 'memory')
      closeControl = await listenControlSocket(controlSocketPath(database.location), database.db, (id) =>
        app.access.revoked(id),
      );
  } catch (err) {
    await app.close().catch(() => {});
    throw err;
  }
  return app;
}
