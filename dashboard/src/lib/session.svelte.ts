/**
 * Who this browser is to the collector: whether it asks for tokens at all, and the signed-in
 * token's name and scope. The token itself lives only in the HttpOnly cookie the sign-in sets.
 */
import { ApiError, api, SCOPES, type Scope, type SessionInfo } from './api.ts';

class Session {
  info = $state.raw<SessionInfo | null>(null);
  error = $state<Error | null>(null);
  /** The collector asks for tokens (false until known, and on the loopback demo). */
  auth = $derived(this.info?.auth ?? false);
  publicRead = $derived(this.info?.publicRead ?? false);
  token = $derived(this.info?.signedIn ? this.info.token : null);
  /** Whether this browser may read: with auth off, a session, or public read. */
  canRead = $derived(this.info != null && (!this.info.auth || this.info.publicRead || this.info.signedIn));

  /** Whether the signed-in token (or, with auth off, anyone) may do what needs `scope`. */
  can(scope: Scope): boolean {
    if (!this.info) return false;
    if (!this.info.auth) return true;
    if (scope === 'read' && this.info.publicRead) return true;
    const t = this.token;
    return t != null && SCOPES.indexOf(t.scope) >= SCOPES.indexOf(scope);
  }

  /** Asks the collector; an unreachable one leaves `error` set and `info` as it was. */
  async load(): Promise<void> {
    try {
      this.info = await api.session();
      this.error = null;
    } catch (err) {
      this.error = err instanceof Error ? err : new Error(String(err));
    }
  }

  async signIn(token: string): Promise<void> {
    await api.signIn(token);
    await this.load();
  }

  async signOut(): Promise<void> {
    await api.signOut();
    await this.load();
  }

  /** A request answered 401: the cookie expired or its token was revoked. */
  lost(): void {
    if (this.info?.signedIn) this.info = { ...this.info, signedIn: false, token: null };
  }
}

export const session = new Session();

/** What to show where an action was refused for the token's scope. */
export function forbiddenMessage(err: unknown, needs: Scope): string | null {
  if (!(err instanceof ApiError) || !err.forbidden) return null;
  const t = session.token;
  return t
    ? `Your token ${t.name} (${t.scope}) may not do this: it needs ${needs}.`
    : `Signed out: this needs a token with the ${needs} scope.`;
}
