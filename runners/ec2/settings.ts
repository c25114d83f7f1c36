/**
 * An EC2 run's settings: the matrix's `ec2:` spec with CLI overrides and defaults, checked
 * against the guard rails before anything is created. Credentials are never part of it:
 * the SDK's default chain finds them.
 */
import { resolve } from 'node:path';
import { type Arch, DEFAULT_ARCH } from '../../common/arch.ts';
import { BootwatchError } from '../../common/errors.ts';
import { setting } from '../../common/settings.ts';
import { type DebootstrapSpec, resolveDebootstrap } from '../images/debootstrap.ts';
import { DEFAULT_ROOT_MODULES } from '../images/module-initramfs.ts';
import type { Ec2Spec } from '../matrix/ec2-schema.ts';
import { checkInstanceArch, DEFAULT_INSTANCE_TYPE, type Ec2Arch } from './instance-arch.ts';

/** Cheap, current-generation types (x86_64, then Graviton); a user widens the list with `allowedInstanceTypes`. */
const DEFAULT_ALLOWED_TYPES = [
  't3.micro',
  't3.small',
  't3a.micro',
  't3a.small',
  't2.micro',
  'm5.large',
  'c5.large',
  't4g.micro',
  't4g.small',
  'm6g.medium',
  'c6g.medium',
  'm7g.medium',
  'c7g.medium',
];

export interface Ec2Settings {
  region: string;
  /** The image's architecture: RegisterImage's `Architecture`, and what the instance type must run. */
  arch: Ec2Arch;
  instanceType: string;
  subnetId: string | null;
  securityGroupIds: string[];
  maxInstances: number;
  maxMinutes: number;
  upload: 'ebs' | 's3';
  bucket: string | null;
  keyPrefix: string;
  pollMs: number;
  rehearse: boolean;
  image: {
    sizeMb: number;
    espMb: number;
    entry: 'uki' | 'kernel';
    modules: { releaseDir: string; load: string[]; optional: boolean } | null;
    debootstrap: DebootstrapSpec | null;
  };
  tags: Record<string, string>;
}

export interface Ec2Overrides {
  region?: string;
  instanceType?: string;
  subnetId?: string;
  securityGroupIds?: string[];
  maxInstances?: number;
  maxMinutes?: number;
  upload?: 'ebs' | 's3';
  bucket?: string;
  rehearse?: boolean;
}

const bad = (msg: string) => new BootwatchError('input.invalid', `ec2: ${msg}`);

/** The region the AWS environment names, as the AWS CLI reads it. */
export function environmentRegion(): string | undefined {
  return setting('AWS_REGION') ?? setting('AWS_DEFAULT_REGION');
}

/** Merges matrix spec, CLI and environment; throws `input.invalid` for anything a guard rail forbids. */
export function resolveEc2Settings(
  spec: Ec2Spec | null,
  o: Ec2Overrides = {},
  baseDir = process.cwd(),
  arch: Arch = DEFAULT_ARCH,
): Ec2Settings {
  const s = spec ?? {};
  const region = o.region ?? s.region ?? environmentRegion();
  if (!region) throw bad('no region: set ec2.region in the matrix, --region, or AWS_REGION');
  if (s.region && o.region && s.region !== o.region)
    throw bad(`--region ${o.region} differs from the matrix's ec2.region ${s.region}; edit one of them`);
  if (s.allowedRegions && !s.allowedRegions.includes(region))
    throw bad(`region ${region} is not in allowedRegions (${s.allowedRegions.join(', ')})`);
  if (arch !== 'x86_64' && arch !== 'arm64')
    throw bad(`EC2 has no ${arch} instances (x86_64 and arm64 only)`);
  const instanceType = o.instanceType ?? s.instanceType ?? DEFAULT_INSTANCE_TYPE[arch];
  const allowed = s.allowedInstanceTypes ?? DEFAULT_ALLOWED_TYPES;
  if (!allowed.includes(instanceType))
    throw bad(`instance type ${instanceType} is not allowed (allowedInstanceTypes: ${allowed.join(', ')})`);
  checkInstanceArch(instanceType, arch);
  const subnetId = o.subnetId ?? s.subnetId ?? null;
  if (subnetId && !/^subnet-[0-9a-f]+$/.test(subnetId)) throw bad(`"${subnetId}" is not a subnet id`);
  const securityGroupIds = o.securityGroupIds ?? s.securityGroupIds ?? [];
  for (const g of securityGroupIds)
    if (!/^sg-[0-9a-f]+$/.test(g)) throw bad(`"${g}" is not a security group id`);
  const upload = o.upload ?? s.upload ?? 'ebs';
  const bucket = o.bucket ?? s.bucket ?? null;
  if (upload === 's3' && !bucket) throw bad('upload: s3 needs a bucket (ec2.bucket or --bucket)');
  const maxMinutes = o.maxMinutes ?? s.maxMinutes ?? 15;
  if (!(maxMinutes > 0)) throw bad('maxMinutes must be positive');
  const maxInstances = o.maxInstances ?? s.maxInstances ?? 1;
  if (!Number.isInteger(maxInstances) || maxInstances < 1)
    throw bad('maxInstances must be a positive integer');
  const img = s.image ?? {};
  const db = img.debootstrap;
  return {
    region,
    arch,
    instanceType,
    subnetId,
    securityGroupIds,
    maxInstances,
    maxMinutes,
    upload,
    bucket,
    keyPrefix: s.keyPrefix ?? 'bootwatch/',
    pollMs: Math.round((s.pollSeconds ?? 5) * 1000),
    rehearse: o.rehearse ?? s.rehearse ?? true,
    image: {
      sizeMb: img.sizeMb ?? 1024,
      espMb: img.espMb ?? 64,
      entry: img.entry ?? 'uki',
      modules: img.modules
        ? {
            releaseDir: resolve(baseDir, img.modules.dir),
            load: img.modules.load ?? DEFAULT_ROOT_MODULES,
            optional: !img.modules.load,
          }
        : null,
      debootstrap: db ? resolveDebootstrap(db) : null,
    },
    tags: s.tags ?? {},
  };
}
