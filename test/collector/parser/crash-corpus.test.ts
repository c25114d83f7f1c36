/**
 * Crash reports written by real kernels (LKDTM, KASAN, KFENCE, UBSAN, lockdep, watchdogs under
 * QEMU; see test/fixtures/crashes/README.md and the arm64 and riscv64 corpora's READMEs)
 * against titles decided by reading each log.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLog } from '../../../collector/parser/index.ts';
import { FIXTURES_DIR, fixtureBytes } from '../../helpers/fixtures.ts';

interface Expected {
  /** The log's architecture (the arm64 and riscv64 corpora say it). */
  arch?: string;
  outcome: string;
  crashes: { kind: string; title: string; line: number }[];
  panic?: { reason: string } | null;
}

/** Each corpus folder, with how many logs it holds at least. */
const CORPORA = [
  { dir: 'crashes', min: 30 },
  { dir: 'crashes-arm64', min: 35 },
  { dir: 'crashes-riscv64', min: 32 },
];

for (const { dir, min } of CORPORA) {
  const expected = JSON.parse(readFileSync(`${FIXTURES_DIR}${dir}/expected.json`, 'utf8')) as Record<
    string,
    Expected
  >;

  describe(`real crash reports (${dir})`, () => {
    it('has an expectation for every crash log', () => {
      const logs = readdirSync(`${FIXTURES_DIR}${dir}`).filter((f) => f.endsWith('.log'));
      expect(logs.length).toBeGreaterThanOrEqual(min);
      for (const f of logs)
        expect(Object.keys(expected).map((k) => (k.endsWith('.log') ? k : `${k}.log`))).toContain(f);
    });

    for (const [name, want] of Object.entries(expected)) {
      const file = name.endsWith('.log') ? name : `${name}.log`;
      it(`${file}: ${want.crashes.map((c) => c.title).join(' | ') || 'no crash'}`, () => {
        const r = parseLog(fixtureBytes(`${dir}/${file}`));
        expect(r.crashes.map((c) => ({ kind: c.kind, title: c.title, line: c.line }))).toEqual(want.crashes);
        expect(r.outcome).toBe(want.outcome);
        expect(r.panic?.reason ?? null).toBe(want.panic?.reason ?? null);
        if (want.arch) expect(r.arch).toBe(want.arch);
        // Report lines are the crash's, not events.
        for (const c of r.crashes) {
          const inside = r.events.filter(
            (e) => e.line > c.line && e.line <= c.endLine && e.kind !== 'milestone',
          );
          expect(inside).toEqual([]);
        }
      });
    }
  });
}

describe('real framings of one boot', () => {
  const boot = (f: string) => parseLog(fixtureBytes(`formats/${f}`));

  it.each([
    'boot_plain.log',
    'boot_pc_seabios.log',
    'syslog_prefix.log',
    'concurrent_cpus.log',
    'printk_time0.log',
  ])('%s boots and powers off', (f) => {
    const r = boot(f);
    expect(r.outcome).toBe('booted');
    expect(r.kernel.version).toBe('6.1.192');
    expect(Object.keys(r.milestones)).toEqual(
      expect.arrayContaining(['kernel_start', 'init_start', 'shutdown']),
    );
    expect(r.crashes).toEqual([]);
  });

  it('printk.time=0 has no times but the same stages', () => {
    const r = boot('printk_time0.log');
    expect(Object.values(r.milestones).every((t) => t === null)).toBe(true);
    expect(r.events.every((e) => e.time === null)).toBe(true);
  });

  it.each(['dmesg.log', 'dmesg_x.log', 'dmesg_r.log', 'dmesg_T.log'])(
    '%s: a dmesg dump reads as the same boot',
    (f) => {
      const r = boot(f);
      const plain = boot('dmesg.log');
      expect(r.outcome).toBe('booted');
      expect(Object.keys(r.milestones)).toEqual(Object.keys(plain.milestones));
      expect(r.initcalls.length).toBe(plain.initcalls.length);
    },
  );

  // One boot of Debian's 6.1 kernel dumped three ways (see formats/README.md).
  it.each(['dmesg_debian_d.log', 'dmesg_debian_e.log'])('%s: reads as the plain dump of its boot', (f) => {
    const r = boot(f);
    const plain = boot('dmesg_debian.log');
    expect(r.kernel.version).toBe('6.1.0-57-amd64');
    expect(r.outcome).toBe(plain.outcome);
    expect(Object.keys(r.milestones)).toEqual(Object.keys(plain.milestones));
    // `-d` keeps the times since boot; `-e` prints none (a minute, then deltas).
    if (f.endsWith('_d.log')) expect(r.milestones).toEqual(plain.milestones);
    else expect(Object.values(r.milestones).every((t) => t === null)).toBe(true);
    const gist = (e: (typeof r.events)[number]) => ({ ...e, time: null });
    expect(r.events.map(gist)).toEqual(plain.events.map(gist));
  });

  it('dmesg run from userspace replays the banner: not a reboot', () => {
    const r = boot('dmesg_boot_console.log');
    expect(r.stats.reboots).toBe(0);
    expect(r.outcome).toBe('booted');
  });

  it('a kernel that panics and reboots into a second boot', () => {
    const r = boot('reboot_twice.log');
    expect(r.outcome).toBe('panic');
    expect(r.stats.reboots).toBe(1);
    expect(r.crashes.map((c) => c.title)).toEqual(['kernel panic: dumptest']);
    expect(r.stats.byClass.firmware).toBeGreaterThan(0);
  });
});
