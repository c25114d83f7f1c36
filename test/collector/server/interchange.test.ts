/**
 * The exports as their consumers see them, from one collector over HTTP: a boot that reached
 * userspace but failed the runner's network check is FAIL in /api/boots, KCIDB (valid v5.3),
 * JUnit (valid against junit-10.xsd) and /metrics (clean for promtool); exported URLs start
 * at BOOTWATCH_PUBLIC_URL and config_url really serves the .config.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateKcidb } from '../../../collector/analysis/kcidb.ts';
import { defaultAccess } from '../../../collector/auth/access-options.ts';
import type { Database } from '../../../collector/db/client.ts';
import { buildApp } from '../../../collector/server/app.ts';
import type { App } from '../../../collector/server/types.ts';
import type { BootCheck, BuildInput } from '../../../common/types/ingest.ts';
import { createTestDb, pgliteBackend } from '../../helpers/db.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';
import { runs, skipWithout } from '../../helpers/required-tool.ts';
import { promtoolCheck, xmllintSchema } from '../../helpers/validators.ts';

const PUBLIC = 'https://bootwatch.example.org/team';
const CONFIG = '# Linux/x86 6.1.192 Kernel Configuration\nCONFIG_NET=y\nCONFIG_E1000=y\n';
const net: BootCheck = { name: 'net', ok: false, detail: 'no answer from the guest on port 8080' };
const noXmllint = skipWithout('xmllint (libxml2-utils: validates JUnit against its XSD)', runs('xmllint'));
const noPromtool = skipWithout('promtool (prometheus: checks the metrics)', runs('promtool'));

let database: Database;
let app: App;
let buildId: number;
let netBoot: number;
let silentBoot: number;

const json = { 'content-type': 'application/json' };
async function call<T>(method: 'GET' | 'POST', url: string, payload?: object | Buffer): Promise<T> {
  const raw = Buffer.isBuffer(payload);
  const r = await app.inject({
    method,
    url,
    payload,
    headers: payload === undefined ? {} : raw ? { 'content-type': 'application/octet-stream' } : json,
  });
  expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
  return (String(r.headers['content-type']).includes('json') ? r.json() : r.body) as T;
}

/** A boot streamed as a runner streams it: start, console bytes, finish with its checks. */
async function streamBoot(variant: string, log: Buffer, checks: BootCheck[]): Promise<number> {
  const { id } = await call<{ id: number }>('POST', '/api/boots', { target: 'qemu', buildId, variant });
  if (log.length) await call('POST', `/api/boots/${id}/console?offset=0`, log);
  // No status: the collector must reach the verdict from the outcome and the checks itself.
  await call('POST', `/api/boots/${id}/finish`, { endReason: 'marker', checks, consoleBytes: log.length });
  return id;
}

beforeAll(async () => {
  ({ database } = await createTestDb(pgliteBackend()));
  app = await buildApp({ database, dashboardDir: null, access: { ...defaultAccess(), publicUrl: PUBLIC } });
  const build: BuildInput = {
    variant: '05-net',
    matrix: 'seed-ladder',
    status: 'PASS',
    startedAt: '2026-01-01T00:00:00Z',
    config: CONFIG,
    baseConfig: 'allnoconfig',
    source: { name: 'linux-source-6.1', version: '6.1.192', kind: 'tarball' },
  };
  ({ id: buildId } = await call<{ id: number }>('POST', '/api/builds', build));
  netBoot = await streamBoot('05-net', fixtureBytes('logs/05-net-e1000.log'), [net]);
  // Not a byte on the console: the diagnosis has no line to cite.
  silentBoot = await streamBoot('01-serial', Buffer.alloc(0), []);
});

afterAll(async () => {
  await app?.close();
  await database?.close();
});

