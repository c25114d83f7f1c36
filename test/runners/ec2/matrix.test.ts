/**
 * `target: ec2` in a matrix: the schema takes the `ec2:` key (and rejects typos in it),
 * settings merge down the extends chain, and `bootwatch run` hands such variants to the
 * EC2 flow (here against the fake AWS, no rehearsal).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveEc2Settings } from '../../../runners/ec2/settings.ts';
import { buildVariantImage, rootInit } from '../../../runners/ec2/variant-image.ts';
import { loadMatrix, parseMatrix } from '../../../runners/matrix/load.ts';
import { runMatrix } from '../../../runners/run-matrix.ts';
import { debianKernel } from '../helpers/debian-kernel.ts';
import { BOOT_LOG, type CloudEnv, cloudEnv } from './helpers/cloud.ts';

describe('the ec2 key of a matrix', () => {
  it('loads examples/ec2.yaml: ec2 variants, the Xen one inheriting and overriding, a Graviton one', () => {
    const m = loadMatrix(new URL('../../../examples/ec2.yaml', import.meta.url).pathname);
    const [nitro, xen, graviton] = m.variants;
    expect(graviton).toMatchObject({ name: 'ec2-graviton@arm64', arch: 'arm64', target: 'ec2' });
    expect(graviton.fragments.map((f) => f.name)).toEqual(['ec2-arm64.config']);
    expect(resolveEc2Settings(graviton.ec2, {}, undefined, graviton.arch)).toMatchObject({
      arch: 'arm64',
      instanceType: 't4g.micro',
    });
    expect(nitro.target).toBe('ec2');
    expect(xen.target).toBe('ec2');
    expect(xen.fragments.map((f) => f.name)).toEqual(['ec2.config', 'ec2-xen.config']);
    expect(resolveEc2Settings(nitro.ec2)).toMatchObject({
      region: 'eu-west-1',
      instanceType: 't3.micro',
      upload: 'ebs',
    });
    expect(resolveEc2Settings(xen.ec2)).toMatchObject({
      instanceType: 't2.micro',
      maxMinutes: 15,
      tags: { project: 'bootwatch' },
    });
  });

  it("loads ec2-debian: the seed ladder's Debian root (09-debian's debootstrap) as its root, its own /sbin/init", () => {
    const debian = loadMatrix(new URL('../../../examples/ec2.yaml', import.meta.url).pathname).variants.find(
      (v) => v.name === 'ec2-debian',
    )!;
    const rung = loadMatrix(
      new URL('../../../examples/seed-ladder.yaml', import.meta.url).pathname,
    ).variants.find((v) => v.name === '09-debian')!;
    expect(debian).toMatchObject({ target: 'ec2', arch: 'x86_64' });
    expect(debian.fragments.map((f) => f.name)).toEqual(['ec2.config']);
    expect(debian.boot.markers).toEqual(['login:']);
    expect(debian.boot.disk).toMatchObject({ init: null, sizeMb: rung.boot.disk!.sizeMb });
    expect(debian.boot.disk!.debootstrap).toEqual(rung.boot.disk!.debootstrap);
    expect(rootInit(debian, resolveEc2Settings(debian.ec2))).toBeNull();
  });

  it('refuses a variant with two Debian roots, and one with no root at all', async () => {
    const text = `ec2: { region: eu-west-1, image: { debootstrap: { suite: bookworm } } }
variants:
  - name: two
    kernel: /bin/sh
    target: ec2
    boot: { disk: { bus: nvme, debootstrap: { suite: bookworm } } }
  - name: none
    kernel: /bin/sh
    target: ec2
    ec2: { region: eu-west-1 }
`;
    const [two, none] = parseMatrix(text, '/tmp/m.yaml').variants;
    await expect(buildVariantImage(two, resolveEc2Settings(two.ec2), '/bin/sh')).rejects.toThrow(
      /boot.disk.debootstrap and ec2.image.debootstrap both name a root/,
    );
    const bare = { ...none, ec2: null };
    expect(() => rootInit(bare, resolveEc2Settings({ region: 'eu-west-1' }))).toThrow(
      /needs boot.disk \(its \/init or a debootstrap root\) or an ec2.image.debootstrap root/,
    );
  });

  it('rejects an unknown ec2 key with its place in the file', () => {
    const text =
      'variants:\n  - name: a\n    kernel: /bin/sh\n    target: ec2\n    ec2:\n      instnceType: t3.micro\n';
    expect(() => parseMatrix(text, '/tmp/m.yaml')).toThrow(/variants\[0\]\.ec2\.instnceType: unknown key/);
  });

  it('resolves a relative modules dir against the matrix file', () => {
    const text =
      'ec2: { region: eu-west-1, image: { modules: { dir: mods/6.1 } } }\nvariants:\n  - { name: a, kernel: /bin/sh, target: ec2 }\n';
    const [v] = parseMatrix(text, '/srv/matrices/m.yaml').variants;
    expect(resolveEc2Settings(v.ec2).image.modules?.releaseDir).toBe('/srv/matrices/mods/6.1');
  });
});

describe('bootwatch run with a target: ec2 variant', () => {
  let env: CloudEnv;
  beforeEach(async () => {
    env = await cloudEnv();
  });
  afterEach(async () => {
    await env.restore();
  });

  it('goes through the EC2 flow and reports a run row', async () => {
    env.aws.state.console = { log: BOOT_LOG, bytesPerPoll: 20_000, window: 65_536 };
    const k = debianKernel();
    const dir = mkdtempSync(join(tmpdir(), 'bootwatch-ec2-matrix-'));
    const file = join(dir, 'm.yaml');
    writeFileSync(
      file,
      `ec2: { region: eu-west-1, pollSeconds: 0.05, rehearse: false, image: { sizeMb: 128, espMb: 40, modules: { dir: ${join(dirname(dirname(k.vmlinuz)), 'lib/modules', k.release)}, load: [nvme, ext4] } } }
variants:
  - name: on-ec2
    kernel: ${k.vmlinuz}
    target: ec2
    boot: { disk: { bus: nvme, script: "#!/bin/sh\\necho hi\\n" } }
`,
    );
    const report = await runMatrix(loadMatrix(file), { collector: null });
    const [row] = report.results;
    expect(row.error).toBeNull();
    expect(row.outcome).toBe('booted');
    expect(row.boot?.input.target).toBe('ec2');
    expect(env.aws.state.count('RunInstances')).toBe(1);
    expect(env.aws.state.live().instances).toEqual([]);
  }, 120_000);
});
