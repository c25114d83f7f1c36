/**
 * The KCIDB export of real seed-ladder results, validated against the kcidb-io v5.3
 * schema; and the schema itself rejecting what KCIDB rejects.
 */
import { describe, expect, it } from 'vitest';
import {
  type KcidbBootInput,
  type KcidbBuildInput,
  toKcidb,
  validateKcidb,
} from '../../../collector/analysis/kcidb.ts';
import { parseLog } from '../../../collector/parser/index.ts';
import { fixtureBytes } from '../../helpers/fixtures.ts';

const source = { name: 'linux-source-6.1', version: '6.1.192', commit: null };
const build = (id: number, variant: string, over: Partial<KcidbBuildInput> = {}): KcidbBuildInput => ({
  id,
  variant,
  status: 'PASS',
  startedAt: '2025-11-25T09:04:00.000Z',
  wallMs: 183_400,
  arch: 'x86_64',
  compiler: 'gcc (Debian 12.2.0-14) 12.2.0',
  command: 'make -j2 O=/root/.cache/bootwatch/build/seed-ladder/x bzImage',
  baseConfig: 'allnoconfig',
  fragments: ['01-serial.config', '02-initrd.config'],
  hasConfig: true,
  logTail: null,
  errors: [],
  sizes: { image: 1_048_576, vmlinux: 13_387_016, text: 2_016_128, data: 1_677_088, bss: 1_528 },
  source,
  ...over,
});
const boot = (id: number, buildId: number | null, log: string): KcidbBootInput => {
  const p = parseLog(fixtureBytes(`logs/${log}`));
  return {
    id,
    buildId,
    variant: log.slice(0, 2),
    target: 'qemu',
    machine: 'qemu-system-x86_64 -M pc',
    accel: 'tcg',
    outcome: p.outcome,
    status: null,
    endReason: 'marker',
    checks: [],
    startedAt: new Date('2025-11-25T09:10:00Z'),
    durationMs: 2100,
    milestones: p.milestones,
    panicReason: p.panic?.reason ?? null,
    crashes: p.crashes,
  };
};