describe('one verdict in every export', () => {
  it('the API: FAIL, with the failed check', async () => {
    const boot = await call<{ outcome: string; status: string; checks: BootCheck[] }>(
      'GET',
      `/api/boots/${netBoot}`,
    );
    expect(boot).toMatchObject({ outcome: 'booted', status: 'FAIL', checks: [net] });
  });

  it('KCIDB: FAIL, valid v5.3, the check a failed sub-test, links at the public URL', async () => {
    const data = await call<{ builds: Record<string, string>[]; tests: Record<string, unknown>[] }>(
      'GET',
      '/api/export/kcidb',
    );
    expect(validateKcidb(data)).toEqual({ valid: true, errors: [] });
    const test = (id: string) => data.tests.find((t) => t.id === id);
    expect(test(`bootwatch:boot-${netBoot}`)).toMatchObject({
      status: 'FAIL',
      log_url: `${PUBLIC}/api/boots/${netBoot}/console.raw`,
      misc: { outcome: 'booted', failed_checks: [net] },
    });
    expect(test(`bootwatch:boot-${netBoot}-check-net`)).toMatchObject({ status: 'FAIL' });
    expect(data.builds[0].config_url).toBe(`${PUBLIC}/api/builds/${buildId}/config`);
  });

  it('config_url serves the .config the build was made with', async () => {
    const url = new URL(`${PUBLIC}/api/builds/${buildId}/config`);
    const r = await app.inject({ method: 'GET', url: url.pathname.replace(/^\/team/, '') });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toBe(CONFIG);
    expect((await app.inject({ method: 'GET', url: '/api/builds/999/config' })).statusCode).toBe(404);
  });

  describe('JUnit', () => {
    let xml = '';
    beforeAll(async () => {
      const run = await call<{ id: number }>('POST', '/api/runs', {
        matrix: 'seed-ladder',
        results: [
          { variant: '05-net', outcome: 'booted', bootId: netBoot, buildId },
          { variant: '01-serial', outcome: 'no_output', bootId: silentBoot, buildId },
        ],
      });
      xml = await call<string>('GET', `/api/runs/${run.id}/junit.xml`);
    });

    it('fails the boot with the check in its message, and a silent boot cites no line 0', () => {
      expect(xml).toContain('tests="2" failures="2" errors="0" skipped="0"');
      expect(xml).toContain('message="booted, but net failed: no answer from the guest on port 8080"');
      expect(xml).toContain(`console: ${PUBLIC}/api/boots/${netBoot}/console.raw`);
      expect(xml).toContain('<failure message="no_output" type="no_output">');
      expect(xml).toMatch(/diagnosis: CONFIG_SERIAL_8250_CONSOLE \(no kernel message.*\)\nconsole: /);
      expect(xml).not.toMatch(/line 0/);
    });

    it.skipIf(noXmllint)("is valid against Jenkins xunit's junit-10.xsd", () => {
      expect(xmllintSchema(xml)).toEqual({ ok: true, output: '- validates' });
    });
  });

  describe('/metrics', () => {
    let text = '';
    beforeAll(async () => {
      text = await call<string>('GET', '/metrics');
    });

    it('gives the verdict and the failed check', () => {
      expect(text).toContain('bootwatch_boot_verdict{variant="05-net",verdict="FAIL"} 1');
      expect(text).toContain('bootwatch_boot_checks_failed{variant="05-net"} 1');
      expect(text).toContain('bootwatch_boot_check_success{variant="05-net",check="net"} 0');
      expect(text).toContain('bootwatch_boot_verdict{variant="01-serial",verdict="FAIL"} 1');
    });

    it.skipIf(noPromtool)('passes promtool check metrics', () => {
      expect(promtoolCheck(text)).toEqual({ ok: true, output: '' });
    });
  });
});

describe('exported URLs without a public URL', () => {
  it("start at the request's own origin", async () => {
    const plain = await buildApp({ database, dashboardDir: null });
    try {
      const r = await plain.inject({
        method: 'GET',
        url: '/api/export/kcidb',
        headers: { host: '127.0.0.1:8080' },
      });
      const data = r.json() as { builds: { config_url?: string }[] };
      expect(data.builds[0].config_url).toBe(`http://127.0.0.1:8080/api/builds/${buildId}/config`);
    } finally {
      await plain.close();
    }
  });
});
