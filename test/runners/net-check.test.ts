/**
 * The network check against a stand-in for slirp's forward: it accepts every host connection
 * at once, and a connection made before the guest's service listens stays silent for good
 * (slirp's SYN back-off), as the CI run's Debian boot showed. Only connections made after
 * the service is up get its banner.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkGuestAnswers } from '../../runners/qemu/net-check.ts';

let server: Server | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = null;
});

function forward(upAfterMs: number): Promise<number> {
  const upAt = Date.now() + upAfterMs;
  server = createServer((sock) => {
    sockets.push(sock);
    if (Date.now() >= upAt) sock.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
  });
  return new Promise((done) =>
    server!.listen(0, '127.0.0.1', () => done((server!.address() as { port: number }).port)),
  );
}

describe('checkGuestAnswers', () => {
  it('gets the banner from a connection made after the service came up, though earlier ones hang', async () => {
    const port = await forward(3000);
    const t0 = Date.now();
    const check = await checkGuestAnswers(port, 22, AbortSignal.timeout(20_000));
    expect(check).toMatchObject({ name: 'net', ok: true });
    expect(check.detail).toMatch(/SSH-2\.0-OpenSSH_9\.2p1/);
    // It did not wait for the boot to end (the 20 s abort) to find the answer.
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('says how many tries it made when nothing ever answered', async () => {
    const port = await forward(60_000);
    const check = await checkGuestAnswers(port, 22, AbortSignal.timeout(4500));
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/no answer from the guest on tcp\/22 .* after [3-9] tries/);
  });

  it('fails at once on a signal that was already aborted', async () => {
    const port = await forward(0);
    const check = await checkGuestAnswers(port, 22, AbortSignal.abort());
    expect(check.ok).toBe(false);
  });
});
