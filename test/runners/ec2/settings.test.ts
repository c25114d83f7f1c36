/** Guard rails and image options are checked before anything is built or created. */
import { describe, expect, it } from 'vitest';
import { ec2Cmdline, ROOT_PARTUUID } from '../../../runners/ec2/image.ts';
import { checkInstanceArch, instanceArch } from '../../../runners/ec2/instance-arch.ts';
import { resolveEc2Settings } from '../../../runners/ec2/settings.ts';
import { validateDebootstrap } from '../../../runners/images/debootstrap.ts';

describe('EC2 guard rails', () => {
  const saved = { ...process.env };
  const noEnv = () => {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
  };

  it('needs a region, and keeps the matrix and the CLI from disagreeing on it', () => {
    noEnv();
    expect(() => resolveEc2Settings({})).toThrow(/no region/);
    expect(() => resolveEc2Settings({ region: 'eu-west-1' }, { region: 'us-east-1' })).toThrow(/differs/);
    expect(() => resolveEc2Settings({ region: 'us-east-1', allowedRegions: ['eu-west-1'] })).toThrow(
      /not in allowedRegions/,
    );
    process.env = { ...saved };
  });

  it('allows only the listed instance types (cheap ones by default)', () => {
    expect(resolveEc2Settings({ region: 'eu-west-1' }).instanceType).toBe('t3.micro');
    expect(() => resolveEc2Settings({ region: 'eu-west-1', instanceType: 'p4d.24xlarge' })).toThrow(
      /not allowed/,
    );
    expect(
      resolveEc2Settings({
        region: 'eu-west-1',
        instanceType: 'c6i.large',
        allowedInstanceTypes: ['c6i.large'],
      }).instanceType,
    ).toBe('c6i.large');
  });

  it('checks subnet and security-group ids, the S3 bucket, and the limits', () => {
    const base = { region: 'eu-west-1' };
    expect(() => resolveEc2Settings(base, { subnetId: 'my-subnet' })).toThrow(/not a subnet id/);
    expect(() => resolveEc2Settings(base, { securityGroupIds: ['default'] })).toThrow(
      /not a security group id/,
    );
    expect(() => resolveEc2Settings({ ...base, upload: 's3' })).toThrow(/needs a bucket/);
    expect(() => resolveEc2Settings(base, { maxInstances: 0 })).toThrow(/maxInstances/);
    expect(() => resolveEc2Settings(base, { maxMinutes: -1 })).toThrow(/maxMinutes/);
    const s = resolveEc2Settings({ ...base, subnetId: 'subnet-0abc', securityGroupIds: ['sg-0def'] });
    expect(s).toMatchObject({
      subnetId: 'subnet-0abc',
      securityGroupIds: ['sg-0def'],
      maxInstances: 1,
      maxMinutes: 15,
      upload: 'ebs',
    });
  });
});

