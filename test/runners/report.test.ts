/**
 * `bootwatch run`'s regression hook against a real collector over HTTP: the run's
 * regressions come back for the exit code, the run is recorded (JUnit), and the report a
 * person pastes into a mailing-list reply is written with evidence, diffconfig and bloat-o-meter.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNmOutput } from '../../collector/analysis/size-diff.ts';
import type { Database } from '../../collector/db/client.ts';
import type { App } from '../../collector/server/types.ts';
import type { BuildInput } from '../../common/types/ingest.ts';
import { CollectorClient } from '../../runners/collector-client.ts';
import { collectorRegressionEngine } from '../../runners/report/run-hook.ts';
import { Spool } from '../../runners/spool.ts';
import { appOn } from '../helpers/collector-app.ts';
import { pgliteBackend } from '../helpers/db.ts';
import { FIXTURES_DIR, fixtureBytes } from '../helpers/fixtures.ts';

const BASE = Date.now() - 3600_000;
const at = (m: number) => new Date(BASE + m * 60_000).toISOString();
const file = (...p: string[]) => join(FIXTURES_DIR, ...p);
const build = (m: number, cfg: string, nm: string): BuildInput => ({
  variant: 'exec',
  matrix: 'seed-ladder',
  status: 'PASS',
  startedAt: at(m),
  config: readFileSync(file('configs', `${cfg}.config`), 'utf8'),
  symbols: parseNmOutput(gunzipSync(readFileSync(file('sizes', `${nm}.nm.gz`))).toString('utf8')),
  sizes: { image: 1_000_000 },
});

describe('the run hook and its report', () => {
  let database: Database;
  let app: App;
  let url: string;
  beforeAll(async () => {
    database = await pgliteBackend().fresh();
    app = await appOn(database);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('returns the regressions, records the run and writes the report', async () => {
    const c = app.collector;
    const b1 = await c.recordBuild(build(0, '03-exec', '00-allnoconfig'));
    await c.importLog(fixtureBytes('logs/03-exec-no-net.log'), {
      buildId: b1,
      variant: 'exec',
      startedAt: at(1),
      initIsScript: true,
    });
    const b2 = await c.recordBuild(build(5, '02-initrd', '01-serial'));
    const bad = await c.importLog(fixtureBytes('logs/02-initrd-no-binfmt.log'), {
      buildId: b2,
      variant: 'exec',
      startedAt: at(6),
      initIsScript: true,
    });
    const dir = mkdtempSync(join(tmpdir(), 'bw-report-'));
    process.env.BOOTWATCH_REPORT_DIR = dir;
    const client = new CollectorClient(url, new Spool(mkdtempSync(join(tmpdir(), 'bw-spool-'))));
    const found = await collectorRegressionEngine(
      [{ variant: 'exec', baseline: null, outcome: 'panic', bootId: bad.id }],
      client,
    );
    expect(found.map((r) => `${r.was} → ${r.now}`)).toContain('booted → panic');
    expect(found.map((r) => `${r.was} → ${r.now}`)).toContain(
      'error → new error: cannot execute /init (ENOENT)',
    );
    expect(found.every((r) => r.variant === 'exec' && r.against === 'boot #1')).toBe(true);

    const text = readFileSync(join(dir, 'run-1.txt'), 'utf8');
    expect(text.split('\n')[0]).toBe('bootwatch: seed-ladder run 1: 3 regressions');
    expect(text).toContain('== exec: build #2, boot #2 against build #1, boot #1');
    expect(text).toContain('[1] HIGH outcome booted → panic: kernel panic: No working init found.');
    expect(text).toMatch(/L\d+: Failed to execute \/init \(error -2\)/);
    expect(text).toContain('CONFIG_BINFMT_SCRIPT: ');
    expect(text).toContain('     BINFMT_SCRIPT y -> n');
    expect(text).toContain('    add/remove: 265/0 grow/shrink: 6/0 up/down: 52040/0 (52040)');
    expect(text).toContain('    Total: Before=3694744, After=3746784, chg +1.41%');
    const json = JSON.parse(readFileSync(join(dir, 'run-1.json'), 'utf8'));
    expect(json.runs[0].config.changed.length).toBe(2);

    const junit = await (await fetch(`${url}/api/runs/1/junit.xml`)).text();
    expect(junit).toContain('failures="1"');
  });

  it('without a collector the in-run baseline still counts', async () => {
    const found = await collectorRegressionEngine(
      [
        { variant: 'a', baseline: null, outcome: 'booted', bootId: null },
        { variant: 'b', baseline: 'a', outcome: 'panic', bootId: null },
      ],
      null,
    );
    expect(found).toEqual([{ variant: 'b', against: 'baseline a', was: 'booted', now: 'panic' }]);
  });
});
