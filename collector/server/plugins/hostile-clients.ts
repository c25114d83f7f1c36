/**
 * Rules that hold whether auth is on or off (CONTRACT.md "Access"): security headers with a
 * strict CSP, no cross-site writes or socket upgrades (Origin), no bodies a browser form or
 * a `no-cors` fetch can send (415), and on a loopback collector no foreign Host (DNS rebinding).
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BootwatchError } from '../../../common/errors.ts';
import { type AccessOptions, isLoopbackHost } from '../../auth/access-options.ts';

/** The types a cross-site page can send without a CORS preflight. */
const SIMPLE_BODY_TYPES =
  /^\s*(text\/plain|application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True for a WebSocket upgrade request. */
export function isUpgrade(req: FastifyRequest): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** host[:port] lower-cased, without the scheme's default port (as `URL.host` writes it). */
const normalHost = (h: string) => h.toLowerCase().replace(/:(80|443)$/, '');

/** The Host header, normalised ('' when absent). */
function hostOf(req: FastifyRequest): string {
  return normalHost(req.headers.host ?? '');
}

/** `host` of an origin URL, or null for `null`, opaque or malformed origins. */
function originHost(origin: string): string | null {
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? normalHost(u.host) : null;
  } catch {
    return null;
  }
}

export async function registerHostileClientRules(app: FastifyInstance, opts: AccessOptions): Promise<void> {
  const publicHost = opts.publicUrl ? originHost(opts.publicUrl) : null;

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    // The collector serves plain http on a lab network as often as behind TLS: no HSTS by default.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  });

  app.addHook('onRequest', async (req) => {
    // Browsers always send Host; a client without one is not a rebinding page.
    if (opts.loopback && req.headers.host) {
      const hostname = hostOf(req).replace(/:\d+$/, '');
      if (!isLoopbackHost(hostname) && hostOf(req) !== publicHost)
        throw new BootwatchError(
          'origin.forbidden',
          `this collector listens on loopback and answers only to a loopback host name, not "${hostname}"`,
        );
    }
    const writes = !SAFE_METHODS.has(req.method);
    if (!writes && !isUpgrade(req)) return;
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const from = originHost(origin);
      if (from === null || (from !== hostOf(req) && from !== publicHost))
        throw new BootwatchError('origin.forbidden', `cross-origin request from ${origin} refused`);
    }
    if (writes && SIMPLE_BODY_TYPES.test(req.headers['content-type'] ?? ''))
      throw new BootwatchError(
        'media.unsupported',
        'send JSON as application/json and bytes as application/octet-stream',
      );
  });
}
