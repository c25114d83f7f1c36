/**
 * Where a climb's state lives between runs: runners/climb/run-climb.ts against a real
 * collector (its climbs table on the embedded database, over HTTP), with a simulated kernel
 * (test/helpers/climb-oracle.ts: the real parser reads what it prints) so no build is
 * needed. Every attempt reaches the collector and its live feed as it happens; another host
 * without the state file resumes from the collector's state (by matrix and variant, or
 * `climb --resume ID`) and builds nothing twice; a run that throws is stored as failed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parse } from 'yaml';
import { climbFragment } from '../../collector/analysis/climb.ts';
import type { ClimbDetail, ClimbSummary } from '../../common/types/api.ts';
import type { FeedMessage } from '../../common/types/ingest.ts';
import { climbCommand } from '../../runners/climb/climb-command.ts';
import { type ClimbSpec, climbKey, runClimb } from '../../runners/climb/run-climb.ts';
import { CollectorClient } from '../../runners/collector-client.ts';
import { loadMatrix } from '../../runners/matrix/load.ts';
import { Spool } from '../../runners/spool.ts';
import { climbToolchain, ladderOracle } from '../helpers/climb-oracle.ts';
import { type RealCollector, startRealCollector } from './helpers/real-collector.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-climb-state-'));
const MATRIX = 'examples/seed-ladder.yaml';
const variant = loadMatrix(MATRIX).variants.find((v) => v.name === '00-allnoconfig')!;
let collector: RealCollector;
let lines: string[];

beforeEach(async () => {
  collector = await startRealCollector();
  lines = [];
});
afterEach(async () => {
  await collector?.stop();
});

/** A climb as host `host` runs it: its own cache dir (where the state file lives). */
function run(host: string, oracle: ReturnType<typeof ladderOracle>, spec: Partial<ClimbSpec> = {}) {
  process.env.BOOTWATCH_CACHE = join(dir, host);
  const client = new CollectorClient(collector.url, new Spool(join(dir, `spool-${host}`)), 2000);
  return runClimb(
    { variant, goals: ['marker'], maxBuilds: 20, ...spec },
    {
      collector: client,
      agent: host,
      log: (l) => lines.push(l),
      toolchain: climbToolchain(oracle, join(dir, host)),
    },
  );
}

/** The collector's live feed of climb messages. */
async function climbFeed(): Promise<{ messages: FeedMessage[]; close: () => void }> {
  const ws = new WebSocket(`${collector.url.replace(/^http/, 'ws')}/api/feed?types=climb`);
  const messages: FeedMessage[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as FeedMessage;
      if (m.type === 'subscribed') resolve();
      else messages.push(m);
    });
    ws.on('error', reject);
  });
  return { messages, close: () => ws.close() };
}

