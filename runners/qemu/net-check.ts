/**
 * The network check: connect to the host end of the user-net port forward until the
 * guest answers with some bytes. slirp accepts the host connection even with nobody
 * listening in the guest, so only data from the guest counts as "TCP/IP works".
 */
import { connect, createServer, type Socket } from 'node:net';
import type { BootCheck } from '../../common/types/ingest.ts';

/** A free TCP port on 127.0.0.1 for the forward. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** A new connection this often while none has answered. */
const RETRY_MS = 2000;
/** Connections kept waiting at once; the oldest is dropped beyond this. */
const MAX_OPEN = 5;

/**
 * Polls the forward until the guest sends bytes or `signal` aborts (the boot ended).
 * Connections overlap: slirp accepts the host side at once and then retries its SYN to the
 * guest with a growing back-off, so a connection opened before the guest's network came up
 * may not reach sshd until long after it listens (CI: two tries in a 74 s Debian boot).
 * Older connections stay open, so an answer that is on its way is never thrown away.
 */
export async function checkGuestAnswers(
  port: number,
  guestPort: number,
  signal: AbortSignal,
): Promise<BootCheck> {
  let tries = 0;
  const open: Socket[] = [];
  const answer = new Promise<string | null>((done) => {
    const finish = (got: string | null) => {
      clearInterval(timer);
      signal.removeEventListener('abort', aborted);
      for (const s of open.splice(0)) s.destroy();
      done(got);
    };
    const aborted = () => finish(null);
    const attempt = () => {
      tries++;
      let data = '';
      const sock = connect({ host: '127.0.0.1', port });
      open.push(sock);
      if (open.length > MAX_OPEN) open.shift()?.destroy();
      sock.on('data', (b) => {
        data += b.toString('utf8');
        if (data.includes('\n')) finish(data);
      });
      // A connection slirp closed without bytes is one failed try; its data so far counts.
      const gone = () => {
        const i = open.indexOf(sock);
        if (i >= 0) open.splice(i, 1);
        if (data) finish(data);
      };
      sock.on('error', gone);
      sock.on('close', gone);
    };
    const timer = setInterval(attempt, RETRY_MS);
    if (signal.aborted) return finish(null);
    signal.addEventListener('abort', aborted, { once: true });
    attempt();
  });
  const got = await answer;
  if (got)
    return {
      name: 'net',
      ok: true,
      detail: `guest answered on tcp/${guestPort} via 127.0.0.1:${port}: ${JSON.stringify(got.trim().slice(0, 80))}`,
    };
  return {
    name: 'net',
    ok: false,
    detail: `no answer from the guest on tcp/${guestPort} (127.0.0.1:${port}) after ${tries} tries`,
  };
}
