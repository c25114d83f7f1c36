/** When the database goes away the API answers 503 `db.unavailable` (health included), and recovers with it. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../collector/db/client.ts';
import type { App } from '../../../collector/server/types.ts';
import { appOn } from '../../helpers/collector-app.ts';
import { backends } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const octets = { 'content-type': 'application/octet-stream' };

describe.each(backends())('database away on $name', (backend) => {
  let database: Database;
  let app: App;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    backend.server()?.start();
    await app?.close();
    await database?.close();
  });

  async function expectUnavailable(): Promise<void> {
    const health = await app.inject({ method: 'GET', url: '/api/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ ok: false, db: backend.name, error: { code: 'db.unavailable' } });
    const reads = ['/api/boots?limit=5', '/api/boots/1', '/api/variants', '/api/builds'];
    for (const url of reads) {
      const r = await app.inject({ method: 'GET', url });
      expect({ url, status: r.statusCode, body: r.json() }).toEqual({
        url,
        status: 503,
        body: { error: { code: 'db.unavailable', message: expect.any(String) } },
      });
    }
    const log = await app.inject({
      method: 'POST',
      url: '/api/logs',
      headers: octets,
      payload: fixtureBytes('logs/01-serial-no-initrd.log'),
    });
    expect(log.statusCode).toBe(503);
    expect(log.json().error.code).toBe('db.unavailable');
  }

  it('answers 503 once the database is closed or stopped', async () => {
    database = await backend.fresh();
    app = await appOn(database);
    const before = await app.inject({
      method: 'POST',
      url: '/api/logs',
      headers: octets,
      payload: fixtureBytes('logs/01-serial-no-initrd.log'),
    });
    expect(before.statusCode).toBe(201);

    const server = backend.server();
    if (server) server.stop();
    else await database.close();
    await expectUnavailable();

    if (!server) return;
    // A real server that comes back is used again without restarting the collector.
    server.start();
    const health = await app.inject({ method: 'GET', url: '/api/health' });
    expect(health.json()).toEqual({ ok: true, db: 'postgres' });
    const list = await app.inject({ method: 'GET', url: '/api/boots?limit=5' });
    expect(list.json().map((b: { id: number }) => b.id)).toEqual([before.json().id]);
  });
});