describe('climb state in the collector', () => {
  it("stores every attempt as it goes; another host resumes from the collector's state", async () => {
    const first = ladderOracle();
    const a = await run('host-a', first, { maxBuilds: 3 });
    expect(a.status).toBe('budget');
    expect(first.built).toHaveLength(3);
    const key = climbKey(variant, ['marker']);
    const [stored] = await collector.get<ClimbSummary[]>('/api/climbs');
    expect(stored).toMatchObject({
      key,
      matrix: 'seed-ladder',
      variant: '00-allnoconfig',
      goals: ['marker'],
      status: 'budget',
      builds: 3,
      maxBuilds: 3,
      steps: 3,
      agent: 'host-a',
      stopped: a.stopped,
    });
    const mid = await collector.get<ClimbDetail>(`/api/climbs/${stored.id}`);
    expect(mid.attempts).toEqual(a.attempts);

    // host-b has no state file: only the collector knows the three attempts.
    const feed = await climbFeed();
    const second = ladderOracle();
    const b = await run('host-b', second);
    feed.close();
    expect(lines).toContain(`resuming from the collector's climb ${key}: 3 build(s) done`);
    expect(b.status).toBe('reached');
    expect(second.built).toHaveLength(b.builds - 3);
    const straight = ladderOracle();
    expect(b.options).toEqual(
      (await run('host-c', straight, { fresh: true, state: join(dir, 'c.json') })).options,
    );
    expect(straight.built.length).toBe(b.builds);

    // The feed told of every attempt of host-b's run, in order, with the budget used.
    const ofB = feed.messages.filter((m) => m.type === 'climb' && m.id === stored.id);
    const steps = ofB.map((m) => (m.type === 'climb' ? m.steps : -1));
    expect(steps.at(-1)).toBe(b.attempts.length);
    expect([...steps].sort((x, y) => x - y)).toEqual(steps);
    expect(ofB.at(-1)).toMatchObject({ status: 'reached', builds: b.builds, maxBuilds: 20 });
    expect(ofB.some((m) => m.type === 'climb' && m.status === 'running' && m.phase === 'minimise')).toBe(
      true,
    );

    const detail = await collector.get<ClimbDetail>(`/api/climbs/${stored.id}`);
    expect(detail).toMatchObject({ status: 'reached', agent: 'host-c', fragment: climbFragment(b) });
    expect(detail.rungs.map((r) => r.option)).toEqual([
      'CONFIG_PRINTK',
      'CONFIG_RD_GZIP',
      'CONFIG_BINFMT_ELF',
    ]);
    // Attempt by attempt: the option with what it brought, the symptom's line and stage, the cost.
    const elf = detail.attempts.find((x) => x.option === 'CONFIG_BINFMT_ELF' && x.phase === 'climb')!;
    expect(elf).toMatchObject({ verdict: 'kept', with: ['CONFIG_BINFMT_SCRIPT'], sizeAdded: 20_000 });
    expect(elf.symptom?.text).toMatch(/Failed to execute \/init \(error -8\)/);
    expect(elf.symptom?.line).toBeGreaterThan(0);
    expect(detail.attempts.filter((x) => x.phase === 'minimise').every((x) => x.builds > 3)).toBe(true);
  });

  it('`climb --resume ID` on a host without the file takes the variant and goals from the collector', async () => {
    const a = await run('host-d', ladderOracle(), { maxBuilds: 4 });
    expect(a.status).toBe('budget');
    const [{ id }] = await collector.get<ClimbSummary[]>('/api/climbs');
    const out = mkdtempSync(join(dir, 'out-'));
    process.env.BOOTWATCH_CACHE = join(dir, 'host-e');
    const oracle = ladderOracle();
    const opts = { resume: id, collector: collector.url, out, maxBuilds: 20 };
    expect(await climbCommand(MATRIX, undefined, opts, climbToolchain(oracle, join(dir, 'host-e')))).toBe(0);
    expect(oracle.built.length).toBeGreaterThan(0);
    const detail = await collector.get<ClimbDetail>(`/api/climbs/${id}`);
    expect(detail.status).toBe('reached');
    expect(detail.builds).toBe(4 + oracle.built.length);
    expect(readFileSync(join(out, '00-allnoconfig-climb.config'), 'utf8')).toBe(detail.fragment);
    const ladder = parse(readFileSync(join(out, '00-allnoconfig-climb.yaml'), 'utf8'));
    // The goals are in the names: another climb of this variant is another ladder.
    expect(ladder.name).toBe(`${parse(readFileSync(MATRIX, 'utf8')).name}-climb-to-marker`);
    expect(ladder.variants.map((v: { name: string }) => v.name)).toEqual([
      '00-allnoconfig-to-marker-00',
      '00-allnoconfig-to-marker-01',
      '00-allnoconfig-to-marker-02',
      '00-allnoconfig-to-marker-03',
    ]);

    await expect(climbCommand(MATRIX, undefined, { ...opts, resume: 999 })).rejects.toMatchObject({
      code: 'input.invalid',
      message: '--resume: the collector has no climb 999',
    });
    await expect(climbCommand(MATRIX, '01-serial', opts)).rejects.toMatchObject({
      code: 'input.invalid',
      message: `climb ${id} climbs 00-allnoconfig, not 01-serial`,
    });
    await expect(climbCommand(MATRIX, undefined, { ...opts, goal: 'network' })).rejects.toMatchObject({
      code: 'input.invalid',
    });
  });

  it('`--boot-from` boots every attempt as another variant boots, as a climb of its own', async () => {
    const boots: unknown[] = [];
    const oracle = ladderOracle();
    const spy = climbToolchain(oracle, join(dir, 'host-k'));
    const toolchain = {
      ...spy,
      deps: (...args: Parameters<typeof spy.deps>) => {
        boots.push(args[0].boot);
        return spy.deps(...args);
      },
    };
    process.env.BOOTWATCH_CACHE = join(dir, 'host-k');
    const out = mkdtempSync(join(dir, 'out-'));
    const opts = { goal: 'marker', bootFrom: '08-ext4-root', collector: collector.url, out, maxBuilds: 2 };
    expect(await climbCommand(MATRIX, '00-allnoconfig', opts, toolchain)).toBe(1);
    const disk = loadMatrix(MATRIX).variants.find((v) => v.name === '08-ext4-root')!.boot;
    expect(boots).toEqual([disk]);
    expect(disk.disk?.root).toBe(true);
    // Its own climb: the key is not the one of the same climb booting 00-allnoconfig's way.
    const [stored] = await collector.get<ClimbSummary[]>('/api/climbs');
    expect(stored.key).toBe(climbKey({ ...variant, boot: disk }, ['marker'], '08-ext4-root'));
    expect(stored.key).not.toBe(climbKey(variant, ['marker']));
    const ladderFile = join(out, '00-allnoconfig-climb.yaml');
    expect(readFileSync(ladderFile, 'utf8')).toMatch(
      /--goal marker --boot-from 08-ext4-root\n# Boots as every attempt of the climb did \(08-ext4-root's\)/,
    );
    // Replayable: each rung of the ladder boots as the climb's attempts did.
    for (const rung of loadMatrix(ladderFile).variants) expect(rung.boot).toEqual(disk);
    // Resumed with the same --boot-from it goes on; without it, it is another climb.
    const more = ladderOracle();
    const again = { ...opts, goal: undefined, resume: stored.id, maxBuilds: 4 };
    expect(await climbCommand(MATRIX, undefined, again, climbToolchain(more, join(dir, 'host-k')))).toBe(1);
    expect(more.built).toHaveLength(2);
    await expect(climbCommand(MATRIX, undefined, { ...again, bootFrom: undefined })).rejects.toMatchObject({
      code: 'input.invalid',
      message: expect.stringMatching(/--boot-from differ/),
    });
    await expect(
      climbCommand(MATRIX, '00-allnoconfig', { ...opts, bootFrom: '99-nowhere' }),
    ).rejects.toMatchObject({ code: 'variant.not_found' });

    // Without --boot-from, goals the start's own boot cannot show pick the first rung whose
    // boot can: the root disk, the port check and the marker are 08-ext4-root's; login is 09's.
    const ladder = loadMatrix(MATRIX).variants;
    for (const [goal, rung] of [
      ['marker,network,root_mounted', '08-ext4-root'],
      ['login', '09-debian'],
      ['marker,network', '00-allnoconfig'],
    ] as const) {
      boots.length = 0;
      const auto = { goal, collector: collector.url, out, maxBuilds: 1, fresh: true };
      expect(await climbCommand(MATRIX, '00-allnoconfig', auto, toolchain)).toBe(1);
      expect(boots).toEqual([ladder.find((v) => v.name === rung)!.boot]);
    }
  });

  it('resumes and stores a state file written before attempts recorded their symptom line and cost', async () => {
    const first = ladderOracle();
    const a = await run('host-h', first, { maxBuilds: 4, state: join(dir, 'h.json') });
    // The file as bootwatch wrote it before: no key, symptoms as text, no `with`, `builds`, `sizeAdded`.
    const old = {
      ...a,
      rungs: [],
      attempts: a.attempts.map(({ with: _w, builds: _b, sizeAdded: _s, symptom, ...rest }) => ({
        ...rest,
        symptom: symptom?.text ?? null,
      })),
    };
    writeFileSync(join(dir, 'h.json'), JSON.stringify(old));
    // A tie with the collector's state (4 builds each): the file is the one resumed.
    const second = ladderOracle();
    const b = await run('host-h', second, { state: join(dir, 'h.json') });
    expect(lines).toContain(`resuming from ${join(dir, 'h.json')}: 4 build(s) done`);
    expect(b.status).toBe('reached');
    expect(first.built.length + second.built.length).toBe(b.builds);
    const [stored] = await collector.get<ClimbSummary[]>('/api/climbs');
    expect(stored).toMatchObject({ status: 'reached', builds: b.builds, steps: b.attempts.length });
    const detail = await collector.get<ClimbDetail>(`/api/climbs/${stored.id}`);
    expect(detail.attempts[1].symptom).toMatchObject({ text: a.attempts[1].symptom?.text, line: 0 });
    expect(detail.attempts.slice(0, 4).map((x) => x.builds)).toEqual([1, 2, 3, 4]);
  });

  it('stores a run that throws as failed, with its message', async () => {
    await expect(run('host-f', ladderOracle({ crashAfter: 2 }))).rejects.toThrow('host died');
    const [stored] = await collector.get<ClimbSummary[]>('/api/climbs');
    // The state of the last whole attempt: the one cut off is not counted.
    expect(stored).toMatchObject({ status: 'failed', error: 'host died', builds: 2, steps: 2 });
    // ... so a re-run resumes it exactly: the cut-off attempt is built again, nothing else.
    const again = ladderOracle();
    const s = await run('host-f', again);
    expect(s.status).toBe('reached');
    const whole = ladderOracle();
    await run('host-g', whole, { fresh: true, state: join(dir, 'g.json') });
    expect(again.built.length + 2).toBe(whole.built.length);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
