/**
 * The climb's search, with the real parser reading what a simulated kernel prints: from a
 * silent allnoconfig to the completion marker, options kept when the boot gets further,
 * two options a symptom needs together found by trial, unneeded ones minimised away,
 * options that do not land skipped, a symptom nothing names stops it, and a crash mid-climb
 * resumes from the saved state without rebuilding.
 */
import { describe, expect, it } from 'vitest';
import {
  type ClimbDeps,
  type ClimbEvaluation,
  type ClimbState,
  climb,
  climbFragment,
  climbRungs,
  initialClimbState,
} from '../../../collector/analysis/climb.ts';
import type { Diagnosis } from '../../../common/types/parse.ts';
import { ladderOracle } from '../../helpers/climb-oracle.ts';

/** A boot that reached the marker (`ok`), or panicked naming `fixes` best first; `n` its ids. */
function simulatedBoot(ok: boolean, fixes: string[], n: number | null): ClimbEvaluation {
  const diagnosis: Diagnosis[] = fixes.map((option, i) => ({
    option,
    rule: 'r',
    line: 3,
    confidence: 0.9 - i / 10,
    reason: '',
    evidence: 'oops',
  }));
  return {
    outcome: ok ? 'booted' : 'panic',
    lastStage: ok ? 'userspace' : 'init',
    milestones: [],
    marker: ok,
    checks: [],
    diagnosis: ok ? [] : diagnosis,
    lastLine: 'oops',
    imageBytes: null,
    buildId: n,
    bootId: n,
  };
}

