/**
 * A real climb: the seed ladder's 02-initrd kernel (it panics: `Failed to execute /init
 * (error -2)`, no script support) climbed to the completion marker with real builds and QEMU
 * boots. BINFMT_SCRIPT fixes that symptom and uncovers the next (error -8: the interpreter,
 * busybox, is ELF); BINFMT_ELF on top reaches the marker; minimise finds both needed. Every
 * attempt is a stored scratch build and boot.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { climbRungs } from '../../collector/analysis/climb.ts';
import { runClimb } from '../../runners/climb/run-climb.ts';
import { CollectorClient } from '../../runners/collector-client.ts';
import { loadMatrix } from '../../runners/matrix/load.ts';
import { type RealCollector, startRealCollector } from './helpers/real-collector.ts';

let collector: RealCollector;
beforeAll(async () => {
  collector = await startRealCollector();
}, 120_000);
afterAll(() => collector.stop());

describe('bootwatch climb, for real', () => {
  it('climbs 02-initrd to the marker: BINFMT_SCRIPT, then BINFMT_ELF, both needed', async () => {
    const ladder = loadMatrix('examples/seed-ladder.yaml');
    const start = ladder.variants.find((v) => v.name === '02-initrd')!;
    const variant = { ...start, boot: { ...start.boot, net: null } };
    const dir = mkdtempSync(join(tmpdir(), 'bw-climb-'));
    const log: string[] = [];
    const s = await runClimb(
      { variant, goals: ['marker'], maxBuilds: 8, state: join(dir, 'state.json'), fresh: true },
      { collector: new CollectorClient(collector.url), log: (l) => log.push(l) },
    );
    expect(s.status, log.join('\n')).toBe('reached');
    expect(new Set(s.options)).toEqual(new Set(['CONFIG_BINFMT_SCRIPT', 'CONFIG_BINFMT_ELF']));
    const climbSteps = s.attempts.filter((a) => a.phase === 'climb');
    expect(climbSteps.map((a) => [a.option, a.verdict])).toEqual([
      ['CONFIG_BINFMT_SCRIPT', 'kept'],
      ['CONFIG_BINFMT_ELF', 'kept'],
    ]);
    expect(s.attempts[0]).toMatchObject({ phase: 'start', outcome: 'panic' });
    // Userspace, or its shutdown when the poweroff line beat the end at the marker.
    expect(['userspace', 'shutdown']).toContain(climbSteps[1].lastStage);
    const rungs = climbRungs(s);
    expect(rungs.map((r) => r.option)).toEqual(['CONFIG_BINFMT_SCRIPT', 'CONFIG_BINFMT_ELF']);
    expect(rungs[0].fixed).toMatch(/Failed to execute \/init \(error -2\)/);
    expect(rungs[1].fixed).toMatch(/Failed to execute \/init \(error -8\)/);
    // Minimise: neither can go.
    expect(s.attempts.filter((a) => a.phase === 'minimise').map((a) => a.verdict)).toEqual([
      'reverted',
      'reverted',
    ]);
    // Every attempt is a stored build and boot of the scratch variant.
    for (const a of s.attempts) {
      expect(a.buildId).toBeGreaterThan(0);
      const boot = await collector.get<{ variant: string }>(`/api/boots/${a.bootId}`);
      expect(boot.variant).toBe('02-initrd~climb');
    }
    // The state on disk is what a resumed run would start from.
    const saved = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    expect(saved.status).toBe('reached');
    expect(saved.builds).toBe(s.builds);
  }, 3_600_000);
});
