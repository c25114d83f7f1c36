/**
 * Bodies that are not JSON arrive as raw bytes (console uploads, log files: any bytes,
 * never decoded), so `text/plain` and unknown types reach handlers as Buffers. JSON bodies
 * go through the depth-bounded parser of json-body.ts.
 */

import type { FastifyInstance } from 'fastify';
import { BootwatchError } from '../../common/errors.ts';
import { parseJsonBody } from './json-body.ts';

/** Console uploads and log imports may be this large; JSON bodies stay far smaller. */
export const RAW_BODY_LIMIT = 64 << 20;

/** Installs the depth-bounded JSON parser and the catch-all byte parser on the app. */
export function acceptRawBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

/** The request body as bytes; a JSON body on a byte route is refused. */
export function bodyBytes(body: unknown): Buffer {
  if (body == null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  throw new BootwatchError(
    'input.invalid',
    'send the bytes as application/octet-stream (or text/plain), not JSON',
  );
}
