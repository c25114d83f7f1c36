/**
 * docker-compose.yml as `docker compose config` would check it, without Docker: a YAML
 * document of services whose builds name Dockerfile stages, whose dependencies, volumes and
 * variables exist; the default set is PostgreSQL and a collector, profile `agent` adds a
 * build host that holds a submit token and no database password (and is given time to hand
 * its job back when stopped), profile `cluster` a second
 * collector on the same database behind one proxy.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fromRoot } from '../../common/repo-root.ts';
import { SETTINGS } from '../../common/settings.ts';

interface Service {
  image?: string;
  build?: string | { context: string; target?: string };
  profiles?: string[];
  environment?: Record<string, string>;
  command?: string[];
  init?: boolean;
  stop_grace_period?: string;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const text = readFileSync(fromRoot('docker-compose.yml'), 'utf8');
const compose = parse(text, { merge: true }) as Compose;
const stages = [...readFileSync(fromRoot('Dockerfile'), 'utf8').matchAll(/^FROM \S+(?: AS (\S+))?$/gm)];
const envExample = readFileSync(fromRoot('.env.example'), 'utf8');
const services = compose.services;

describe('docker-compose.yml', () => {
  it('is a compose document: builds, dependencies, volumes and variables all exist', () => {
    expect(Object.keys(compose).filter((k) => !k.startsWith('x-'))).toEqual(['services', 'volumes']);
    const stageNames = stages.map((m) => m[1]).filter(Boolean);
    for (const [name, s] of Object.entries(services)) {
      expect(s.image ?? s.build, name).toBeDefined();
      if (typeof s.build === 'object' && s.build.target) expect(stageNames, name).toContain(s.build.target);
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(Object.keys(services), `${name} depends on ${dep}`).toContain(dep);
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        // A service without a profile must not wait for one that only a profile starts.
        if (!s.profiles) expect(services[dep].profiles, `${name} → ${dep}`).toBeUndefined();
      }
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0];
        if (!source.startsWith('/') && !source.startsWith('.'))
          expect(Object.keys(compose.volumes ?? {}), name).toContain(source);
      }
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^\d+:\d+$/);
    }
    // Every variable the file reads is explained in .env.example.
    for (const [, variable] of text.matchAll(/\$\{(\w+)/g))
      expect(envExample, variable).toMatch(new RegExp(`^${variable}=`, 'm'));
  });

  it('starts PostgreSQL and one collector by default; the agent and the second collector are opt-in', () => {
    const byDefault = Object.entries(services).filter(([, s]) => !s.profiles);
    expect(byDefault.map(([n]) => n)).toEqual(['postgres', 'collector']);
    expect(services.agent.profiles).toEqual(['agent']);
    expect(services['collector-2'].profiles).toEqual(['cluster']);
    expect(services.proxy.profiles).toEqual(['cluster']);
  });

  it('gives the agent the collector’s address and a token, never the database', () => {
    const agent = services.agent;
    expect(agent.build).toMatchObject({ target: 'agent' });
    const env = agent.environment ?? {};
    expect(Object.keys(env).sort()).toEqual(['BOOTWATCH_COLLECTOR', 'BOOTWATCH_TOKEN']);
    expect(JSON.stringify(agent)).not.toMatch(/POSTGRES|DATABASE_URL/);
    expect(env.BOOTWATCH_COLLECTOR).toBe(`http://collector:${services.collector.environment?.PORT}`);
    expect(env.BOOTWATCH_TOKEN).toMatch(/^\$\{BOOTWATCH_AGENT_TOKEN/);
    expect(agent.command?.slice(0, 2)).toEqual(['bin/bootwatch', 'agent']);
    // Stopped, it gives its job back: an init passes SIGTERM on, and Docker waits long enough.
    expect(agent.init).toBe(true);
    expect(Number(agent.stop_grace_period?.match(/^(\d+)s$/)?.[1])).toBeGreaterThanOrEqual(30);
    // The agent image carries what a build host needs.
    const agentStage = readFileSync(fromRoot('Dockerfile'), 'utf8')
      .split(/^FROM /m)
      .find((s) => / AS agent\n/.test(s));
    for (const pkg of ['qemu-system-x86', 'build-essential', 'flex', 'bison', 'libelf-dev', 'busybox-static'])
      expect(agentStage).toContain(pkg);
  });

  it('runs the second collector like the first, on the same database, behind one proxy', () => {
    expect(services['collector-2'].environment).toEqual(services.collector.environment);
    const command = services.proxy.command ?? [];
    const targets = command.filter((_, i) => command[i - 1] === '--to');
    expect(targets).toEqual(['collector:8080', 'collector-2:8080']);
  });

  it('sets only variables bootwatch declares on its own services', () => {
    for (const name of ['collector', 'collector-2', 'agent'])
      for (const key of Object.keys(services[name].environment ?? {}))
        expect(Object.keys(SETTINGS), `${name}: ${key}`).toContain(key);
  });
});
