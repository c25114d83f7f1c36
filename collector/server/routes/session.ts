/**
 * The dashboard's sign-in: a pasted token becomes an HttpOnly, SameSite=Strict cookie that
 * the access hook reads like a bearer token; sign-out clears it.
 */
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import { SessionInfo as Session, SignedInToken, SignIn } from '../../../common/schemas/access.ts';
import { SESSION_COOKIE } from '../plugins/access.ts';
import { errors } from '../schemas/common.ts';
import type { App } from '../types.ts';

/** A month: revoking the token ends the session sooner. */
const SESSION_MAX_AGE_S = 30 * 24 * 3600;

export async function sessionRoutes(app: App): Promise<void> {
  app.get(
    '/api/session',
    {
      schema: {
        tags: ['access'],
        summary: 'who this client is here: auth mode and the signed-in token',
        response: { 200: Session, ...errors(401, 429, 503) },
      },
    },
    async (req) => {
      const { auth, publicRead } = app.access.options;
      const token = req.principal.token;
      return {
        auth,
        publicRead,
        signedIn: token !== null,
        token: token && { name: token.name, scope: token.scope },
      };
    },
  );

  app.post(
    '/api/session',
    {
      config: { scope: 'public' },
      schema: {
        tags: ['access'],
        summary: 'sign in with a token: sets the HttpOnly session cookie',
        body: SignIn,
        response: { 200: SignedInToken, ...errors(400, 401, 403, 415, 429, 503) },
      },
    },
    async (req, reply) => {
      await app.access.refuseIfBlocked(req);
      const token = await app.access.lookup(req.body.token);
      if (!token)
        return app.access.fail(req, new BootwatchError('auth.invalid', 'the token is unknown or revoked'));
      reply.setCookie(SESSION_COOKIE, req.body.token, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        secure: isHttps(req.protocol, app.access.options.publicUrl),
        maxAge: SESSION_MAX_AGE_S,
      });
      return { name: token.name, scope: token.scope };
    },
  );

  app.delete(
    '/api/session',
    {
      config: { scope: 'public' },
      schema: {
        tags: ['access'],
        summary: 'sign out: clears the session cookie',
        response: { 204: Type.Null(), ...errors(403) },
      },
    },
    async (_req, reply) => {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );
}

/** A cookie marked Secure only travels over https: mark it so when the collector is reached that way. */
function isHttps(protocol: string, publicUrl: string | null): boolean {
  return protocol === 'https' || (publicUrl?.startsWith('https:') ?? false);
}
