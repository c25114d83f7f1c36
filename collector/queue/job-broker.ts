/**
 * The job queue behind the collector's lease API: pg-boss on PostgreSQL holds the jobs
 * (fetch with SKIP LOCKED, retries, expiry as a backstop), one queue per kind of agent a
 * job needs; tables beside it hold the agents, their leases with heartbeats, and a log of
 * every run. A lease whose beats stop is reaped and its job failed, so pg-boss hands it to
 * another agent; the reaped agent's next beat is refused and it stops, so a job never runs
 * twice at once for longer than one heartbeat. An agent that stops cleanly gives its jobs
 * back (they run elsewhere at once) and says it is leaving; a silent one shows offline once
 * its heartbeat is overdue by the grace.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type {
  AgentCapabilities,
  AgentSummary,
  JobNeeds,
  JobResult,
  JobStatus,
  JobSubmit,
  LeasedJob,
  LeaseRequest,
} from '../../common/schemas/jobs.ts';
import { setting } from '../../common/settings.ts';
import { migratePostgres } from '../db/client.ts';

/** What pg-boss carries for each job. */
interface QueuedJob {
  needs: JobNeeds;
  label: string;
  data: Record<string, unknown>;
}

const QUEUE_PREFIX = 'bootwatch-';
/** How often a waiting lease looks at the queues again. */
const POLL_MS = 250;
/**
 * Readers reap at most this often: with no agent asking for work (that is where reaping
 * happens), a dead agent's lease past its stale time would otherwise still read as held.
 */
const READ_REAP_MS = 1000;
/** How long an agent not heard from stays in the agents list (one holding a job always does). */
const AGENT_LISTED_DAYS = 7;
/** pg-boss's schema (the broker starts it with the default). */
const BOSS_SCHEMA = 'pgboss';

/** The pg-boss queue holding jobs with these needs. */
function queueFor(needs: JobNeeds): string {
  return `${QUEUE_PREFIX}${needs.arch}-${needs.target}`;
}

/** The queues an agent can serve, the most demanding first (a KVM host takes KVM jobs before plain QEMU ones). */
function queuesFor(c: AgentCapabilities): string[] {
  const targets = [
    ...(c.kvm ? ['kvm'] : []),
    ...(c.qemu || c.kvm ? ['qemu'] : []),
    ...(c.ec2 ? ['ec2'] : []),
  ];
  return c.arches.flatMap((arch) => targets.map((target) => queueFor({ arch, target } as JobNeeds)));
}

