/**
 * The one place errors become HTTP answers: coded BootwatchErrors keep their status,
 * validation and body errors become 4xx with a readable message, a database that is away
 * becomes 503, and anything else a 500 whose details stay in the log.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { BootwatchError, type ErrorCode, httpStatusOf } from '../../common/errors.ts';
import type { ApiError } from '../../common/types/api.ts';
import { isDbUnavailable } from '../db/errors.ts';

export interface HttpError {
  status: number;
  body: ApiError;
  /** True when the cause belongs in the server log (5xx). */
  log: boolean;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'input.too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'input.invalid',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'input.invalid',
  FST_ERR_CTP_INVALID_JSON_BODY: 'input.invalid',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'input.invalid',
};

const body = (code: string, message: string): ApiError => ({ error: { code, message } });

/** The status and JSON body an error answers with. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof BootwatchError) {
    const status = err.httpStatus;
    if (err.code === 'db.unavailable') return unavailable();
    if (status >= 500) return internal();
    return { status, body: body(err.code, err.message), log: false };
  }
  if (isDbUnavailable(err)) return unavailable();
  const e = err as FastifyError;
  if (e?.validation) return { status: 400, body: body('input.invalid', e.message), log: false };
  if (e?.code && FASTIFY_CODES[e.code]) {
    const code = FASTIFY_CODES[e.code];
    const status = e.statusCode ?? httpStatusOf(code);
    return { status, body: body(code, e.message), log: false };
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
    return { status: e.statusCode, body: body('input.invalid', e.message), log: false };
  return internal();
}

function unavailable(): HttpError {
  return {
    status: 503,
    body: body('db.unavailable', 'the database is unavailable; try again when it is back'),
    log: true,
  };
}

function internal(): HttpError {
  return {
    status: 500,
    body: body('internal', "internal error (details are in the collector's log)"),
    log: true,
  };
}

/** Installs the error and not-found handlers on the app. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const h = toHttpError(err);
    if (h.log) req.log.error({ err }, 'request failed');
    if (h.status === 401) reply.header('www-authenticate', 'Bearer realm="bootwatch"');
    // A refused WebSocket upgrade owns a raw connection nobody else will close.
    if ((req.headers.upgrade ?? '').toLowerCase() === 'websocket') {
      reply.header('connection', 'close');
      reply.raw.once('finish', () => req.raw.socket?.destroy());
    }
    const retryAfter = (err as BootwatchError).details as { retryAfter?: number } | undefined;
    if (h.status === 429 && retryAfter?.retryAfter)
      reply.header('retry-after', String(retryAfter.retryAfter));
    return reply.status(h.status).send(h.body);
  });
}
