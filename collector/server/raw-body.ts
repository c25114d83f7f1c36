/**
 * Bodies that are not JSON arrive as raw bytes (console uploads, log files: any bytes,
 * never decoded), so `text/plain` and unknown types reach handlers as Buffers.
 */

import type { FastifyInstance } from 'fastify';
import { BootwatchError } from '../../common/errors.ts';

/** Console uploads and log imports may be this large; JSON bodies stay far smaller. */
export const RAW_BODY_LIMIT = 64 << 20;

/** Installs the catch-all byte parser on the app. */
export function acceptRawBodies(app: FastifyInstance): void {
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
