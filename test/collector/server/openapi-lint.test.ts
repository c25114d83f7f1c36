/**
 * The collector's OpenAPI document as a strict consumer reads it: the real Redocly CLI
 * (recommended rules, warnings as errors, redocly.yaml) on the document the app serves.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import type { App } from '../../../collector/server/types.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { createTestDb, pgliteBackend } from '../../helpers/db.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REDOCLY = join(ROOT, 'node_modules/.bin/redocly');

interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: { default?: unknown } }[];
  responses: Record<string, { content?: Record<string, unknown> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

let database: Database;
let app: App;
let doc: Doc;
let dir: string;

beforeAll(async () => {
  ({ database } = await createTestDb(pgliteBackend()));
  app = await appOn(database);
  doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  dir = mkdtempSync(join(tmpdir(), 'bootwatch-openapi-'));
});

afterAll(async () => {
  await app?.close();
  await database?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method, path, op })),
  );

describe('the OpenAPI document', () => {
  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const { stdout } = await promisify(execFile)(
      REDOCLY,
      ['lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json'],
      {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string }[];
    };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('gives every operation a unique camelCase operationId from its method and path', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => id && /^[a-z]+[A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/runs/{id}/junit.xml'].get.operationId).toBe('getRunsByIdJunitXml');
    expect(doc.paths['/api/bisections/{ref}'].put.operationId).toBe('putBisectionsByRef');
  });

  it('requires no query parameter that has a default', () => {
    const wrong = operations().flatMap(({ method, path, op }) =>
      (op.parameters ?? [])
        .filter((p) => p.in === 'query' && p.required && p.schema?.default !== undefined)
        .map((p) => `${method} ${path} ${p.name}`),
    );
    expect(wrong).toEqual([]);
    const limit = doc.paths['/api/boots'].get.parameters?.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ required: false, schema: { default: 50 } });
  });

  it('declares error bodies as JSON, and sends them so, on XML and byte routes', async () => {
    for (const path of ['/api/runs/{id}/junit.xml', '/api/boots/{id}/console.raw']) {
      const { responses } = doc.paths[path].get;
      expect(Object.keys(responses['200'].content ?? {})).not.toEqual(['application/json']);
      expect(Object.keys(responses['404'].content ?? {}), path).toEqual(['application/json']);
    }
    for (const url of ['/api/runs/999/junit.xml', '/api/boots/999/console.raw']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type'], url).toContain('application/json');
      expect(r.json().error.code).toEqual(expect.any(String));
    }
  });
});
