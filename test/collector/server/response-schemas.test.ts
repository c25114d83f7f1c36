import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bisect } from '../../../collector/analysis/bisect.ts';
import { climb, initialClimbState } from '../../../collector/analysis/climb.ts';
import type { Database } from '../../../collector/db/client.ts';
import type { App } from '../../../collector/server/types.ts';
import { netOracle } from '../../helpers/bisect-oracle.ts';
import { ladderOracle } from '../../helpers/climb-oracle.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { pgliteBackend } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { seedRegressedExec } from '../../helpers/regressed-exec.ts';

type Json = Record<string, unknown>;

/** Each answer's value before serialization, by request URL. */
const sent = vi.hoisted(() => new Map<string, unknown>());

// Every app the test builds records what its handlers return, before the schema serializer sees it.
vi.mock('fastify', async (importOriginal) => {
  const mod = await importOriginal<typeof import('fastify')>();
  const wrapped = ((opts: Parameters<typeof mod.default>[0]) => {
    const app = mod.default(opts);
    app.addHook('preSerialization', async (req, _reply, payload) => {
      sent.set(req.url, JSON.parse(JSON.stringify(payload)));
      return payload;
    });
    return app;
  }) as typeof mod.default;
  return { ...mod, default: wrapped };
});

/** `#/components/schemas/X` → the schema it names. */
function deref(doc: Json, schema: Json): Json {
  const ref = schema.$ref as string | undefined;
  if (!ref) return schema;
  const name = ref.replace(/^#\/components\/schemas\//, '');
  return deref(doc, ((doc.components as Json).schemas as Json)[name] as Json);
}

/** Does `value` fit `schema`'s type (enough to pick a union's branch)? */
function fitsType(schema: Json, value: unknown): boolean {
  const t = schema.type as string | undefined;
  // OpenAPI 3.0 spells JSON Schema's `null` as `nullable` (with `enum: [null]` for null alone).
  if (value === null) return schema.nullable === true || t === 'null' || !t;
  if (schema.const !== undefined) return schema.const === value;
  if (Array.isArray(schema.enum)) return schema.enum.includes(value);
  if (!t) return true;
  if (t === 'null') return value === null;
  if (t === 'array') return Array.isArray(value);
  if (t === 'object') return value !== null && typeof value === 'object' && !Array.isArray(value);
  if (t === 'integer') return Number.isInteger(value);
  return typeof value === t;
}

/** Paths in `value` that `schema` does not describe: what a serializer would drop. */
function undescribed(doc: Json, rawSchema: Json, value: unknown, path = ''): string[] {
  const schema = deref(doc, rawSchema);
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (union) {
    const branches = union.map((s) => deref(doc, s));
    const branch = branches.find((s) => fitsType(s, value) && !s.anyOf) ?? branches.find((s) => s.anyOf);
    return branch
      ? undescribed(doc, branch, value, path)
      : [`${path || '/'}: no branch of the union fits ${JSON.stringify(value)}`];
  }
  if (Array.isArray(value)) {
    const items = schema.items as Json | undefined;
    return items ? value.flatMap((v, i) => undescribed(doc, items, v, `${path}/${i}`)) : [];
  }
  if (value === null || typeof value !== 'object') return [];
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const extra = schema.additionalProperties;
  const patterns = Object.values((schema.patternProperties ?? {}) as Record<string, Json>);
  const open = !schema.type && !schema.properties;
  return Object.entries(value as Json).flatMap(([k, v]) => {
    const p = `${path}/${k}`;
    if (props[k]) return undescribed(doc, props[k], v, p);
    if (patterns.length) return undescribed(doc, patterns[0], v, p);
    if (extra === true || open) return [];
    if (extra && typeof extra === 'object') return undescribed(doc, extra as Json, v, p);
    return [p];
  });
}

describe('response schemas describe every field the routes send', () => {
  const backend = pgliteBackend();
  let database: Database;
  let app: App;
  let doc: Json;
  const urls: string[] = [];

  beforeAll(async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const c = app.collector;
    const { good, badBuild, bad } = await seedRegressedExec(c, {
      warnings: ['init/main.c:1: warning: unused variable'],
      dropped: [{ option: 'CONFIG_E1000', requested: 'y', actual: null, reason: 'depends on PCI' }],
    });
    await c.importLog(fixtureBytes('logs/07-block-initcall-debug.log'), { variant: 'block' });
    const pin = await app.inject({
      method: 'PUT',
      url: '/api/variants/exec/baseline',
      payload: { bootId: good.id, note: 'known good' },
    });
    expect(pin.statusCode, pin.body).toBe(200);
    const run = await app.inject({
      method: 'POST',
      url: '/api/runs',
      payload: {
        matrix: 'seed-ladder',
        results: [{ variant: 'exec', outcome: 'panic', bootId: bad.id, buildId: badBuild }],
      },
    });
    expect(run.statusCode, run.body).toBe(201);
    const o = netOracle();
    const { state, report } = await bisect(o.input, o.deps);
    const key = '0123456789abcdef';
    const bisection = await app.inject({
      method: 'PUT',
      url: `/api/bisections/${key}`,
      payload: {
        variant: '05-net',
        good: '04-procfs',
        bad: '05-net',
        maxBuilds: 24,
        agent: 'test-host',
        status: report.status,
        builds: report.builds,
        state,
        report,
      },
    });
    expect(bisection.statusCode, bisection.body).toBe(200);
    const climbed = await climb(initialClimbState(['marker'], 20), ladderOracle().deps);
    const climbPut = await app.inject({
      method: 'PUT',
      url: `/api/climbs/${key}`,
      payload: { matrix: 'seed-ladder', variant: '00-allnoconfig', status: climbed.status, state: climbed },
    });
    expect(climbPut.statusCode, climbPut.body).toBe(200);
    const regressions = (await app.inject({ method: 'GET', url: '/api/regressions' })).json<
      { id: number }[]
    >();
    expect(regressions.length).toBeGreaterThan(0);
    doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    urls.push(
      '/api/health',
      '/api/session',
      '/api/boots',
      `/api/boots/${bad.id}`,
      `/api/boots/${good.id}`,
      `/api/boots/${good.id}/console?limit=50`,
      `/api/boots/${bad.id}/traces`,
      '/api/builds',
      `/api/builds/${badBuild}`,
      `/api/builds/${badBuild}/size-diff?limit=20`,
      '/api/variants',
      `/api/trends?metric=size.image,build.wall,boot.init_start`,
      '/api/regressions?status=all',
      `/api/regressions/${regressions[0].id}`,
      `/api/compare?b=${bad.id}&limit=5`,
      '/api/failures',
      '/api/baselines',
      '/api/runs/latest',
      '/api/bisections',
      `/api/bisections/${key}?state=true`,
      '/api/climbs',
      `/api/climbs/${key}?state=true`,
    );
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  /** The document's 200 response schema of the GET route that answers `url`. */
  function responseSchema(url: string): Json | undefined {
    const paths = doc.paths as Record<string, { get?: { responses: Record<string, Json> } }>;
    const path = url.split('?')[0].replace(/\/(\d+|latest|[0-9a-f]{16})(?=\/|$)/g, '/{x}');
    const route = Object.keys(paths).find((p) => p.replace(/\{[^}]+\}/g, '{x}') === path);
    const content = route && (paths[route].get?.responses['200']?.content as Record<string, Json>);
    return content ? (content['application/json']?.schema as Json) : undefined;
  }

  it('covers every main GET route with a 200 response schema', () => {
    for (const url of urls) expect(responseSchema(url), url).toBeDefined();
  });

  it('sends only what the schema describes, and sends it whole', async () => {
    for (const url of urls) {
      const answer = await app.inject({ method: 'GET', url });
      expect(answer.statusCode, `${url}: ${answer.body.slice(0, 300)}`).toBe(200);
      const schema = responseSchema(url)!;
      const value = sent.get(url);
      expect(value, url).toBeDefined();
      expect(undescribed(doc, schema, value), `${url}: properties the schema lacks`).toEqual([]);
      expect(answer.json(), `${url}: what the client got`).toEqual(value);
    }
  });
});
