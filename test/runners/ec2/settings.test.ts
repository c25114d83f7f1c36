/** Guard rails and image options are checked before anything is built or created. */
import { describe, expect, it } from 'vitest';
import { ec2Cmdline, ROOT_PARTUUID } from '../../../runners/ec2/image.ts';
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
});
