/** The app's type with the TypeBox provider, and what it is decorated with. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Database } from '../db/client.ts';
import type { Collector } from '../ingest/collector.ts';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The write side: builds, boots, console ingest, live feed. */
    collector: Collector;
    /** The database the collector stores into. */
    database: Database;
  }
}