/** The token an agent runs with (nulls: none, as with auth off or straight on the database). */
export interface AgentToken {
  id: number | null;
  name: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export class JobBroker {
  private readonly queues = new Set<string>();
  private lastReap = 0;
  private closed = false;

  private constructor(
    readonly boss: PgBoss,
    readonly pool: pg.Pool,
  ) {}

  /** Connects, migrates (the agent tables are the collector's schema) and installs pg-boss's schema. */
  static async open(databaseUrl: string): Promise<JobBroker> {
    // An agent or `submit` straight on the database may be the first to use it.
    await migratePostgres(databaseUrl);
    const boss = new PgBoss({ connectionString: databaseUrl, max: 3, supervise: true, schedule: false });
    boss.on('error', (err) => process.stderr.write(`job queue: ${(err as Error).message}\n`));
    await boss.start();
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    pool.on('error', () => {});
    return new JobBroker(boss, pool);
  }

  private async ensureQueue(name: string): Promise<void> {
    if (this.queues.has(name)) return;
    if (!(await this.boss.getQueue(name)))
      await this.boss
        .createQueue(name, { name, retryLimit: 3, retryDelay: 0, expireInSeconds: 4 * 3600 })
        // Another process created it meanwhile.
        .catch(async (err) => {
          if (!(await this.boss.getQueue(name))) throw err;
        });
    this.queues.add(name);
  }

  /** Queues a job; returns its id. */
  async submit(job: JobSubmit): Promise<string> {
    const name = queueFor(job.needs);
    await this.ensureQueue(name);
    const payload: QueuedJob = { needs: job.needs, label: job.label, data: job.data };
    const id = await this.boss.send(name, payload as unknown as object, {
      ...(job.expireInSeconds ? { expireInSeconds: job.expireInSeconds } : {}),
    });
    if (!id) throw new Error('the job queue refused the job');
    return id;
  }

  /** The token an agent name belongs to (null: none); undefined when no agent has the name yet. */
  async agentOwner(name: string): Promise<number | null | undefined> {
    const r = await this.pool.query<{ token_id: number | null }>(
      'SELECT token_id FROM bootwatch_agent WHERE name = $1',
      [name],
    );
    return r.rows[0] ? r.rows[0].token_id : undefined;
  }

  /** Records that `name` asks for work (it is back, if it had left). */
  private async touchAgent(name: string, req: LeaseRequest, by: AgentToken): Promise<void> {
    await this.pool.query(
      `INSERT INTO bootwatch_agent (name, token_id, token_name, capabilities, stale_ms, heartbeat_ms, last_seen)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (name) DO UPDATE SET token_id = $2, token_name = $3, capabilities = $4, stale_ms = $5,
         heartbeat_ms = $6, last_seen = now(), left_at = NULL`,
      [name, by.id, by.name, JSON.stringify(req.capabilities), req.staleMs, req.heartbeatMs ?? null],
    );
  }

  private async seen(agent: string): Promise<void> {
    await this.pool.query('UPDATE bootwatch_agent SET last_seen = now() WHERE name = $1', [agent]);
  }

  /**
   * Waits up to `req.waitMs` for a job `agent` can run and leases it; null when none came
   * (or the agent already runs its maximum). Reaps dead agents' leases on the way. While it
   * waits it notes the agent as seen at the agent's heartbeat, until `signal` says it hung up.
   */
  async lease(
    agent: string,
    req: LeaseRequest,
    by: AgentToken,
    signal?: AbortSignal,
  ): Promise<LeasedJob | null> {
    // Gone before we started: not even a sign of life to record.
    if (signal?.aborted) return null;
    const deadline = Date.now() + req.waitMs;
    const beatMs = req.heartbeatMs ?? req.staleMs;
    const names = queuesFor(req.capabilities);
    for (const n of names) await this.ensureQueue(n);
    await this.touchAgent(agent, req, by);
    let touched = Date.now();
    try {
      for (;;) {
        if (Date.now() - touched >= beatMs) {
          await this.seen(agent);
          touched = Date.now();
        }
        await this.reapNow(Math.min(req.staleMs / 3, 5000));
        const busy = await this.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM bootwatch_agent_lease WHERE agent = $1',
          [agent],
        );
        if (busy.rows[0].n < req.capabilities.maxJobs) {
          for (const name of names) {
            const [job] = await this.boss.fetch<QueuedJob>(name, { batchSize: 1, includeMetadata: true });
            if (!job) continue;
            const leased = await this.take(name, job, agent, req.staleMs);
            if (!signal?.aborted) return leased;
            // It hung up while the job was being taken: nobody will run it there.
            await this.giveBack(agent, leased.id, 'agent hung up before the lease reached it');
            return null;
          }
        }
        if (Date.now() + POLL_MS > deadline || signal?.aborted || this.closed) return null;
        await sleep(POLL_MS, undefined, { signal }).catch(() => {});
      }
    } finally {
      await this.seen(agent);
    }
  }

  private async take(
    queue: string,
    job: PgBoss.JobWithMetadata<QueuedJob>,
    agent: string,
    staleMs: number,
  ): Promise<LeasedJob> {
    await this.pool.query(
      `INSERT INTO bootwatch_agent_lease (job_id, agent, queue, label, stale_ms) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (job_id) DO UPDATE SET agent = $2, queue = $3, label = $4, stale_ms = $5, taken_at = now(), beat_at = now()`,
      [job.id, agent, queue, job.data.label, staleMs],
    );
    await this.pool.query('INSERT INTO bootwatch_agent_run (job_id, agent) VALUES ($1, $2)', [job.id, agent]);
    return {
      id: job.id,
      needs: job.data.needs,
      label: job.data.label,
      data: job.data.data,
      retryCount: job.retryCount,
    };
  }