describe('toKcidb', () => {
  const data = toKcidb(
    {
      builds: [
        build(1, '02-initrd'),
        build(2, '03-exec'),
        build(3, '99-broken', {
          status: 'FAIL',
          logTail: 'error: x\0y',
          errors: ['error: x'],
          sizes: {},
          hasConfig: false,
        }),
      ],
      boots: [
        boot(10, 1, '02-initrd-no-binfmt.log'),
        boot(11, 2, '03-exec-no-net.log'),
        boot(12, 2, '02-initrd-no-binfmt.log'),
        boot(13, null, '05-net-e1000.log'),
        { ...boot(14, 2, '03-exec-no-net.log'), outcome: 'error', status: 'MISS' },
      ],
    },
    { origin: 'bootwatch', baseUrl: 'http://127.0.0.1:8080/' },
  );

  it('is valid KCIDB v5.3', () => {
    const r = validateKcidb(data);
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('maps builds, boots, measurements and crashes', () => {
    expect(data.checkouts).toHaveLength(1);
    expect(data.checkouts[0]).toMatchObject({ tree_name: 'linux-source-6.1', git_commit_name: '6.1.192' });
    expect(data.builds[0]).toMatchObject({
      id: 'bootwatch:build-1',
      duration: 183.4,
      config_name: 'allnoconfig+01-serial.config+02-initrd.config',
      config_url: 'http://127.0.0.1:8080/api/builds/1/config',
      status: 'PASS',
    });
    expect(data.builds[2]).toMatchObject({ status: 'FAIL', log_excerpt: 'error: xy' });
    // No stored .config, so no config_url that would answer 404.
    expect(data.builds[2]).not.toHaveProperty('config_url');
    const boots = data.tests.filter((t) => t.path === 'boot');
    expect(boots.map((t) => [t.id, t.status])).toEqual([
      ['bootwatch:boot-10', 'FAIL'],
      ['bootwatch:boot-11', 'PASS'],
      ['bootwatch:boot-12', 'FAIL'],
      ['bootwatch:boot-14', 'MISS'],
    ]);
    expect(data.tests.find((t) => t.id === 'bootwatch:boot-11-init_start')).toMatchObject({
      path: 'boot.init_start',
      status: 'DONE',
      number: { value: 0.482756, unit: 's', prefix: 'metric' },
    });
    expect(data.tests.find((t) => t.path === 'build.size.image')).toMatchObject({
      status: 'DONE',
      number: { value: 1_048_576, unit: 'B', prefix: 'binary' },
    });
    expect(data.issues).toHaveLength(1);
    expect(data.issues[0].categories).toEqual(['runtime.panic']);
    expect(data.incidents.map((i) => i.test_id)).toEqual(['bootwatch:boot-10', 'bootwatch:boot-12']);
  });
});

describe('runner checks in KCIDB', () => {
  const net = { name: 'net', ok: false, detail: 'no answer from the guest on port 8080' };
  const cleanup = { name: 'ec2-cleanup', ok: false, detail: 'left behind: volume vol-1', harness: true };
  const data = toKcidb({
    builds: [build(5, '05-net')],
    boots: [
      // The seed ladder's network step: userspace ran, the guest never answered.
      { ...boot(20, 5, '05-net-e1000.log'), checks: [net] },
      { ...boot(21, 5, '05-net-e1000.log'), checks: [{ ...net, ok: true, detail: 'answered' }, cleanup] },
    ],
  });
  const test = (id: string) => data.tests.find((t) => t.id === id);

  it('stays valid KCIDB v5.3', () => expect(validateKcidb(data)).toEqual({ valid: true, errors: [] }));

  it('fails a boot that reached userspace but failed a check, and says which', () => {
    expect(test('bootwatch:boot-20')).toMatchObject({
      status: 'FAIL',
      comment: '05: booted; net failed: no answer from the guest on port 8080',
      misc: { outcome: 'booted', failed_checks: [net] },
    });
    expect(test('bootwatch:boot-20-check-net')).toMatchObject({ path: 'boot.check.net', status: 'FAIL' });
  });

  it("passes a boot whose only failed check is the harness's cleanup, which is an ERROR sub-test", () => {
    expect(test('bootwatch:boot-21')).toMatchObject({ status: 'PASS' });
    expect(test('bootwatch:boot-21')?.misc).not.toHaveProperty('failed_checks');
    expect(test('bootwatch:boot-21-check-net')).toMatchObject({ status: 'PASS' });
    expect(test('bootwatch:boot-21-check-ec2-cleanup')).toMatchObject({
      path: 'boot.check.ec2-cleanup',
      status: 'ERROR',
    });
  });
});

describe('the v5.3 schema rejects what KCIDB rejects', () => {
  const ok = { version: { major: 5, minor: 3 } };
  const cases: [string, unknown][] = [
    ['a null field', { ...ok, builds: [{ id: 'o:1', origin: 'o', checkout_id: 'o:c', comment: null }] }],
    ['an origin with capitals', { ...ok, checkouts: [{ id: 'O:1', origin: 'O' }] }],
    ['an unknown status', { ...ok, tests: [{ id: 'o:1', origin: 'o', build_id: 'o:b', status: 'BROKEN' }] }],
    ['a NUL character', { ...ok, checkouts: [{ id: 'o:1', origin: 'o', comment: 'a\0b' }] }],
    [
      'a git:// repository',
      { ...ok, checkouts: [{ id: 'o:1', origin: 'o', git_repository_url: 'git://x/y.git' }] },
    ],
    [
      'a long excerpt',
      { ...ok, tests: [{ id: 'o:1', origin: 'o', build_id: 'o:b', log_excerpt: 'x'.repeat(16385) }] },
    ],
    ['a bad test path', { ...ok, tests: [{ id: 'o:1', origin: 'o', build_id: 'o:b', path: 'boot..x' }] }],
    [
      'a number without value',
      { ...ok, tests: [{ id: 'o:1', origin: 'o', build_id: 'o:b', number: { unit: 's' } }] },
    ],
    ['version 4', { version: { major: 4 } }],
    ['minor 4', { version: { major: 5, minor: 4 } }],
    ['an unknown field', { ...ok, builds: [{ id: 'o:1', origin: 'o', checkout_id: 'o:c', valid: true }] }],
    [
      'a bad date',
      { ...ok, builds: [{ id: 'o:1', origin: 'o', checkout_id: 'o:c', start_time: 'yesterday' }] },
    ],
  ];
  for (const [what, doc] of cases) {
    it(`rejects ${what}`, () => expect(validateKcidb(doc).valid).toBe(false));
  }
  it('accepts the minimal document', () => expect(validateKcidb(ok).valid).toBe(true));
});
