/** What every client of a collector (runners, agents, ingest, bisect) sends to be let in. */
import { setting } from './settings.ts';

/** `Authorization: Bearer $BOOTWATCH_TOKEN` when a token is set, else nothing. */
export function authHeaders(token: string | undefined = setting('BOOTWATCH_TOKEN')): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
