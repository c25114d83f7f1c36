/**
 * The network check: connect to the host end of the user-net port forward until the
 * guest answers with some bytes. slirp accepts the host connection even with nobody
 * listening in the guest, so only data from the guest counts as "TCP/IP works".
 */
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
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

/**
 * One connection, kept open until the guest sends bytes or slirp closes it: closing it
 * early could lose the guest's one answer into a connection nobody reads any more.
 */
function tryOnce(port: number, signal: AbortSignal): Promise<string | null> {
  return new Promise((done) => {
    let data = '';
    const sock = connect({ host: '127.0.0.1', port });
    const end = () => {
      signal.removeEventListener('abort', end);
      sock.destroy();
      done(data || null);
    };
    signal.addEventListener('abort', end, { once: true });
    sock.on('data', (b) => {
      data += b.toString('utf8');
      if (data.includes('\n')) end();
    });
    sock.on('error', end);
    sock.on('close', end);
  });
}

/** Polls the forward until the guest sends bytes or `signal` aborts (the boot ended). */
export async function checkGuestAnswers(
  port: number,
  guestPort: number,
  signal: AbortSignal,
): Promise<BootCheck> {
  let tries = 0;
  while (!signal.aborted) {
    tries++;
    const got = await tryOnce(port, signal);
    if (got)
      return {
        name: 'net',
        ok: true,
        detail: `guest answered on tcp/${guestPort} via 127.0.0.1:${port}: ${JSON.stringify(got.trim().slice(0, 80))}`,
      };
    await sleep(250);
  }
  return {
    name: 'net',
    ok: false,
    detail: `no answer from the guest on tcp/${guestPort} (127.0.0.1:${port}) after ${tries} tries`,
  };
}
