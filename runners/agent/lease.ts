/**
 * Leases on jobs: the agent running a job beats every few seconds; any agent reaps a
 * lease whose beats stopped and fails the job in pg-boss, which retries it elsewhere.
 * An agent whose lease was reaped stops its work and never completes the job, so a job
 * never runs twice at once for longer than one heartbeat.
 */
import type { Queue } from './queue.ts';
import { VARIANT_QUEUE } from './queue.ts';

export class Lease {
  private timer: NodeJS.Timeout | null = null;
  lost = false;

  constructor(
    private readonly q: Queue,
    readonly jobId: string,
    readonly agent: string,
  ) {}

  /** Takes the lease (a stale lease of a dead agent on the same job is replaced). */
  async take(): Promise<void> {
    await this.q.pool.query(
      `INSERT INTO bootwatch_agent_lease (job_id, agent) VALUES ($1, $2)
       ON CONFLICT (job_id) DO UPDATE SET agent = $2, taken_at = now(), beat_at = now()`,
      [this.jobId, this.agent],
    );
  }

  /** Beats every `everyMs`; calls `onLost` once if the lease was taken away. */
  startBeating(everyMs: number, onLost: () => void): void {
    this.timer = setInterval(async () => {
      try {
        const r = await this.q.pool.query(
          'UPDATE bootwatch_agent_lease SET beat_at = now() WHERE job_id = $1 AND agent = $2',
          [this.jobId, this.agent],
        );
        if (r.rowCount === 0 && !this.lost) {
          this.lost = true;
          onLost();
        }
      } catch {
        // database away for a moment: the next beat tries again; the reaper's margin covers it
      }
    }, everyMs);
  }

  /** Stops beating and gives the lease back; false when it had been reaped meanwhile. */
  async release(): Promise<boolean> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const r = await this.q.pool.query('DELETE FROM bootwatch_agent_lease WHERE job_id = $1 AND agent = $2', [
      this.jobId,
      this.agent,
    ]);
    return (r.rowCount ?? 0) > 0 && !this.lost;
  }
}

/** Fails (so pg-boss retries) every job whose lease has not beaten for `staleMs`. */
export async function reapStaleLeases(
  q: Queue,
  staleMs: number,
): Promise<{ jobId: string; agent: string }[]> {
  const r = await q.pool.query<{ job_id: string; agent: string }>(
    `DELETE FROM bootwatch_agent_lease WHERE beat_at < now() - make_interval(secs => $1::double precision / 1000)
     RETURNING job_id, agent`,
    [staleMs],
  );
  for (const row of r.rows) {
    await q.boss.fail(VARIANT_QUEUE, row.job_id, { reason: `agent ${row.agent} stopped heartbeating` });
    await q.pool.query(
      `UPDATE bootwatch_agent_run SET ended_at = now(), result = 'lost: agent stopped heartbeating' WHERE job_id = $1 AND agent = $2 AND ended_at IS NULL`,
      [row.job_id, row.agent],
    );
  }
  return r.rows.map((x) => ({ jobId: x.job_id, agent: x.agent }));
}