describe('the architecture guard rail', () => {
  it("tells Graviton types from Intel/AMD ones by AWS's naming: a g after the generation, or a1", () => {
    for (const t of [
      'a1.medium',
      't4g.micro',
      'm6g.large',
      'm7gd.xlarge',
      'm8g.medium',
      'c6gn.large',
      'c7gn.large',
      'r8g.medium',
      'x2gd.large',
      'im4gn.large',
      'is4gen.large',
      'i4g.large',
      'g5g.xlarge',
      'hpc7g.4xlarge',
    ])
      expect(instanceArch(t), t).toBe('arm64');
    for (const t of [
      't2.micro',
      't3.micro',
      't3a.small',
      'm5.large',
      'c6i.large',
      'm7a.medium',
      'g4dn.xlarge',
      'g5.xlarge',
      'gr6.4xlarge',
      'p4d.24xlarge',
      'inf2.xlarge',
      'trn1.2xlarge',
      'i3en.large',
      'x2iedn.xlarge',
      'u-6tb1.56xlarge',
      'c7i-flex.large',
      'hpc7a.12xlarge',
    ])
      expect(instanceArch(t), t).toBe('x86_64');
  });

  it('refuses types whose architecture it cannot tell, and Mac instances', () => {
    expect(() => instanceArch('q9z.large')).toThrow(
      /unknown family.*cannot tell whether it is x86_64 or arm64/,
    );
    expect(() => instanceArch('t4g')).toThrow(/unknown family/);
    expect(() => instanceArch('mac2.metal')).toThrow(/macOS only/);
  });

  it('an arm64 image defaults to t4g.micro and refuses t3.micro; an x86_64 image refuses t4g.micro', () => {
    const base = { region: 'eu-west-1' };
    expect(resolveEc2Settings(base, {}, undefined, 'arm64')).toMatchObject({
      arch: 'arm64',
      instanceType: 't4g.micro',
    });
    expect(resolveEc2Settings(base).arch).toBe('x86_64');
    expect(() => resolveEc2Settings(base, { instanceType: 't3.micro' }, undefined, 'arm64')).toThrow(
      /t3\.micro is x86_64 \(Intel\/AMD\), the image is arm64: pick a Graviton type/,
    );
    expect(() => resolveEc2Settings({ ...base, instanceType: 't4g.micro' })).toThrow(
      /t4g\.micro is arm64 \(Graviton\), the image is x86_64/,
    );
    // An allowed list does not override the architecture.
    expect(() =>
      resolveEc2Settings(
        { ...base, instanceType: 'm5.large', allowedInstanceTypes: ['m5.large'] },
        {},
        undefined,
        'arm64',
      ),
    ).toThrow(/is x86_64/);
    expect(() => resolveEc2Settings(base, {}, undefined, 'riscv64')).toThrow(/EC2 has no riscv64 instances/);
    expect(() => checkInstanceArch('c7g.large', 'arm64')).not.toThrow();
  });
});

describe('EC2 image options', () => {
  it('validates a debootstrap root before the long download', () => {
    const ok = {
      mirror: 'http://deb.debian.org/debian',
      suite: 'bookworm',
      variant: 'minbase' as const,
      include: ['busybox'],
    };
    expect(() => validateDebootstrap(ok)).not.toThrow();
    expect(() => validateDebootstrap({ ...ok, mirror: 'deb.debian.org' })).toThrow(/not a URL/);
    expect(() => validateDebootstrap({ ...ok, mirror: 'ftp://x/debian' })).toThrow(/use http/);
    expect(() => validateDebootstrap({ ...ok, suite: 'Bookworm!' })).toThrow(/suite/);
    expect(() => validateDebootstrap({ ...ok, include: ['rm -rf'] })).toThrow(/package name/);
    const s = resolveEc2Settings({
      region: 'eu-west-1',
      image: { debootstrap: { mirror: 'http://deb.devuan.org/merged', suite: 'daedalus' } },
    });
    expect(s.image.debootstrap).toEqual({
      mirror: 'http://deb.devuan.org/merged',
      suite: 'daedalus',
      variant: 'minbase',
      include: [],
    });
  });

  it('builds the command line: EC2 console, root by PARTUUID unless an initramfs finds it', () => {
    const direct = ec2Cmdline('console=ttyS0 panic=-1 root=/dev/sda', { initramfs: false, init: true });
    expect(direct).toContain(`root=PARTUUID=${ROOT_PARTUUID}`);
    expect(direct).not.toContain('root=/dev/sda');
    expect(direct).toContain('init=/init');
    expect(ec2Cmdline('panic=-1', { initramfs: true, init: true })).toMatch(
      /^console=ttyS0,115200n8 panic=-1 nvme_core\.io_timeout=\d+$/,
    );
  });

  it("adds EC2's ttyS0 after a variant's own console (arm64's ttyAMA0 for the rehearsal), so ttyS0 is /dev/console on EC2", () => {
    expect(ec2Cmdline('console=ttyAMA0 panic=-1', { initramfs: true, init: true })).toMatch(
      /^console=ttyAMA0 console=ttyS0,115200n8 panic=-1 nvme_core/,
    );
    expect(ec2Cmdline('console=ttyS0 panic=-1', { initramfs: true, init: true })).toMatch(
      /^console=ttyS0 panic=-1 nvme_core/,
    );
  });
});
