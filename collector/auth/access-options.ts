/** How a collector guards itself: auth mode, public read, rate and socket limits, from settings. */
import { isIP } from 'node:net';
import { setting } from '../../common/settings.ts';

export interface AccessOptions {
  /** Tokens required (CONTRACT.md "Access"). */
  auth: boolean;
  /** With auth on, anonymous clients may read. */
  publicRead: boolean;
  /** Listening on loopback only: requests must name a loopback host (no DNS rebinding). */
  loopback: boolean;
  /** The collector's public base URL behind a proxy: its origin may write too. */
  publicUrl: string | null;
  /** Requests a minute per client (token, else address); 0 = no limit. */
  rateLimit: number;
  /** Open WebSockets per client. */
  maxSockets: number;
  /** Failed authentications a minute from one address before it gets 429. */
  failedAuthPerMinute: number;
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1' || h === '::ffff:127.0.0.1';
}

/** The access rules for a collector listening on `host`, from the environment. */
export function accessFromSettings(host: string, env: NodeJS.ProcessEnv = process.env): AccessOptions {
  const loopback = isLoopbackHost(host);
  return {
    auth: setting('BOOTWATCH_AUTH', env) ?? !loopback,
    publicRead: setting('BOOTWATCH_PUBLIC_READ', env) ?? false,
    loopback,
    publicUrl: setting('BOOTWATCH_PUBLIC_URL', env) ?? null,
    rateLimit: setting('BOOTWATCH_RATE_LIMIT', env),
    maxSockets: setting('BOOTWATCH_MAX_SOCKETS', env),
    failedAuthPerMinute: 100,
  };
}

/** What `buildApp` uses when not told: a loopback collector as `serve` would run it by default. */
export function defaultAccess(): AccessOptions {
  return accessFromSettings('127.0.0.1', {});
}
