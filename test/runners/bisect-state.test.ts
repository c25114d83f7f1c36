/**
 * Where a bisection's state lives between runs: runners/bisect/run-bisection.ts against a
 * real collector (its bisections table on the embedded database), with simulated kernels
 * (a Kconfig-like oracle) so no build is needed. Another host without the state file
 * resumes from the collector's state and builds nothing twice; a collector that is away
 * stops nothing and the file resumes the run; a run that throws is stored as failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BisectionDetail, BisectionSummary } from '../../common/types/api.ts';
import { type BisectSpec, runBisection } from '../../runners/bisect/run-bisection.ts';
import { CollectorClient } from '../../runners/collector-client.ts';
import { loadMatrix } from '../../runners/matrix/load.ts';
import { Spool } from '../../runners/spool.ts';
import { netOracle, type Oracle, oracleSides, oracleToolchain } from '../helpers/bisect-oracle.ts';
import { type RealCollector, startRealCollector } from './helpers/real-collector.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-bisect-state-'));
const matrix = loadMatrix('examples/seed-ladder.yaml');
let collector: RealCollector;
let lines: string[];

beforeEach(async () => {
  collector = await startRealCollector();
  lines = [];
});
afterEach(async () => {
  await collector?.stop();
});

/** A bisection as host `host` runs it: its own cache dir (where the state file lives). */
async function run(host: string, oracle: Oracle, spec: Partial<BisectSpec> = {}) {
  process.env.BOOTWATCH_CACHE = join(dir, host);
  const client = new CollectorClient(collector.url, new Spool(join(dir, `spool-${host}`)), 2000);
  return runBisection(
    { ...oracleSides, matrix, ...spec },
    {
      collector: client,
      agent: host,
      log: (l) => lines.push(l),
      toolchain: oracleToolchain(oracle, join(dir, host)),
    },
  );
}

describe('bisection state in the collector', () => {
  it("resumes on another host from the collector's state, building nothing twice", async () => {
    const first = netOracle();
    const a = await run('host-a', first, { maxBuilds: 3 });
    expect(a.report.status).toBe('budget');
    expect(first.evaluations()).toBe(3);
    const [stored] = await collector.get<BisectionSummary[]>('/api/bisections');
    expect(stored).toMatchObject({ key: a.key, status: 'budget', builds: 3, maxBuilds: 3, agent: 'host-a' });

    // host-b has no state file: only the collector knows the three verdicts.
    const second = netOracle();
    const b = await run('host-b', second, { maxBuilds: 24 });
    expect(lines).toContain(`resuming from the collector's state ${a.key} (3 build(s) done)`);
    expect(b.key).toBe(a.key);
    expect(b.report.status).toBe('found');
    expect(b.report.culprits.map((c) => c.option)).toEqual(['CONFIG_E1000']);
    expect(second.evaluations()).toBe(b.report.builds - 3);
    for (const h of second.built.keys()) expect(first.built.has(h)).toBe(false);
    expect(b.report.steps.slice(0, 3).map((s) => s.built)).toEqual([true, true, true]);

    const list = await collector.get<BisectionSummary[]>('/api/bisections');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: stored.id,
      status: 'found',
      builds: b.report.builds,
      maxBuilds: 24,
      culprits: ['CONFIG_E1000'],
      agent: 'host-b',
    });
    const detail = await collector.get<BisectionDetail>(`/api/bisections/${stored.id}`);
    expect(detail.steps).toEqual(b.report.steps);
    expect(detail.good).toBe('good.config');
  });

  it('goes on while the collector is away, and resumes from the file', async () => {
    await collector.stop();
    const first = netOracle();
    const a = await run('host-c', first, { maxBuilds: 3 });
    expect(a.report.status).toBe('budget');
    expect(lines.some((l) => l.startsWith('cannot store the bisection in the collector'))).toBe(true);

    await collector.start();
    lines = [];
    const second = netOracle();
    const b = await run('host-c', second, { maxBuilds: 24 });
    expect(lines.some((l) => /^resuming from .*state\.json \(3 build\(s\) done\)$/.test(l))).toBe(true);
    expect(b.report.status).toBe('found');
    for (const h of second.built.keys()) expect(first.built.has(h)).toBe(false);
    const [stored] = await collector.get<BisectionSummary[]>('/api/bisections');
    expect(stored).toMatchObject({ status: 'found', builds: b.report.builds });
  });

  it('stores a run that throws as failed, with its message', async () => {
    const o = netOracle();
    const evaluate = o.deps.evaluate;
    let n = 0;
    o.deps.evaluate = async (v, c) => {
      if (++n === 3) throw new Error('qemu-system-x86_64: cannot allocate memory');
      return evaluate(v, c);
    };
    await expect(run('host-d', o)).rejects.toThrow(/cannot allocate memory/);
    const [stored] = await collector.get<BisectionSummary[]>('/api/bisections');
    expect(stored).toMatchObject({ status: 'failed', builds: 2 });
    const detail = await collector.get<BisectionDetail>(`/api/bisections/${stored.id}`);
    expect(detail.error).toBe('qemu-system-x86_64: cannot allocate memory');
    expect(detail.steps.map((s) => s.verdict)).toEqual(['good', 'bad']);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
