/** Each variant's latest build and boot at a glance: the dashboard's front page. */
import { sql } from 'drizzle-orm';
import type { BootOutcome, BootState, VariantOverview } from '../../../common/types/api.ts';
import type { ConfigFragment, Status } from '../../../common/types/ingest.ts';
import type { BootStage, Diagnosis, Milestones, PanicInfo } from '../../../common/types/parse.ts';
import type { Db } from '../client.ts';
import { iso, numOrNull, rowsOf } from '../rows.ts';

interface OverviewRow {
  name: string;
  matrix: string | null;
  base_config: string | null;
  fragments: ConfigFragment[];
  build_count: number;
  boot_count: number;
  build_id: number | null;
  build_status: Status | null;
  build_started_at: Date | null;
  wall_ms: number | null;
  image_size: string | number | null;
  prev_build_id: number | null;
  prev_image_size: string | number | null;
  boot_id: number | null;
  boot_state: BootState | null;
  boot_outcome: BootOutcome | null;
  boot_started_at: Date | null;
  milestones: Milestones | null;
  last_stage: BootStage | null;
  panic: PanicInfo | null;
  first_crash: string | null;
  top_diagnosis: Diagnosis | null;
}

/** Every (non-scratch) variant with its latest build (and the size change against the one before) and latest boot. */
export async function listVariantOverviews(db: Db): Promise<VariantOverview[]> {
  const rows = await rowsOf<OverviewRow>(
    db,
    sql`
    select v.name, v.matrix, v.base_config, v.fragments,
      (select count(*)::int from builds b where b.variant_id = v.id) as build_count,
      (select count(*)::int from boots t where t.variant_id = v.id) as boot_count,
      lb.id as build_id, lb.status as build_status, lb.started_at as build_started_at, lb.wall_ms,
      lb.image_size, pb.id as prev_build_id, pb.image_size as prev_image_size,
      lt.id as boot_id, lt.state as boot_state, lt.outcome as boot_outcome, lt.started_at as boot_started_at,
      lt.milestones, lt.last_stage, lt.panic, lt.first_crash, lt.top_diagnosis
    from variants v
    left join lateral (
      select b.id, b.status, b.started_at, b.wall_ms, b.image_size from builds b
      where b.variant_id = v.id order by b.started_at desc, b.id desc limit 1) lb on true
    left join lateral (
      select p.id, p.image_size from builds p
      where p.variant_id = v.id and (p.started_at, p.id) < (lb.started_at, lb.id)
      order by p.started_at desc, p.id desc limit 1) pb on true
    left join lateral (
      select t.id, t.state, t.outcome, t.started_at, t.milestones, t.last_stage, t.panic, t.first_crash, t.top_diagnosis
      from boots t where t.variant_id = v.id order by t.started_at desc, t.id desc limit 1) lt on true
    -- Scratch variants (name~bisect: a bisection's candidates) are reached from their bisection.
    where position('~' in v.name) = 0
    order by v.name`,
  );
  return rows.map((r) => {
    const image = numOrNull(r.image_size);
    const prevImage = numOrNull(r.prev_image_size);
    return {
      name: r.name,
      matrix: r.matrix,
      baseConfig: r.base_config,
      fragments: (r.fragments ?? []).map((f) => f.name),
      buildCount: Number(r.build_count),
      bootCount: Number(r.boot_count),
      latestBuild:
        r.build_id == null
          ? null
          : {
              id: r.build_id,
              status: r.build_status!,
              startedAt: iso(r.build_started_at)!,
              wallMs: r.wall_ms,
              imageSize: image,
              imageSizeDelta: image != null && prevImage != null ? image - prevImage : null,
              previousBuildId: r.prev_build_id,
            },
      latestBoot:
        r.boot_id == null
          ? null
          : {
              id: r.boot_id,
              state: r.boot_state!,
              outcome: r.boot_outcome,
              startedAt: iso(r.boot_started_at)!,
              timeToInit: r.milestones?.init_start ?? null,
              lastStage: r.last_stage,
              panicReason: r.panic?.reason ?? null,
              firstCrash: r.first_crash,
              topDiagnosis: r.top_diagnosis,
            },
    };
  });
}
