/** The base of every URL the collector hands out (KCIDB links, JUnit console links). */
import type { FastifyRequest } from 'fastify';

/** BOOTWATCH_PUBLIC_URL when the collector was given one (behind a proxy), else the request's own origin. */
export function publicBaseUrl(req: FastifyRequest): string {
  const configured = req.server.access.options.publicUrl;
  return (configured ?? `${req.protocol}://${req.host}`).replace(/\/+$/, '');
}