  /** Records a beat; false when the lease is no longer `agent`'s (reaped: stop the work). */
  async heartbeat(jobId: string, agent: string): Promise<boolean> {
    const r = await this.pool.query(
      'UPDATE bootwatch_agent_lease SET beat_at = now() WHERE job_id = $1 AND agent = $2',
      [jobId, agent],
    );
    await this.seen(agent);
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * Ends `agent`'s lease with its result: a harness error fails the job (pg-boss retries
   * it), a give-back puts it back on the queue, anything else completes it. False when the
   * lease had been reaped: nothing changes.
   */
  async finish(jobId: string, agent: string, r: JobResult): Promise<boolean> {
    if (r.giveBack) return (await this.giveBack(agent, jobId, r.result)).length > 0;
    const gone = await this.pool.query<{ queue: string }>(
      'DELETE FROM bootwatch_agent_lease WHERE job_id = $1 AND agent = $2 RETURNING queue',
      [jobId, agent],
    );
    const held = gone.rows[0];
    await this.pool.query(
      'UPDATE bootwatch_agent_run SET ended_at = now(), result = $3 WHERE job_id = $1 AND agent = $2 AND ended_at IS NULL',
      [jobId, agent, held ? r.result : `lost (${r.result})`],
    );
    if (!held) return false;
    if (r.harnessError)
      await this.boss.fail(held.queue, jobId, { outcome: r.result, harnessError: r.harnessError });
    else await this.boss.complete(held.queue, jobId, { outcome: r.result, agent });
    return true;
  }

