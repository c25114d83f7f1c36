/**
 * The console ingest and live feed WebSockets on PGlite and a real PostgreSQL, through
 * injectWS: disconnects, re-sends and collector restarts lose and duplicate nothing.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { rowsOf } from '../../../collector/db/rows.ts';
import { BootLogParser, parseLog } from '../../../collector/parser/index.ts';
import type { App } from '../../../collector/server/types.ts';
import type { BootDetail } from '../../../common/types/api.ts';
import type { FeedMessage } from '../../../common/types/ingest.ts';
import { appOn, connectWs, type MessageQueue } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const chunk = (bytes: Uint8Array, from: number, to: number) => ({
  type: 'chunk',
  offset: from,
  data: Buffer.from(bytes.subarray(from, to)).toString('base64'),
});
const isAck = (offset: number) => (m: { type: string; offset?: unknown }) =>
  m.type === 'ack' && m.offset === offset;

describe.each(backends())('WebSockets on $name', (backend) => {
  let database: Database;
  const apps: App[] = [];
  const sockets: MessageQueue[] = [];
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.socket.terminate();
    for (const a of apps.splice(0)) await a.close();
    await database?.close();
  });
  async function start(): Promise<App> {
    database ??= await backend.fresh();
    const app = await appOn(database);
    apps.push(app);
    return app;
  }
  async function ws(app: App, path: string): Promise<MessageQueue> {
    const s = await connectWs(app, path);
    sockets.push(s);
    return s;
  }
  async function newBoot(app: App): Promise<number> {
    const r = await app.inject({
      method: 'POST',
      url: '/api/boots',
      payload: { target: 'qemu', variant: 'ws' },
    });
    return r.json<{ id: number }>().id;
  }
  async function counts(bootId: number) {
    const [r] = await rowsOf<{ lines: number; events: number; distinct_lines: number }>(
      database.db,
      sql`select (select count(*)::int from console_lines where boot_id = ${bootId}) as lines,
        (select count(distinct line)::int from console_lines where boot_id = ${bootId}) as distinct_lines,
        (select count(*)::int from events where boot_id = ${bootId}) as events`,
    );
    return r;
  }

  it('resumes after a disconnect: overlapping re-sends are stored once, the boot parses as a whole', async () => {
    database = await backend.fresh();
    const app = await start();
    const bytes = fixtureBytes('logs/07-block-initcall-debug.log');
    const id = await newBoot(app);
    const cut = 20_011; // mid-line, so the parser holds a partial line across the reconnect

    const first = await ws(app, `/api/boots/${id}/console/ws`);
    expect(await first.next()).toEqual({ type: 'ack', offset: 0 });
    first.send(chunk(bytes, 0, 10_000));
    first.send(chunk(bytes, 10_000, cut));
    await first.next(isAck(cut));
    first.socket.terminate();

    const second = await ws(app, `/api/boots/${id}/console/ws`);
    expect(await second.next()).toEqual({ type: 'ack', offset: cut });
    // The runner re-sends from what it last sent, overlapping what the collector stored.
    second.send(chunk(bytes, 15_000, 30_000));
    await second.next(isAck(30_000));
    second.send(chunk(bytes, 30_000, bytes.length));
    await second.next(isAck(bytes.length));
    second.send({ type: 'finish', finish: { endReason: 'shutdown', consoleBytes: bytes.length } });
    const expected = parseLog(bytes);
    expect(await second.next((m) => m.type === 'finished')).toEqual({
      type: 'finished',
      outcome: expected.outcome,
    });

    const raw = await app.inject({ method: 'GET', url: `/api/boots/${id}/console.raw` });
    expect(Buffer.compare(raw.rawPayload, bytes)).toBe(0);
    const c = await counts(id);
    expect(c).toEqual({
      lines: expected.stats.lines,
      distinct_lines: expected.stats.lines,
      events: expected.events.length,
    });
    const boot = (await app.inject({ method: 'GET', url: `/api/boots/${id}` })).json<BootDetail>();
    const { outcome, ...fields } = wire(expected);
    expect(boot).toMatchObject({ ...fields, outcome, state: 'finished', consoleBytes: bytes.length });
  });

  it('rebuilds a live boot after a collector restart by replaying the stored bytes', async () => {
    database = await backend.fresh();
    const bytes = fixtureBytes('logs/02-initrd-no-binfmt.log');
    const before = await start();
    const id = await newBoot(before);
    const a = await ws(before, `/api/boots/${id}/console/ws`);
    await a.next(isAck(0));
    a.send(chunk(bytes, 0, 3333));
    await a.next(isAck(3333));
    await before.close();

    const after = await start();
    const running = (await after.inject({ method: 'GET', url: `/api/boots/${id}` })).json<BootDetail>();
    expect(running).toMatchObject({ state: 'running', outcome: null });
    const live = new BootLogParser({ context: { initIsScript: false } });
    live.push(bytes.subarray(0, 3333));
    expect(running.events).toEqual(wire(live.result().events));
    expect(running.milestones).toEqual(live.result().milestones);
    const b = await ws(after, `/api/boots/${id}/console/ws`);
    expect(await b.next()).toEqual({ type: 'ack', offset: 3333 });
    b.send(chunk(bytes, 3333, bytes.length));
    await b.next(isAck(bytes.length));
    b.send({ type: 'finish', finish: { endReason: 'panic' } });
    const expected = parseLog(bytes);
    expect(await b.next((m) => m.type === 'finished')).toEqual({
      type: 'finished',
      outcome: expected.outcome,
    });
    const boot = (await after.inject({ method: 'GET', url: `/api/boots/${id}` })).json<BootDetail>();
    expect(boot.events).toEqual(wire(expected.events));
    expect(boot.diagnosis).toEqual(wire(expected.diagnosis));
    expect(await counts(id)).toEqual({
      lines: expected.stats.lines,
      distinct_lines: expected.stats.lines,
      events: expected.events.length,
    });
  });

  it('refuses a gap and bad messages without losing the connection', async () => {
    database = await backend.fresh();
    const app = await start();
    const id = await newBoot(app);
    const s = await ws(app, `/api/boots/${id}/console/ws`);
    await s.next(isAck(0));
    s.send(chunk(Buffer.from('[    0.000000] Linux version 6.1.0\n'), 0, 35));
    await s.next(isAck(35));
    s.send({ type: 'chunk', offset: 100, data: Buffer.from('later\n').toString('base64') });
    expect(await s.next((m) => m.type === 'error')).toMatchObject({ type: 'error', code: 'conflict' });
    s.socket.send('not json');
    expect(await s.next((m) => m.type === 'error')).toMatchObject({ code: 'input.invalid' });
    s.send({ type: 'finish', finish: { endReason: 'teleported' } });
    expect(await s.next((m) => m.type === 'error')).toMatchObject({ code: 'input.invalid' });
    s.send({ type: 'chunk', offset: 35, data: Buffer.from('next\n').toString('base64') });
    expect(await s.next((m) => m.type === 'ack')).toEqual({ type: 'ack', offset: 40 });
  });

  it('a burst of chunks queued behind a write is stored as one, acked at the end, and parses the same', async () => {
    database = await backend.fresh();
    const app = await start();
    const bytes = fixtureBytes('logs/07-block-initcall-debug.log');
    const id = await newBoot(app);
    const s = await ws(app, `/api/boots/${id}/console/ws`);
    await s.next(isAck(0));
    const acks: number[] = [];
    s.socket.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; offset?: number };
      if (m.type === 'ack') acks.push(m.offset!);
    });
    // Small chunks, all sent at once, as a runner does when the console outpaces the database.
    const size = 200;
    const chunks = Math.ceil(bytes.length / size);
    for (let from = 0; from < bytes.length; from += size)
      s.send(chunk(bytes, from, Math.min(bytes.length, from + size)));
    await s.next(isAck(bytes.length));
    // Joined into far fewer appends than chunks, each ack at a chunk's end and never backwards.
    expect(acks.length).toBeLessThan(chunks / 4);
    for (const [i, a] of acks.entries()) {
      expect(a === bytes.length || a % size === 0).toBe(true);
      if (i) expect(a).toBeGreaterThan(acks[i - 1]);
    }
    s.send({ type: 'finish', finish: { endReason: 'marker' } });
    await s.next((m) => m.type === 'finished');
    const expected = parseLog(bytes);
    const boot = (await app.inject({ method: 'GET', url: `/api/boots/${id}` })).json<BootDetail>();
    expect(boot.consoleBytes).toBe(bytes.length);
    expect(boot.events).toEqual(wire(expected.events));
    expect(await counts(id)).toEqual({
      lines: expected.stats.lines,
      distinct_lines: expected.stats.lines,
      events: expected.events.length,
    });
    const raw = await app.inject({ method: 'GET', url: `/api/boots/${id}/console.raw` });
    expect(Buffer.from(raw.rawPayload).equals(Buffer.from(bytes))).toBe(true);
  });

  it('tells a runner streaming to an unknown boot, and closes', async () => {
    database = await backend.fresh();
    const app = await start();
    const s = await ws(app, '/api/boots/4242/console/ws');
    expect(await s.next()).toMatchObject({ type: 'error', code: 'boot.not_found' });
    expect((await s.whenClosed()).code).toBe(4404);
  });

  it("pushes a live boot's lines and events to the feed as they arrive", async () => {
    database = await backend.fresh();
    const app = await start();
    const all = await ws(app, '/api/feed');
    expect(await all.next()).toEqual({ type: 'subscribed', bootId: null });
    // A page that lists boots asks for state changes only: it never receives console lines.
    const states = await ws(app, '/api/feed?types=subscribed,boot,build');
    expect(await states.next()).toEqual({ type: 'subscribed', bootId: null });
    const id = await newBoot(app);
    expect(await all.next((m) => m.type === 'boot')).toEqual({
      type: 'boot',
      bootId: id,
      variant: 'ws',
      state: 'started',
    });

    const feed = await ws(app, `/api/feed?boot=${id}`);
    expect(await feed.next()).toEqual({ type: 'subscribed', bootId: id });
    const bytes = fixtureBytes('logs/03-exec-no-net.log');
    const expected = parseLog(bytes);
    const ingest = await ws(app, `/api/boots/${id}/console/ws`);
    await ingest.next(isAck(0));
    ingest.send(chunk(bytes, 0, bytes.length));

    const seen: Extract<FeedMessage, { type: 'lines' }>[] = [];
    const lineNumbers = () => seen.flatMap((m) => m.lines.map((l) => l.line));
    while (lineNumbers().length < expected.stats.lines)
      seen.push((await feed.next((x) => x.type === 'lines')) as (typeof seen)[number]);
    expect(lineNumbers()).toEqual(Array.from({ length: expected.stats.lines }, (_, i) => i + 1));
    const banner = expected.events.find((e) => e.kind === 'milestone' && e.name === 'kernel_start')!;
    const bannerLine = seen.flatMap((m) => m.lines).find((l) => l.line === banner.line);
    expect(bannerLine?.text).toContain('Linux version 6.1.192');
    const ev = (await feed.next((x) => x.type === 'events')) as Extract<FeedMessage, { type: 'events' }>;
    expect(ev.events[0]).toEqual(wire(expected.events[0]));

    ingest.send({ type: 'finish', finish: { endReason: 'shutdown' } });
    expect(await feed.next((m) => m.type === 'boot')).toEqual({
      type: 'boot',
      bootId: id,
      variant: 'ws',
      state: 'finished',
      outcome: expected.outcome,
    });
    // The boot-filtered feed never saw other boots' or builds' messages; the global one sees progress.
    await app.inject({
      method: 'POST',
      url: '/api/builds/progress',
      payload: { variant: 'ws', phase: 'link', percent: 99 },
    });
    expect(await all.next((m) => m.type === 'build')).toEqual({
      type: 'build',
      buildId: null,
      variant: 'ws',
      phase: 'link',
      percent: 99,
    });
    // In order: started, finished, the build; no lines or events in between.
    expect((await states.next()).type).toBe('boot');
    expect(await states.next()).toMatchObject({ type: 'boot', state: 'finished' });
    expect(await states.next()).toMatchObject({ type: 'build', phase: 'link' });
  });

  it('refuses a feed asking for message types that do not exist', async () => {
    database = await backend.fresh();
    const app = await start();
    const r = await app.inject({ method: 'GET', url: '/api/feed?types=lines,secrets' });
    expect(r.statusCode).toBe(400);
  });
});
