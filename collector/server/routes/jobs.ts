/**
 * The job queue over HTTP, so build hosts need only the collector's address and a submit
 * token: submit jobs, agents long-poll for a lease, beat, finish or give jobs back, and say
 * when they leave; the agents list.
 */
import { Type } from '@sinclair/typebox';
import { BootwatchError } from '../../../common/errors.ts';
import {
  AgentParams,
  AgentSummary,
  JobParams,
  JobResult,
  JobStatus,
  JobSubmit,
  LeaseAnswer,
  LeaseHeld,
  LeaseRequest,
  LeaveAnswer,
} from '../../../common/schemas/jobs.ts';
import { JobBroker } from '../../queue/job-broker.ts';
import { assertMayModify } from '../ownership.ts';
import { errors } from '../schemas/common.ts';
import type { App } from '../types.ts';

const AgentJobParams = Type.Object({ ...AgentParams.properties, ...JobParams.properties });

/**
 * Registers the routes on the PostgreSQL at `databaseUrl`; the queue engine (pg-boss) needs
 * PostgreSQL, so without one they say so. The queue opens on first use: a collector nobody
 * submits jobs to keeps no queue connections.
 */
export function jobRoutes(databaseUrl: string | undefined) {
  return async (app: App): Promise<void> => {
    let opening: Promise<JobBroker> | null = null;
    app.addHook('onClose', async () => (await opening?.catch(() => null))?.close());
    const broker = (): Promise<JobBroker> => {
      if (!databaseUrl)
        throw new BootwatchError(
          'conflict',
          'this collector has no job queue: it runs on the embedded database; start it with DATABASE_URL (PostgreSQL)',
        );
      opening ??= JobBroker.open(databaseUrl).catch((err) => {
        opening = null;
        throw err;
      });
      return opening;
    };

    app.post(
      '/api/jobs',
      {
        schema: {
          tags: ['jobs'],
          summary: 'queue a job for the agents that can run it',
          body: JobSubmit,
          response: { 201: Type.Object({ id: Type.String() }), ...errors(400, 409, 503) },
        },
      },
      async (req, reply) => reply.status(201).send({ id: await (await broker()).submit(req.body) }),
    );

    app.get(
      '/api/jobs/:id',
      {
        schema: {
          tags: ['jobs'],
          summary: 'a job: its state and every agent run of it',
          params: JobParams,
          response: { 200: JobStatus, ...errors(400, 404, 409, 503) },
        },
      },
      async (req) => {
        const s = await (await broker()).status(req.params.id);
        if (!s) throw new BootwatchError('route.not_found', `no job ${req.params.id}`);
        return s;
      },
    );

    app.get(
      '/api/agents',
      {
        schema: {
          tags: ['jobs'],
          summary: 'agents: online, the jobs they run, last seen',
          response: { 200: Type.Array(AgentSummary), ...errors(503) },
        },
      },
      async () => (databaseUrl ? (await broker()).agents() : []),
    );

    app.post(
      '/api/agents/:name/lease',
      {
        schema: {
          tags: ['jobs'],
          summary: 'wait (long poll, up to waitMs) for a job this agent can run, and lease it',
          params: AgentParams,
          body: LeaseRequest,
          response: { 200: LeaseAnswer, ...errors(400, 403, 409, 503) },
        },
      },
      async (req) => {
        const b = await broker();
        const { name } = req.params;
        assertMayModify(req, `agent ${name}`, await b.agentOwner(name));
        // A client that hangs up stops waiting: no job is leased to an agent that is gone.
        const gone = new AbortController();
        const socket = req.raw.socket;
        if (!socket || socket.destroyed) gone.abort();
        else socket.once('close', () => gone.abort());
        const t = req.principal.token;
        const job = await b.lease(name, req.body, { id: t?.id ?? null, name: t?.name ?? null }, gone.signal);
        return { job };
      },
    );

    app.post(
      '/api/agents/:name/jobs/:id/heartbeat',
      {
        schema: {
          tags: ['jobs'],
          summary: "keep a lease; held: false means it was taken away (stop the job's work)",
          params: AgentJobParams,
          response: { 200: LeaseHeld, ...errors(400, 403, 409, 503) },
        },
      },
      async (req) => {
        const b = await broker();
        assertMayModify(req, `agent ${req.params.name}`, await b.agentOwner(req.params.name));
        return { held: await b.heartbeat(req.params.id, req.params.name) };
      },
    );

    app.post(
      '/api/agents/:name/jobs/:id/finish',
      {
        schema: {
          tags: ['jobs'],
          summary:
            'end a lease: completed, failed (retried elsewhere) when harnessError is given, back on the queue with giveBack',
          params: AgentJobParams,
          body: JobResult,
          response: { 200: LeaseHeld, ...errors(400, 403, 409, 503) },
        },
      },
      async (req) => {
        const b = await broker();
        assertMayModify(req, `agent ${req.params.name}`, await b.agentOwner(req.params.name));
        return { held: await b.finish(req.params.id, req.params.name, req.body) };
      },
    );

    app.post(
      '/api/agents/:name/leave',
      {
        schema: {
          tags: ['jobs'],
          summary:
            'the agent is stopping: it shows offline at once, and jobs it still holds go back on the queue',
          params: AgentParams,
          response: { 200: LeaveAnswer, ...errors(400, 403, 404, 409, 503) },
        },
      },
      async (req) => {
        const b = await broker();
        const owner = await b.agentOwner(req.params.name);
        if (owner === undefined) throw new BootwatchError('route.not_found', `no agent ${req.params.name}`);
        assertMayModify(req, `agent ${req.params.name}`, owner);
        return { givenBack: await b.leave(req.params.name) };
      },
    );
  };
}
