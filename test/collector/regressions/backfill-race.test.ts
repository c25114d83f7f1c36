/**
 * Two collectors on one real PostgreSQL: a boot finishes on A while A's analysis is still
 * queued (held here at its claim, as a long queue or a busy server holds it), and B starts
 * and backfills the boots it finds ungrouped, this one among them. The issue the boot opened
 * must be announced once on the live feed, by whichever groups it first: B's backfill used
 * to group it quietly, and A then found nothing new to announce.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../collector/db/client.ts';
import { Collector } from '../../../collector/ingest/collector.ts';
import type { FeedMessage } from '../../../common/schemas/feed.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { findPostgresBin, startPostgres, type TestPostgres } from '../../helpers/postgres.ts';

const KASAN = 'KASAN: use-after-free Read in lkdtm_READ_AFTER_FREE';

// CI has PostgreSQL (startPostgres fails loudly there without it); elsewhere it may be absent.
describe.skipIf(findPostgresBin() === null && !process.env.CI)('backfill beside a live finish', () => {
  let server: TestPostgres;
  let url: string;
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
  }, 120_000);
  afterAll(() => server?.dispose());

  it("announces a boot's new issue once when another collector's start-up groups it first", {
    timeout: 120_000,
  }, async () => {
    const a = new Collector(await openDatabase({ url }));
    await a.background.idle();
    const heard: { on: string; m: FeedMessage }[] = [];
    a.feed.subscribe((m) => heard.push({ on: 'a', m }));
    const lock = new pg.Client({ connectionString: url });
    await lock.connect();
    let b: Collector | null = null;
    try {
      // Every analysis claim waits: A's analysis of the boot stays queued behind its first one.
      await lock.query('begin');
      await lock.query('lock table analysis_claims in share mode');
      const { id } = await a.importLog(fixtureBytes('crashes/kasan_uaf_read.log'), { variant: 'race' });

      b = new Collector(await openDatabase({ url }));
      b.feed.subscribe((m) => heard.push({ on: 'b', m }));
      await b.background.idle();
      const [{ n }] = (await lock.query('select count(*)::int as n from boots where not issues_grouped'))
        .rows as { n: number }[];
      expect(n).toBe(0);

      await lock.query('commit');
      await a.settle();
      const announced = heard.filter(({ m }) => m.type === 'issue' && m.title === KASAN);
      expect(announced.map(({ on, m }) => ({ on, ...m }))).toEqual([
        expect.objectContaining({ on: 'b', status: 'new', previous: null, bootId: id }),
      ]);
    } finally {
      await lock.end();
      await a.settle();
      await a.database.close();
      await b?.settle();
      await b?.database.close();
    }
  });
});
