/**
 * The job queue over HTTP: what a job needs, what an agent can run, leases, results, and
 * the agents list. The job's payload is the runners' business: the collector only routes it.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Nullable, StringEnum } from './common.ts';

const Arch = Type.String({ pattern: '^[a-z0-9_]{1,32}$', description: 'kernel architecture, e.g. x86_64' });

/** How a job boots: under QEMU (TCG will do), under QEMU with KVM required, or on EC2. */
const JOB_TARGETS = ['qemu', 'kvm', 'ec2'] as const;

/** What an agent must offer to take a job. */
export const JobNeeds = Type.Object(
  {
    arch: Arch,
    target: StringEnum(JOB_TARGETS, 'qemu: QEMU (TCG is fine); kvm: QEMU with KVM; ec2: EC2 credentials'),
  },
  { additionalProperties: false },
);
export type JobNeeds = Static<typeof JobNeeds>;

/** What an agent advertises it can run. */
export const AgentCapabilities = Type.Object(
  {
    arches: Type.Array(Arch, { minItems: 1, maxItems: 16 }),
    qemu: Type.Boolean(),
    kvm: Type.Boolean(),
    ec2: Type.Boolean({ description: 'it holds EC2 credentials' }),
    maxJobs: Type.Integer({ minimum: 1, maximum: 256, description: 'jobs it runs at once' }),
  },
  { additionalProperties: false },
);
export type AgentCapabilities = Static<typeof AgentCapabilities>;

const AgentName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' });

/** `POST /api/jobs`: a job for the agents. */
export const JobSubmit = Type.Object(
  {
    needs: JobNeeds,
    label: Type.String({ minLength: 1, maxLength: 200, description: 'what the job does, for people' }),
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'the job for the agent (opaque here)' }),
    expireInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 23 * 3600 })),
  },
  { additionalProperties: false },
);
export type JobSubmit = Static<typeof JobSubmit>;

/** `POST /api/agents/:name/lease`: wait up to `waitMs` for a job this agent can run. */
export const LeaseRequest = Type.Object(
  {
    capabilities: AgentCapabilities,
    waitMs: Type.Integer({ minimum: 0, maximum: 30_000 }),
    staleMs: Type.Integer({
      minimum: 1000,
      maximum: 600_000,
      description:
        'the lease is taken away and the job retried elsewhere after this long without a heartbeat',
    }),
    heartbeatMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 600_000,
        description:
          'how often it beats while it runs a job (the collector notes it as often while it waits): missed by the grace, it shows offline; absent: staleMs',
      }),
    ),
  },
  { additionalProperties: false },
);
export type LeaseRequest = Static<typeof LeaseRequest>;

export const AgentParams = Type.Object({ name: AgentName });
export const JobParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

/** A leased job: run it, beat, then finish or fail it. */
export const LeasedJob = Type.Object({
  id: Type.String(),
  needs: JobNeeds,
  label: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  /** Earlier attempts (a retry resumes what it can). */
  retryCount: Type.Integer(),
});
export type LeasedJob = Static<typeof LeasedJob>;

/** `POST /api/agents/:name/lease`'s answer: a job, or none within the wait. */
export const LeaseAnswer = Type.Object({ job: Nullable(LeasedJob) });

/** How a job ended: `harnessError` fails it (retried), else it is complete. */
export const JobResult = Type.Object(
  {
    result: Type.String({ maxLength: 2000 }),
    harnessError: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
    giveBack: Type.Optional(
      Type.Boolean({
        description:
          'the agent stopped the work before it ended: the job goes back on the queue at once, costing none of its retries (give harnessError too: a collector without giveBack fails the job instead, which also retries it)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type JobResult = Static<typeof JobResult>;

/** Heartbeats and results answer whether the agent still holds the lease. */
export const LeaseHeld = Type.Object({ held: Type.Boolean() });

/** `POST /api/agents/:name/leave`: the jobs it still held, given back. */
export const LeaveAnswer = Type.Object({ givenBack: Type.Array(Type.String()) });

const JOB_STATES = ['created', 'retry', 'active', 'completed', 'cancelled', 'failed'] as const;

/** One attempt at a job by one agent. */
const JobRun = Type.Object({
  agent: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Nullable(Type.String({ format: 'date-time' })),
  result: Nullable(Type.String()),
});

/** `GET /api/jobs/:id`. */
export const JobStatus = Type.Object({
  id: Type.String(),
  state: StringEnum(JOB_STATES),
  needs: JobNeeds,
  label: Type.String(),
  retryCount: Type.Integer(),
  runs: Type.Array(JobRun),
});
export type JobStatus = Static<typeof JobStatus>;

/** `GET /api/agents`: every agent that ever asked for work. */
export const AgentSummary = Type.Object({
  name: Type.String(),
  online: Type.Boolean({
    description:
      'heard from within its heartbeat and the grace (BOOTWATCH_AGENT_GRACE_MS; waiting in a long poll counts), and has not said it is leaving',
  }),
  lastSeen: Type.String({ format: 'date-time' }),
  leftAt: Nullable(
    Type.String({ format: 'date-time', description: 'when it said it was stopping; null: it has not' }),
  ),
  capabilities: AgentCapabilities,
  submittedBy: Nullable(Type.String({ description: 'the token it runs with' })),
  jobs: Type.Array(
    Type.Object({ id: Type.String(), label: Type.String(), since: Type.String({ format: 'date-time' }) }),
  ),
});
export type AgentSummary = Static<typeof AgentSummary>;