  /**
   * Puts `agent`'s leases (`jobId`'s, or all) back on the queue, to be leased at once: the
   * agent stopped their work. One transaction, so a collector dying midway loses no job.
   */
  private async giveBack(agent: string, jobId: string | null, why: string): Promise<string[]> {
    const client = await this.pool.connect();
    const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
    try {
      await client.query('BEGIN');
      const gone = await client.query<{ job_id: string; queue: string }>(
        `DELETE FROM bootwatch_agent_lease WHERE agent = $1 AND ($2::text IS NULL OR job_id = $2)
         RETURNING job_id, queue`,
        [agent, jobId],
      );
      for (const { job_id: id, queue } of gone.rows) {
        await this.boss.cancel(queue, id, { db });
        await this.boss.resume(queue, id, { db });
        // pg-boss counts the next start as a retry: its limit grows with it (as pg-boss's own
        // retry() does), so a job given back loses none of its retries for harness failures.
        await client.query(
          `UPDATE ${BOSS_SCHEMA}.job SET retry_limit = retry_limit + 1 WHERE name = $1 AND id = $2`,
          [queue, id],
        );
        await client.query(
          `UPDATE bootwatch_agent_run SET ended_at = now(), result = $3
            WHERE job_id = $1 AND agent = $2 AND ended_at IS NULL`,
          [id, agent, `given back: ${why}`],
        );
      }
      await client.query('COMMIT');
      return gone.rows.map((x) => x.job_id);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * `agent` says it is stopping: it shows offline from now on (until it asks for work again),
   * and any job it still holds goes back on the queue. Returns those jobs.
   */
  async leave(agent: string): Promise<string[]> {
    const given = await this.giveBack(agent, null, 'agent stopped');
    await this.pool.query('UPDATE bootwatch_agent SET left_at = now(), last_seen = now() WHERE name = $1', [
      agent,
    ]);
    return given;
  }

  private async reapNow(everyMs: number): Promise<void> {
    if (Date.now() - this.lastReap < everyMs) return;
    this.lastReap = Date.now();
    await this.reap();
  }

  /** Fails (so pg-boss retries) every job whose lease has not beaten for its stale time. */
  async reap(): Promise<{ jobId: string; agent: string }[]> {
    // DELETE ... RETURNING: among several collectors, each dead lease is reaped exactly once.
    const r = await this.pool.query<{ job_id: string; agent: string; queue: string }>(
      `DELETE FROM bootwatch_agent_lease WHERE beat_at < now() - make_interval(secs => stale_ms / 1000.0)
       RETURNING job_id, agent, queue`,
    );
    for (const row of r.rows) {
      await this.boss.fail(row.queue, row.job_id, { reason: `agent ${row.agent} stopped heartbeating` });
      await this.pool.query(
        `UPDATE bootwatch_agent_run SET ended_at = now(), result = 'lost: agent stopped heartbeating'
         WHERE job_id = $1 AND agent = $2 AND ended_at IS NULL`,
        [row.job_id, row.agent],
      );
    }
    return r.rows.map((x) => ({ jobId: x.job_id, agent: x.agent }));
  }

  /** A job's state and every run of it; null when no queue has it. */
  async status(id: string): Promise<JobStatus | null> {
    await this.reapNow(READ_REAP_MS);
    for (const q of await this.boss.getQueues()) {
      if (!q.name.startsWith(QUEUE_PREFIX)) continue;
      const job = await this.boss.getJobById<QueuedJob>(q.name, id).catch(() => null);
      if (!job) continue;
      const runs = await this.pool.query<{
        agent: string;
        started_at: Date;
        ended_at: Date | null;
        result: string | null;
      }>(
        'SELECT agent, started_at, ended_at, result FROM bootwatch_agent_run WHERE job_id = $1 ORDER BY id',
        [id],
      );
      return {
        id,
        state: job.state,
        needs: job.data.needs,
        label: job.data.label,
        retryCount: job.retryCount,
        runs: runs.rows.map((x) => ({
          agent: x.agent,
          startedAt: x.started_at.toISOString(),
          endedAt: iso(x.ended_at),
          result: x.result,
        })),
      };
    }
    return null;
  }

  /**
   * The agents a lab has now: every one heard from in the last AGENT_LISTED_DAYS or holding a
   * job, with the jobs it holds; online unless it left or its heartbeat is overdue by
   * `graceMs`. Older ones are not listed: an agent named host-pid by default is a new name
   * at every restart, and a week of restarts is not a lab.
   */
  async agents(graceMs = setting('BOOTWATCH_AGENT_GRACE_MS')): Promise<AgentSummary[]> {
    await this.reapNow(READ_REAP_MS);
    const r = await this.pool.query<{
      name: string;
      capabilities: AgentCapabilities;
      last_seen: Date;
      left_at: Date | null;
      online: boolean;
      submitted_by: string | null;
      jobs: { id: string; label: string; since: string }[] | null;
    }>(
      `SELECT a.name, a.capabilities, a.last_seen, a.left_at,
              a.left_at IS NULL
                AND a.last_seen > now() - make_interval(secs => (coalesce(a.heartbeat_ms, a.stale_ms) + $1) / 1000.0)
                AS online,
              a.token_name AS submitted_by,
              (SELECT json_agg(json_build_object('id', l.job_id, 'label', l.label, 'since', l.taken_at) ORDER BY l.taken_at)
                 FROM bootwatch_agent_lease l WHERE l.agent = a.name) AS jobs
         FROM bootwatch_agent a
        WHERE a.last_seen > now() - make_interval(days => $2)
           OR EXISTS (SELECT 1 FROM bootwatch_agent_lease l WHERE l.agent = a.name)
        ORDER BY a.name`,
      [graceMs, AGENT_LISTED_DAYS],
    );
    return r.rows.map((x) => ({
      name: x.name,
      online: x.online,
      lastSeen: x.last_seen.toISOString(),
      leftAt: iso(x.left_at),
      capabilities: x.capabilities,
      submittedBy: x.submitted_by,
      jobs: (x.jobs ?? []).map((j) => ({ id: j.id, label: j.label, since: new Date(j.since).toISOString() })),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.boss.stop({ graceful: false, wait: true });
    await this.pool.end();
  }
}