describe('climb', () => {
  it('climbs a silent allnoconfig to the marker, one symptom at a time, the likeliest fix first', async () => {
    const { deps, built } = ladderOracle();
    const s = await climb(initialClimbState(['marker'], 20), deps);
    expect(s.status).toBe('reached');
    expect(new Set(s.options)).toEqual(
      new Set([
        'CONFIG_SERIAL_8250_CONSOLE',
        'CONFIG_SERIAL_8250',
        'CONFIG_TTY',
        'CONFIG_PRINTK',
        'CONFIG_BLK_DEV_INITRD',
        'CONFIG_RD_GZIP',
        'CONFIG_BINFMT_SCRIPT',
        'CONFIG_BINFMT_ELF',
      ]),
    );
    // Every kept rung fixed the symptom its description names.
    const rungs = climbRungs(s);
    expect(rungs.map((r) => [r.option, r.stage])).toEqual([
      ['CONFIG_PRINTK', 'kernel'],
      ['CONFIG_RD_GZIP', 'kernel'],
      ['CONFIG_BINFMT_ELF', 'userspace'],
    ]);
    expect(rungs[0].with).toEqual(
      expect.arrayContaining(['CONFIG_SERIAL_8250_CONSOLE', 'CONFIG_SERIAL_8250', 'CONFIG_TTY']),
    );
    expect(rungs[0].fixed).toMatch(/^silent-console/);
    expect(rungs[2].fixed).toMatch(/Failed to execute \/init \(error -8\)/);
    // Each attempt says what it cost: the builds used so far and the image bytes it added.
    // Minimise tries first what came along (trials, dependencies), then the options kept for
    // getting further. Options others depend on are known needed from Kconfig alone (no build),
    // and removing the last kept option gives the trial kernel beneath it, whose boot is reused.
    const minimise = s.attempts.filter((a) => a.phase === 'minimise');
    expect(minimise.map((a) => a.option)).toEqual([
      'CONFIG_BINFMT_SCRIPT',
      'CONFIG_BLK_DEV_INITRD',
      'CONFIG_SERIAL_8250_CONSOLE',
      'CONFIG_SERIAL_8250',
      'CONFIG_TTY',
      'CONFIG_BINFMT_ELF',
      'CONFIG_RD_GZIP',
      'CONFIG_PRINTK',
    ]);
    const unbuilt = minimise.filter((a) => a.buildId === null);
    expect(unbuilt.map((a) => [a.option, a.verdict])).toEqual([
      ['CONFIG_BLK_DEV_INITRD', 'reverted'],
      ['CONFIG_SERIAL_8250', 'reverted'],
      ['CONFIG_TTY', 'reverted'],
    ]);
    expect(unbuilt[0].reason).toBe('needed: without it Kconfig drops CONFIG_RD_GZIP (not built)');
    const elfAway = minimise.find((a) => a.option === 'CONFIG_BINFMT_ELF')!;
    const trialBeneath = s.attempts.filter((a) => a.verdict === 'trial').at(-1)!;
    expect(elfAway).toMatchObject({ verdict: 'reverted', bootId: trialBeneath.bootId });
    expect(elfAway.reason).toContain(`the same .config as attempt ${trialBeneath.n}`);
    // The budget counts builds: neither kind of minimise attempt above cost one.
    const costs = (a: (typeof s.attempts)[number]) => a.buildId !== null && a !== elfAway;
    expect(s.attempts.map((a) => a.builds)).toEqual(
      s.attempts.map((_, i) => s.attempts.slice(0, i + 1).filter(costs).length),
    );
    for (const r of rungs) expect(r.sizeAdded).toBe(10_000 * (r.with.length + 1));
    // ... and the symptom it was tried for: the line and stage of the boot before it.
    const elf = s.attempts[rungs[2].attempt - 1];
    const before = s.attempts.filter((a) => a.n < elf.n && a.verdict === 'kept').at(-1)!;
    expect(elf.symptom).toMatchObject({ stage: rungs[1].stage, bootId: before.bootId });
    expect(elf.symptom!.line).toBeGreaterThan(0);
    // Options that were needed together were found by trial, not given up on.
    expect(s.attempts.filter((a) => a.verdict === 'trial').map((a) => a.option)).toEqual([
      'CONFIG_SERIAL_8250_CONSOLE',
      'CONFIG_BLK_DEV_INITRD',
      'CONFIG_BINFMT_SCRIPT',
    ]);
    // Minimise tried each option away and kept all (each is needed here).
    expect(s.attempts.filter((a) => a.phase === 'minimise')).toHaveLength(8);
    expect(s.attempts.filter((a) => a.phase === 'minimise').every((a) => a.verdict === 'reverted')).toBe(
      true,
    );
    expect(s.builds).toBe(built.length);
    expect(climbFragment(s)).toContain('CONFIG_BINFMT_SCRIPT=y\n');
  });

  it('skips an option that does not land and stops, naming the line, when nothing else is left', async () => {
    const { deps } = ladderOracle({ unlandable: ['CONFIG_BINFMT_ELF'] });
    const s = await climb(initialClimbState(['marker'], 20), deps);
    expect(s.status).toBe('stuck');
    const skipped = s.attempts.find((a) => a.verdict === 'not_landed');
    expect(skipped).toMatchObject({ option: 'CONFIG_BINFMT_ELF', reason: 'depends on X86_32 [X86_32=n]' });
    expect(s.stopped).toMatch(/init-enoexec-script: .*Failed to execute \/init \(error -8\)/);
    expect(s.trial).toEqual([]);
  });

  it('stops at its build budget', async () => {
    const { deps, built } = ladderOracle();
    const s = await climb(initialClimbState(['marker'], 3), deps);
    expect(s.status).toBe('budget');
    expect(built).toHaveLength(3);
    expect(s.stopped).toMatch(/budget \(3\)/);
  });

  it('finishes a minimise its budget cut short when resumed under a larger one, and no longer says it was cut', async () => {
    const { deps } = ladderOracle();
    const whole = await climb(initialClimbState(['marker'], 20), ladderOracle().deps);
    const reachedAt = whole.attempts.filter((a) => a.phase !== 'minimise').at(-1)!.builds;
    const cut = await climb(initialClimbState(['marker'], reachedAt), deps);
    expect(cut.status).toBe('reached');
    expect(cut.stopped).toMatch(/spent while minimising/);
    // With no build left, what Kconfig decides and a kernel already built answers still are.
    expect(cut.builds).toBe(reachedAt);
    expect(cut.attempts.filter((a) => a.phase === 'minimise').map((a) => [a.option, a.verdict])).toEqual([
      ['CONFIG_BLK_DEV_INITRD', 'reverted'],
      ['CONFIG_SERIAL_8250', 'reverted'],
      ['CONFIG_TTY', 'reverted'],
      ['CONFIG_BINFMT_ELF', 'reverted'],
    ]);
    const left = cut.options.filter((o) => !cut.minimised.includes(o));
    expect(left.length).toBeGreaterThan(0);
    const done = await climb({ ...structuredClone(cut), maxBuilds: 20 }, deps);
    expect(done.stopped).toBeNull();
    expect(new Set(done.minimised)).toEqual(new Set(done.options.concat(cut.minimised)));
  });

  it('resumes a climb whose host died from its saved state, without rebuilding what was built', async () => {
    let saved: ClimbState | null = null;
    const first = ladderOracle({ crashAfter: 4 });
    await expect(
      climb(initialClimbState(['marker'], 20), {
        ...first.deps,
        onStep: (st) => {
          saved = structuredClone(st);
        },
      }),
    ).rejects.toThrow('host died');
    expect(saved).not.toBeNull();
    const again = ladderOracle();
    const s = await climb(saved!, again.deps);
    expect(s.status).toBe('reached');
    const whole = ladderOracle();
    const straight = await climb(initialClimbState(['marker'], 20), whole.deps);
    expect(s.options).toEqual(straight.options);
    expect(first.built.length + again.built.length).toBe(whole.built.length);
  });

  it('asks Kconfig only about what removing an option loses, not what was never set', async () => {
    // CONFIG_A "lands" for the climb but olddefconfig never sets it (say, select-only): that
    // must not make every other option look needed without a build.
    const built: string[][] = [];
    const deps: ClimbDeps = {
      apply: async (options, c) => ({ options: [...options, c], landed: true, reason: null }),
      unmet: async (options) => options.filter((o) => o === 'CONFIG_A'),
      evaluate: async (options) => {
        built.push([...options]);
        return simulatedBoot(options.includes('CONFIG_B'), ['CONFIG_A', 'CONFIG_B'], built.length);
      },
    };
    const s = await climb(initialClimbState(['marker'], 10), deps);
    expect(s.status).toBe('reached');
    expect(s.options).toEqual(['CONFIG_B']);
    const minimise = s.attempts.filter((a) => a.phase === 'minimise');
    // A (on trial) goes first, judged by a build; B's removal is judged by a build too (A
    // "lost" is not news), though A is gone by then.
    expect(minimise.map((a) => [a.option, a.verdict, a.buildId !== null])).toEqual([
      ['CONFIG_A', 'kept', true],
      ['CONFIG_B', 'reverted', true],
    ]);
  });

  it('builds a .config once: an option Kconfig turns on by default anyway is dropped without a build', async () => {
    // CONFIG_ETHERNET defaults to y once CONFIG_NETDEVICES is on: with or without it in the
    // fragment the kernel is the same, so minimise needs no build to drop it.
    const resolved = (options: readonly string[]) => {
      const on = new Set(options);
      if (on.has('CONFIG_NETDEVICES')) on.add('CONFIG_ETHERNET');
      else on.delete('CONFIG_E1000');
      return [...on].sort().join(' ');
    };
    const built: string[] = [];
    const deps: ClimbDeps = {
      apply: async (options, c) => ({
        options: [...options, ...(c === 'CONFIG_E1000' ? ['CONFIG_NETDEVICES', 'CONFIG_ETHERNET'] : []), c],
        landed: true,
        reason: null,
      }),
      configKey: async (options) => resolved(options),
      evaluate: async (options) => {
        built.push(resolved(options));
        return simulatedBoot(resolved(options).includes('CONFIG_E1000'), ['CONFIG_E1000'], built.length);
      },
    };
    const s = await climb(initialClimbState(['marker'], 10), deps);
    expect(s.status).toBe('reached');
    expect(s.options).toEqual(['CONFIG_NETDEVICES', 'CONFIG_E1000']);
    const ethernet = s.attempts.find((a) => a.phase === 'minimise' && a.option === 'CONFIG_ETHERNET')!;
    expect(ethernet.verdict).toBe('kept');
    expect(ethernet.reason).toMatch(/not needed.*the same \.config as attempt 2/);
    // Each distinct kernel built once, whatever its fragment said.
    expect(new Set(built).size).toBe(built.length);
    expect(s.builds).toBe(built.length);
  });

  it('says what a boot gained when it got further within the same stage', async () => {
    // The ext4 rung of the real climb: the root mounts, and the boot still panics in the kernel.
    const deps: ClimbDeps = {
      apply: async (options, c) => ({ options: [...options, c], landed: true, reason: null }),
      evaluate: async (options) => {
        const ext4 = options.includes('CONFIG_EXT4_FS');
        const elf = options.includes('CONFIG_BINFMT_ELF');
        return {
          ...simulatedBoot(elf, ext4 ? ['CONFIG_BINFMT_ELF'] : ['CONFIG_EXT4_FS'], options.length + 1),
          lastStage: elf ? 'userspace' : 'console',
          milestones: ext4 ? ['root_mounted'] : [],
        };
      },
    };
    const s = await climb(initialClimbState(['marker'], 10), deps);
    expect(s.attempts.find((a) => a.option === 'CONFIG_EXT4_FS')).toMatchObject({
      verdict: 'kept',
      reason: 'got further at stage console: reached root_mounted',
    });
  });

  it('resumed after a symptom nothing named, reads the same kernel again with what the tables know now', async () => {
    // The tables learn the symptom between the two runs (as the login climb taught
    // `No working init found` on Debian's root).
    let known = false;
    const evaluated: string[][] = [];
    const deps: ClimbDeps = {
      apply: async (options, c) => ({ options: [...options, c], landed: true, reason: null }),
      evaluate: async (options) => {
        evaluated.push([...options]);
        return simulatedBoot(options.includes('CONFIG_ELF'), known ? ['CONFIG_ELF'] : [], evaluated.length);
      },
    };
    const stuck = await climb(initialClimbState(['marker'], 10), deps);
    expect(stuck.status).toBe('stuck');
    expect(stuck.stopped).toMatch(/names no option .*: oops/);
    known = true;
    const s = await climb(structuredClone(stuck), deps);
    expect(s.status).toBe('reached');
    expect(s.stopped).toBeNull();
    expect(s.options).toEqual(['CONFIG_ELF']);
    // The stopped kernel booted once more (not a new kernel for the budget), then the fix.
    expect(evaluated).toEqual([[], [], ['CONFIG_ELF']]);
    expect(s.builds).toBe(2);
    // What the climb remembers of that kernel is the new reading (boot 2), not the stale one.
    expect(s.built?.find((b) => b.options.length === 0)?.evaluation).toMatchObject({
      bootId: 2,
      diagnosis: [expect.objectContaining({ option: 'CONFIG_ELF' })],
    });
  });

  it('minimises away an option that was only on trial', async () => {
    // One symptom naming A then B; only B is needed.
    const deps: ClimbDeps = {
      apply: async (options, c) => ({ options: [...options, c], landed: true, reason: null }),
      evaluate: async (options) =>
        simulatedBoot(options.includes('CONFIG_B'), ['CONFIG_A', 'CONFIG_B'], null),
    };
    const s = await climb(initialClimbState(['marker'], 10), deps);
    expect(s.status).toBe('reached');
    expect(s.options).toEqual(['CONFIG_B']);
    expect(s.attempts.find((a) => a.phase === 'minimise' && a.option === 'CONFIG_A')?.verdict).toBe('kept');
  });

  it('keeps a NIC whose boot the runner ended in userspace once the network answered', async () => {
    // As the real climb from allnoconfig met it: without a NIC the guest powers off (stage
    // shutdown, no network); with E1000 the runner ends the boot after its port check passed.
    const deps: ClimbDeps = {
      apply: async (options, c) => ({ options: [...options, c], landed: true, reason: null }),
      evaluate: async (options) => {
        const nic = options.includes('CONFIG_E1000');
        return {
          outcome: 'booted',
          lastStage: nic ? 'userspace' : 'shutdown',
          milestones: nic ? ['kernel_start', 'userspace'] : ['kernel_start', 'userspace', 'shutdown'],
          marker: true,
          checks: nic ? ['net'] : [],
          diagnosis: nic
            ? []
            : [
                {
                  option: 'CONFIG_E1000',
                  rule: 'no-nic',
                  line: 9,
                  confidence: 0.9,
                  reason: '',
                  evidence: 'ip: SIOCGIFFLAGS: No such device',
                },
              ],
          lastLine: 'SEEDLAB-DONE',
          imageBytes: null,
          buildId: null,
          bootId: null,
        };
      },
    };
    const s = await climb(initialClimbState(['marker', 'network'], 10), deps);
    expect(s.attempts.find((a) => a.option === 'CONFIG_E1000' && a.phase === 'climb')).toMatchObject({
      verdict: 'kept',
      reason: 'got further: 2 of 2 goals reached (marker, network)',
    });
    expect(s.status).toBe('reached');
    expect(s.options).toEqual(['CONFIG_E1000']);
  });
});
