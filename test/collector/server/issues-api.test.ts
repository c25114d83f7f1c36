/**
 * Issues on PGlite and PostgreSQL, from real logs imported through the collector: one crash
 * seen in two variants groups into one issue, a failure without a crash (init cannot run)
 * groups by its key, and the status moves new → known → gone as clean boots follow.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import { GONE_AFTER } from '../../../collector/db/queries/issues.ts';
import type { App } from '../../../collector/server/types.ts';
import type { IssueDetail } from '../../../common/schemas/issues.ts';
import { appOn, importFixture, listIssues } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const CLEAN = 'logs/05-net-e1000.log';
const CRASH = 'crashes/kasan_uaf_read.log';
const NO_EXEC = 'logs/02-initrd-no-binfmt.log';

describe.each(backends())('issues on $name', (backend) => {
  let database: Database;
  let app: App;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await app?.close();
    await database?.close();
  });

  const importLog = (file: string, variant: string) => importFixture(app, file, variant);
  const list = (query = '') => listIssues(app, query);

  it('groups a crash across variants and a failed exec by its key, and tells new, known and gone', {
    timeout: 180_000,
  }, async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const clean = await importLog(CLEAN, 'a');
    const firstCrash = await importLog(CRASH, 'a');
    const secondCrash = await importLog(CRASH, 'a');
    const inB = await importLog(CRASH, 'b');
    const noExec = await importLog(NO_EXEC, 'c');

    const all = await list();
    const crash = all.find((i) => i.title === 'KASAN: use-after-free Read in lkdtm_READ_AFTER_FREE')!;
    expect(crash).toMatchObject({
      kind: 'kasan',
      count: 3,
      variants: ['a', 'b'],
      firstBootId: firstCrash,
      lastBootId: inB,
      // New in b, whose latest boot is its first appearance.
      status: 'new',
    });
    expect(all.filter((i) => i.signature === crash.signature)).toHaveLength(1);
    // Times are the boots' own, to the millisecond as every answer gives them (stored to the microsecond).
    const startedAt = async (id: number): Promise<string> =>
      (await app.inject({ method: 'GET', url: `/api/boots/${id}` })).json().startedAt;
    expect(crash.firstSeen).toBe(await startedAt(firstCrash));
    expect(crash.lastSeen).toBe(await startedAt(inB));
    const exec = all.find((i) => i.kind === 'init_exec')!;
    expect(exec).toMatchObject({
      signature: 'init_exec:/init:ENOENT',
      count: 1,
      variants: ['c'],
      firstBootId: noExec,
    });

    // Filters from the URL: kind, text, variant, the boot it appeared in.
    expect((await list('?kind=init_exec')).map((i) => i.id)).toEqual([exec.id]);
    expect((await list('?q=READ_AFTER')).map((i) => i.id)).toEqual([crash.id]);
    expect((await list('?variant=c')).map((i) => i.id)).toContain(exec.id);
    expect((await list('?variant=c')).map((i) => i.id)).not.toContain(crash.id);
    expect((await list(`?boot=${secondCrash}`)).map((i) => i.id)).toContain(crash.id);
    expect(await list(`?boot=${clean}`)).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/issues?status=fresh' })).statusCode).toBe(400);

    const detail = (
      await app.inject({ method: 'GET', url: `/api/issues/${crash.id}` })
    ).json() as IssueDetail;
    const a = detail.variants.find((v) => v.variant === 'a')!;
    // Compare's one click: a's last boot without the crash against its first boot with it.
    expect(a).toMatchObject({
      status: 'known',
      count: 2,
      firstBootId: firstCrash,
      lastCleanBootId: clean,
      bootsSince: 0,
    });
    expect(detail.variants.find((v) => v.variant === 'b')).toMatchObject({
      status: 'new',
      lastCleanBootId: null,
    });
    expect(detail.boots.map((b) => b.bootId)).toEqual([inB, secondCrash, firstCrash]);
    expect(detail.boots[0].line).toBeGreaterThan(0);
    expect(detail.boots[0].startedAt).toBe(await startedAt(inB));
    expect(a.firstSeen).toBe(await startedAt(firstCrash));
    expect(a.lastSeen).toBe(await startedAt(secondCrash));

    // A boot without a variant: counted, judged known (no history to be new or gone in), never named.
    const loose = await app.inject({
      method: 'POST',
      url: '/api/logs',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from(fixtureBytes(NO_EXEC)),
    });
    expect(loose.statusCode, loose.body).toBe(201);
    await app.collector.settle();
    expect((await list('?kind=init_exec'))[0]).toMatchObject({ count: 2, variants: ['c'], status: 'new' });
    const execDetail = (
      await app.inject({ method: 'GET', url: `/api/issues/${exec.id}` })
    ).json() as IssueDetail;
    expect(execDetail.variants.map((v) => [v.variant, v.status, v.bootsSince, v.lastCleanBootId])).toEqual([
      [null, 'known', 0, null],
      ['c', 'new', 0, null],
    ]);

    // Clean boots in both variants: the crash is gone once neither has shown it in GONE_AFTER boots.
    for (let i = 0; i < GONE_AFTER; i++) await importLog(CLEAN, 'a');
    expect((await list(`?q=READ_AFTER`))[0].status).toBe('new');
    for (let i = 0; i < GONE_AFTER; i++) await importLog(CLEAN, 'b');
    expect((await list('?q=READ_AFTER'))[0].status).toBe('gone');
    expect((await list('?status=gone')).map((i) => i.id)).toEqual([crash.id]);
    expect((await app.inject({ method: 'GET', url: '/api/issues/999999' })).statusCode).toBe(404);
  });
});
