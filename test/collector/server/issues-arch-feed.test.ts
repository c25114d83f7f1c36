/**
 * Issues by architecture, on the live feed, in the KCIDB export, and for boots stored before
 * issues existed — on
 * PGlite and PostgreSQL, from real logs (an x86_64 KASAN report, Debian's arm64 kernel
 * crashing on sysrq) imported through the collector.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateKcidb } from '../../../collector/analysis/kcidb.ts';
import type { Database } from '../../../collector/db/client.ts';
import { GONE_AFTER } from '../../../collector/db/queries/issues.ts';
import { boots, issueBoots, issues } from '../../../collector/db/schema/index.ts';
import type { App } from '../../../collector/server/types.ts';
import { appOn, connectWs, importFixture, listIssues } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const CLEAN = 'logs/05-net-e1000.log';
const X86_CRASH = 'crashes/kasan_uaf_read.log';
const ARM64_CRASH = 'crashes-arm64/sysrq_crash.log';

describe.each(backends())('issues by arch, live and backfilled on $name', (backend) => {
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

  it('filters issues by the architecture of the boots they appeared in', { timeout: 120_000 }, async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const arm = await importLog(ARM64_CRASH, 'arm');
    await importLog(X86_CRASH, 'x86');
    const [row] = await database.db.select({ arch: boots.arch }).from(boots).where(eq(boots.id, arm));
    expect(row.arch).toBe('arm64');
    // The arm64 boot panicked: its errors (`efi: UEFI not found.`) are issues too.
    const onArm = (await list('?arch=arm64')).map((i) => i.title);
    expect(onArm).toContain('kernel panic: sysrq triggered crash');
    expect(onArm).not.toContain('KASAN: use-after-free Read in lkdtm_READ_AFTER_FREE');
    expect((await list('?arch=x86_64')).map((i) => i.title)).toEqual([
      'KASAN: use-after-free Read in lkdtm_READ_AFTER_FREE',
    ]);
    expect(await list('?arch=riscv64')).toEqual([]);
    expect((await list('?arch=arm64,x86_64')).length).toBe(onArm.length + 1);
    const bad = await app.inject({ method: 'GET', url: '/api/issues?arch=sparc' });
    expect(bad.statusCode).toBe(400);
  });

  it('announces a new issue and each change of its status on the live feed', {
    timeout: 180_000,
  }, async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const feed = await connectWs(app, '/api/feed');
    await feed.next((m) => m.type === 'subscribed');
    const crashBoot = await importLog(X86_CRASH, 'a');
    const created = await feed.next((m) => m.type === 'issue');
    expect(created).toMatchObject({
      type: 'issue',
      kind: 'kasan',
      title: 'KASAN: use-after-free Read in lkdtm_READ_AFTER_FREE',
      status: 'new',
      previous: null,
      bootId: crashBoot,
    });
    // The next boot of the variant no longer is its first appearance: known.
    const clean = await importLog(CLEAN, 'a');
    expect(await feed.next((m) => m.type === 'issue')).toMatchObject({
      id: created.id,
      status: 'known',
      previous: 'new',
      bootId: clean,
    });
    // Unchanged statuses are not repeated; gone comes after GONE_AFTER clean boots.
    let last = clean;
    for (let i = 1; i < GONE_AFTER; i++) last = await importLog(CLEAN, 'a');
    expect(await feed.next((m) => m.type === 'issue')).toMatchObject({
      id: created.id,
      status: 'gone',
      previous: 'known',
      bootId: last,
    });
  });

  it('exports the grouped issues to KCIDB with first and last seen, one incident per boot', {
    timeout: 120_000,
  }, async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const post = async (url: string, payload: object | Buffer) => {
      const raw = Buffer.isBuffer(payload);
      const r = await app.inject({
        method: 'POST',
        url,
        payload,
        headers: { 'content-type': raw ? 'application/octet-stream' : 'application/json' },
      });
      expect(r.statusCode, r.body).toBeLessThan(300);
      return r.json() as { id: number };
    };
    const { id: buildId } = await post('/api/builds', {
      variant: 'kasan',
      status: 'PASS',
      startedAt: '2026-01-01T00:00:00Z',
      source: { name: 'linux-source-6.1', version: '6.1.192', kind: 'tarball' },
    });
    const boot = async (file: string) => {
      const log = Buffer.from(fixtureBytes(file));
      const { id } = await post('/api/boots', { target: 'qemu', buildId, variant: 'kasan' });
      await post(`/api/boots/${id}/console?offset=0`, log);
      await post(`/api/boots/${id}/finish`, { endReason: 'marker', consoleBytes: log.length });
      await app.collector.settle();
      return id;
    };
    const first = await boot(X86_CRASH);
    const second = await boot(X86_CRASH);
    const noExec = await boot('logs/02-initrd-no-binfmt.log');
    const r = await app.inject({ method: 'GET', url: '/api/export/kcidb' });
    expect(r.statusCode, r.body).toBe(200);
    const data = r.json() as {
      issues: { id: string; report_subject: string; misc: { signature: string } }[];
      incidents: { issue_id: string; test_id: string }[];
    };
    expect(validateKcidb(data)).toEqual({ valid: true, errors: [] });
    const [grouped] = await list('?kind=kasan');
    const kasan = data.issues.filter((i) => i.report_subject === grouped.title);
    expect(kasan).toHaveLength(1);
    expect(kasan[0]).toMatchObject({
      categories: ['runtime.kasan'],
      misc: {
        signature: grouped.signature,
        first_seen: grouped.firstSeen,
        last_seen: grouped.lastSeen,
        count: 2,
      },
    });
    expect(data.incidents.filter((i) => i.issue_id === kasan[0].id).map((i) => i.test_id)).toEqual([
      `bootwatch:boot-${first}`,
      `bootwatch:boot-${second}`,
    ]);
    // A failure without a crash is an issue too: init that cannot be executed.
    const exec = data.issues.find((i) => i.misc.signature === 'init_exec:/init:ENOENT');
    expect(exec).toMatchObject({ categories: ['runtime.init_exec'] });
    expect(data.incidents.find((i) => i.issue_id === exec?.id)?.test_id).toBe(`bootwatch:boot-${noExec}`);
  });

  it('groups boots stored before issues existed at start-up, once', { timeout: 120_000 }, async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const crash = await importLog(X86_CRASH, 'a');
    await importLog(ARM64_CRASH, 'b');
    const before = await list();
    expect(before.map((i) => i.title)).toContain('kernel panic: sysrq triggered crash');
    // What migration 0012 leaves for a boot stored before 0010: no issue rows, not grouped.
    await database.db.delete(issues);
    await database.db.update(boots).set({ issuesGrouped: false });
    expect(await list()).toEqual([]);

    await app.close();
    app = await appOn(database);
    await app.collector.settle();
    const after = await list();
    expect(after.map((i) => [i.title, i.count, i.firstBootId])).toEqual(
      before.map((i) => [i.title, i.count, i.firstBootId]),
    );
    expect(after.find((i) => i.kind === 'kasan')?.firstBootId).toBe(crash);

    // Again at the next start: nothing left to group, nothing counted twice.
    await app.close();
    app = await appOn(database);
    await app.collector.settle();
    expect((await list()).map((i) => i.count)).toEqual(after.map((i) => i.count));
    const [{ n }] = await database.db.select({ n: sql<number>`count(*)::int` }).from(issueBoots);
    expect(n).toBe(before.length);
  });
});
