/**
 * `arch=` on the routes behind Overview, Trends and Failures, on PGlite and PostgreSQL: an
 * x86_64 and an arm64 variant (builds declaring their arch, real logs of each arch imported
 * as their boots), and one variant whose builds span both arches (one trend line per arch).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import type { App } from '../../../collector/server/types.ts';
import type {
  BootSummary,
  FailureGroupItem,
  RegressionItem,
  TrendsResponse,
  VariantOverview,
} from '../../../common/types/api.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const X86_CLEAN = 'logs/05-net-e1000.log';
const X86_CRASH = 'crashes/kasan_uaf_read.log';
const ARM_CLEAN = 'crashes-arm64/booted.log';
const ARM_CRASH = 'crashes-arm64/sysrq_crash.log';

describe.each(backends())('arch filters on $name', (backend) => {
  let database: Database;
  let app: App;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await app?.close();
    await database?.close();
  });

  async function build(variant: string, arch: string, image: number, day: number): Promise<number> {
    const r = await app.inject({
      method: 'POST',
      url: '/api/builds',
      payload: {
        variant,
        arch,
        status: 'PASS',
        startedAt: `2026-01-0${day}T00:00:00Z`,
        sizes: { image },
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().id;
  }
  async function boot(file: string, variant: string, buildId: number): Promise<number> {
    const r = await app.inject({
      method: 'POST',
      url: `/api/logs?variant=${encodeURIComponent(variant)}&buildId=${buildId}`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from(fixtureBytes(file)),
    });
    expect(r.statusCode, r.body).toBe(201);
    await app.collector.settle();
    return r.json().id;
  }
  async function get<T>(url: string): Promise<T> {
    const r = await app.inject({ method: 'GET', url });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r.json();
  }

  /** serial (x86_64) and serial@arm64, each a good boot then a crash; mixed: one build per arch. */
  async function seedTwoArches() {
    database = await backend.fresh();
    app = await appOn(database);
    const x1 = await build('serial', 'x86_64', 1_000_000, 1);
    const a1 = await build('serial@arm64', 'arm64', 2_000_000, 1);
    const xGood = await boot(X86_CLEAN, 'serial', x1);
    const aGood = await boot(ARM_CLEAN, 'serial@arm64', a1);
    const x2 = await build('serial', 'x86_64', 1_100_000, 2);
    const a2 = await build('serial@arm64', 'arm64', 2_200_000, 2);
    const xBad = await boot(X86_CRASH, 'serial', x2);
    const aBad = await boot(ARM_CRASH, 'serial@arm64', a2);
    await build('mixed', 'x86_64', 500_000, 3);
    await build('mixed', 'arm64', 700_000, 4);
    return { xGood, aGood, xBad, aBad };
  }

  it('filters variants, boots, trends, failures and regressions by arch', { timeout: 180_000 }, async () => {
    const { xGood, aGood, xBad, aBad } = await seedTwoArches();

    // Overview: a variant's arch is its latest build's.
    const all = await get<VariantOverview[]>('/api/variants');
    expect(all.map((v) => [v.name, v.arch])).toEqual([
      ['mixed', 'arm64'],
      ['serial', 'x86_64'],
      ['serial@arm64', 'arm64'],
    ]);
    expect((await get<VariantOverview[]>('/api/variants?arch=arm64')).map((v) => v.name)).toEqual([
      'mixed',
      'serial@arm64',
    ]);
    expect((await get<VariantOverview[]>('/api/variants?arch=x86_64')).map((v) => v.name)).toEqual([
      'serial',
    ]);
    expect(await get<VariantOverview[]>('/api/variants?arch=riscv64')).toEqual([]);
    expect(await get<VariantOverview[]>('/api/variants?arch=x86_64,arm64')).toHaveLength(3);

    // Boots: the boot's own arch, on every row.
    const arm = await get<BootSummary[]>('/api/boots?arch=arm64');
    expect(arm.map((b) => [b.id, b.arch])).toEqual([
      [aBad, 'arm64'],
      [aGood, 'arm64'],
    ]);
    expect((await get<BootSummary[]>('/api/boots?arch=x86_64')).map((b) => b.id)).toEqual([xBad, xGood]);
    expect((await get<{ arch: string }>(`/api/boots/${aBad}`)).arch).toBe('arm64');

    // Trends: builds' arch for sizes, boots' arch for milestones; a mixed variant is one line per arch.
    const sizes = await get<TrendsResponse>('/api/trends?metric=size.image');
    expect(sizes.series.map((s) => [s.variant, s.arch, s.points.map((p) => p.value)])).toEqual([
      ['mixed', 'x86_64', [500_000]],
      ['mixed', 'arm64', [700_000]],
      ['serial', 'x86_64', [1_000_000, 1_100_000]],
      ['serial@arm64', 'arm64', [2_000_000, 2_200_000]],
    ]);
    const armSizes = await get<TrendsResponse>('/api/trends?metric=size.image&arch=arm64');
    expect(armSizes.series.map((s) => [s.variant, s.arch, s.points.map((p) => [p.seq, p.value])])).toEqual([
      // The mixed variant's arm64 build keeps its place (#2) in the variant's history.
      ['mixed', 'arm64', [[2, 700_000]]],
      [
        'serial@arm64',
        'arm64',
        [
          [1, 2_000_000],
          [2, 2_200_000],
        ],
      ],
    ]);
    const x86Boots = await get<TrendsResponse>('/api/trends?metric=boot.kernel_start&arch=x86_64');
    expect(x86Boots.series.map((s) => [s.variant, s.arch, s.points.map((p) => p.bootId)])).toEqual([
      ['serial', 'x86_64', [xGood, xBad]],
    ]);
    expect((await get<TrendsResponse>('/api/trends?metric=size.image&arch=riscv64')).series).toEqual([]);

    // Failures: only the boots of the arches asked for.
    const armFailures = await get<FailureGroupItem[]>('/api/failures?arch=arm64');
    const armBoots = new Set(armFailures.flatMap((g) => g.occurrences.map((o) => o.bootId)));
    expect(armFailures.map((g) => g.title)).toContain('kernel panic: sysrq triggered crash');
    expect([...armBoots].every((id) => id === aGood || id === aBad)).toBe(true);
    const x86Failures = await get<FailureGroupItem[]>('/api/failures?arch=x86_64');
    expect(x86Failures.map((g) => g.title)).toContain('KASAN: use-after-free Read in lkdtm_READ_AFTER_FREE');
    expect(x86Failures.map((g) => g.title)).not.toContain('kernel panic: sysrq triggered crash');
    expect(x86Failures.flatMap((g) => g.variants)).not.toContain('serial@arm64');

    // Regressions (the Overview's panel): by the regressed boot's arch.
    const regs = await get<RegressionItem[]>('/api/regressions?status=all');
    expect(new Set(regs.map((r) => r.variant))).toEqual(new Set(['serial', 'serial@arm64']));
    const armRegs = await get<RegressionItem[]>('/api/regressions?status=all&arch=arm64');
    expect(armRegs.length).toBeGreaterThan(0);
    expect(new Set(armRegs.map((r) => r.variant))).toEqual(new Set(['serial@arm64']));
    const x86Regs = await get<RegressionItem[]>('/api/regressions?status=all&arch=x86_64');
    expect(x86Regs.length).toBe(regs.length - armRegs.length);
    expect(new Set(x86Regs.map((r) => r.variant))).toEqual(new Set(['serial']));
  });

  it('answers 400 to an arch it does not know, on every route', async () => {
    database = await backend.fresh();
    app = await appOn(database);
    for (const url of [
      '/api/variants?arch=sparc',
      '/api/boots?arch=x86_64,sparc',
      '/api/trends?metric=size.image&arch=arm',
      '/api/failures?arch=',
      '/api/regressions?arch=x86_64,',
      '/api/issues?arch=ARM64',
    ]) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error.code, url).toBe('input.invalid');
    }
  });
});
