/**
 * Spool and resend: console bytes written while the collector is away are kept on disk
 * and re-sent from the collector's ack, losing and duplicating nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectorClient } from '../../runners/collector-client.ts';
import { Spool } from '../../runners/spool.ts';
import { type RealCollector, startRealCollector } from './helpers/real-collector.ts';

let collector: RealCollector | null = null;

interface BootRow {
  id: number;
  variant: string | null;
  outcome: string;
}
afterEach(async () => {
  await collector?.stop();
  collector = null;
});

function freshSpool(): Spool {
  return new Spool(mkdtempSync(join(tmpdir(), 'bw-spool-')));
}

describe('collector client with the disk spool', () => {
  it('keeps streaming across a collector killed mid-stream and restarted', async () => {
    collector = await startRealCollector();
    const client = new CollectorClient(collector.url, freshSpool(), 2000);
    const up = client.openBoot({ target: 'qemu', variant: 'killed-mid-stream' });
    const sent: Buffer[] = [];
    for (let i = 0; i < 120; i++) {
      const chunk = Buffer.concat([Buffer.from(`[ ${i}] line ${i}\n`), randomBytes(i % 7)]);
      sent.push(chunk);
      up.write(chunk);
      if (i === 40) await collector.stop();
      if (i === 80) await collector.start();
      await sleep(5);
    }
    const d = await up.finish({ endReason: 'marker', status: 'PASS' });
    expect(d.delivered).toBe(true);
    expect((await collector.rawConsole(d.bootId!)).equals(Buffer.concat(sent))).toBe(true);
    const boots = await collector.get<BootRow[]>('/api/boots?limit=50');
    expect(boots.map((b) => b.variant)).toEqual(['killed-mid-stream']);
    expect(client.spool.pending()).toHaveLength(0);
  }, 60_000);

  it('with the collector away for the whole run, everything is spooled, then flushed exactly once', async () => {
    collector = await startRealCollector();
    const port = collector.port;
    await collector.stop();
    const spool = freshSpool();
    const offline = new CollectorClient(`http://127.0.0.1:${port}`, spool, 500);
    const build = await offline.postBuild({
      variant: 'v',
      status: 'PASS',
      startedAt: new Date().toISOString(),
    });
    expect(build.id).toBeNull();
    const up = offline.openBoot({ target: 'qemu', variant: 'v' }, build.key);
    const bytes = randomBytes(300_000);
    for (let i = 0; i < bytes.length; i += 10_000) up.write(bytes.subarray(i, i + 10_000));
    const d = await up.finish({ endReason: 'shutdown', status: 'PASS' }, 1500);
    expect(d.delivered).toBe(false);
    expect(spool.pending().map((i) => i.read().kind)).toEqual(['build', 'boot']);

    await collector.start();
    const online = new CollectorClient(collector.url, spool);
    const r = await online.flush();
    expect(r).toMatchObject({ delivered: 2, left: 0 });
    const builds = await collector.get<{ id: number; variant: string }[]>('/api/builds');
    expect(builds.map((b) => b.variant)).toEqual(['v']);
    const boots = await collector.get<BootRow[]>('/api/boots?limit=50');
    expect(boots).toHaveLength(1);
    expect((await collector.rawConsole(boots[0].id)).equals(bytes)).toBe(true);
    const boot = await collector.get<{ buildId: number | null }>(`/api/boots/${boots[0].id}`);
    expect(boot.buildId).toBe(builds[0].id);
    // A second flush has nothing left to send.
    expect(await online.flush()).toMatchObject({ delivered: 0, left: 0 });
    expect(await collector.get<BootRow[]>('/api/boots?limit=50')).toHaveLength(1);
  }, 60_000);

  it('a boot whose runner died is sent as a harness error, not left behind', async () => {
    collector = await startRealCollector();
    const spool = freshSpool();
    const item = spool.item('boot-dead');
    item.write({
      kind: 'boot',
      key: 'boot-dead',
      createdAt: new Date().toISOString(),
      input: { target: 'qemu', variant: 'd', idempotencyKey: 'boot-dead' },
    });
    item.appendConsole(Buffer.from('[    0.000000] Linux version 6.1\n'));
    const r = await new CollectorClient(collector.url, spool).flush();
    expect(r.delivered).toBe(1);
    const [b] = await collector.get<BootRow[]>('/api/boots?limit=50');
    expect(b.outcome).toBe('error');
    expect((await collector.rawConsole(b.id)).toString()).toContain('Linux version');
  }, 30_000);
});
