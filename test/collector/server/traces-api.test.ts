/** GET /api/boots/:id/traces: a real lkdtm WARNING decoded through its kernel's stored System.map. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import type { App } from '../../../collector/server/types.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { pgliteBackend } from '../../helpers/db.ts';
import { FIXTURES_DIR, fixtureBytes } from '../../helpers/fixtures.ts';

describe('symbolized traces', () => {
  let database: Database;
  let app: App;
  beforeAll(async () => {
    database = await pgliteBackend().fresh();
    app = await appOn(database);
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('maps every frame of the call trace to its address', async () => {
    const systemMap = gunzipSync(
      readFileSync(join(FIXTURES_DIR, 'symbols/crash-corpus.System.map.gz')),
    ).toString('utf8');
    const buildId = await app.collector.recordBuild({
      variant: 'corpus',
      status: 'PASS',
      startedAt: new Date().toISOString(),
      systemMap,
      command: 'make O=/nonexistent/corpus-build bzImage',
    });
    const { id } = await app.collector.importLog(fixtureBytes('crashes/warning.log'), {
      buildId,
      variant: 'corpus',
    });
    const r = await app.inject({ method: 'GET', url: `/api/boots/${id}/traces` });
    expect(r.statusCode, r.body).toBe(200);
    const t = r.json();
    expect(t).toMatchObject({ bootId: id, buildId, systemMap: true, vmlinux: null });
    expect(t.crashes[0].title).toBe('WARNING in lkdtm_WARNING');
    const frames = t.crashes[0].lines.filter((l: { address: string | null }) => l.address);
    expect(frames.length).toBeGreaterThanOrEqual(18);
    expect(frames.find((l: { text: string }) => l.text.includes('direct_entry+0xf8/0x12c')).address).toBe(
      '0xffffffff8156b08d',
    );
    expect((await app.inject({ method: 'GET', url: '/api/boots/999/traces' })).statusCode).toBe(404);
  });
});
