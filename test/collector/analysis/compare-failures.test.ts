/**
 * Boot comparison and failure grouping on real seed-ladder and crash-corpus logs.
 */
import { describe, expect, it } from 'vitest';
import { compareBoots } from '../../../collector/analysis/compare.ts';
import { type FailureBoot, groupFailures } from '../../../collector/analysis/failures.ts';
import { parseLog } from '../../../collector/parser/index.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const parse = (f: string) => parseLog(fixtureBytes(f), { context: { initIsScript: true } });

describe('compareBoots', () => {
  it('why did the exec step fail when the next one worked', () => {
    const c = compareBoots(parse('logs/03-exec-no-net.log'), parse('logs/02-initrd-no-binfmt.log'));
    expect(c.appeared.map((f) => f.key)).toEqual([
      'crash:kernel panic: No working init found. Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst f',
      'init_exec:/init:ENOENT',
    ]);
    expect(c.vanished.map((f) => f.key)).toEqual([
      'mount_failed:none on /dev:ENODEV',
      'error:ENOSYS:ip: socket: Function not implemented',
      'error:ENOSYS:nc: socket: Function not implemented',
    ]);
    expect(c.milestones.map((m) => [m.name, m.delta])).toEqual([
      ['kernel_start', 0],
      ['console', -0.017315],
      ['initramfs', -0.201293],
      ['init_start', null],
      ['userspace', null],
      ['shutdown', null],
    ]);
  });

  it('network step: e1000 gained; initcall deltas largest first', () => {
    const c = compareBoots(parse('logs/03-exec-no-net.log'), parse('logs/05-net-e1000.log'));
    expect(c.probes).toEqual({ gained: ['e1000'], lost: [] });
    const a = parse('logs/07-block-initcall-debug.log');
    const b = structuredClone(a);
    b.initcalls = b.initcalls.map((x) =>
      x.fn === 'ahci_pci_driver_init' ? { ...x, usecs: x.usecs + 50_000 } : x,
    );
    b.initcalls.push({ ...b.initcalls[0], fn: 'new_init', usecs: 7 });
    const d = compareBoots(a, b);
    expect(d.initcalls[0]).toMatchObject({ fn: 'ahci_pci_driver_init', delta: 50_000 });
    expect(d.initcalls.at(-1)).toMatchObject({ fn: 'new_init', a: null, b: 7, delta: null });
    expect(d.initcallTotals.delta).toBe(50_007);
  });
});

describe('groupFailures', () => {
  let id = 0;
  const boot = (variant: string, log: string, minute: number, buildId = id + 100): FailureBoot => {
    const p = parse(log);
    return {
      id: ++id,
      buildId,
      variant,
      at: new Date(Date.UTC(2025, 10, 25, 9, minute)).toISOString(),
      outcome: p.outcome,
      lastStage: p.lastStage,
      panicReason: p.panic?.reason ?? null,
      crashes: p.crashes,
      events: p.events,
    };
  };

  it('the same panic across variants since its first build; new vs known; warnings and probes too', () => {
    const boots = [
      boot('a', 'logs/02-initrd-no-binfmt.log', 1, 12),
      boot('b', 'logs/02-initrd-no-binfmt.log', 2, 13),
      boot('c', 'logs/03-exec-no-net.log', 3),
      boot('c', 'logs/02-initrd-no-binfmt.log', 4, 15),
      boot('d', 'logs/01-serial-no-initrd.log', 5),
      boot('e', 'crashes/warning.log', 6),
      boot('f', 'logs/05-net-e1000.log', 7),
    ];
    boots[6].events.push({
      kind: 'probe',
      driver: 'ahci',
      device: '0000:00:1f.2',
      ok: false,
      errno: -12,
      errnoName: 'ENOMEM',
      message: 'ahci: probe of 0000:00:1f.2 failed with error -12',
      line: 300,
      time: 0.7,
    });
    const g = groupFailures(boots);
    const init = g.find((x) => x.title.startsWith('kernel panic: No working init'))!;
    expect(init).toMatchObject({
      kind: 'crash',
      fatal: true,
      count: 3,
      variants: ['a', 'b', 'c'],
      sinceBuild: 12,
    });
    expect(init.isNew).toBe(false);
    expect(init.ongoingIn).toEqual(['a', 'b', 'c']);
    const root = g.find((x) => x.title.includes('Unable to mount root fs'))!;
    expect(root.variants).toEqual(['d']);
    const warn = g.find((x) => x.kind === 'warning')!;
    expect(warn).toMatchObject({ title: 'WARNING in lkdtm_WARNING', fatal: false });
    const probe = g.find((x) => x.kind === 'probe')!;
    expect(probe).toMatchObject({
      key: 'probe_failed:ahci:ENOMEM',
      title: 'ahci: probe failed (ENOMEM)',
      variants: ['f'],
    });
    // c booted before it panicked: in c it is new.
    const newInC = groupFailures(boots.filter((b) => b.variant === 'c'));
    expect(newInC.find((x) => x.kind === 'crash')?.isNew).toBe(true);
    expect(g.every((x) => x.occurrences.length === x.count)).toBe(true);
    expect(g[0].last.at >= g[g.length - 1].last.at).toBe(true);
  });

  it('a panic known only by its reason groups with the same panic parsed into a crash', () => {
    const kept = boot('a', 'logs/02-initrd-no-binfmt.log', 1);
    // A boot whose crash reports were not kept (a cap, an import): its reason names the panic.
    const bare = { ...boot('b', 'logs/02-initrd-no-binfmt.log', 2), crashes: [] };
    const [group] = groupFailures([kept, bare]).filter((x) => x.kind === 'crash');
    expect(group).toMatchObject({ key: `crash:${kept.crashes[0].title}`, count: 2, variants: ['a', 'b'] });
  });
});
