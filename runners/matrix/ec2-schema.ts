/**
 * The `ec2:` key of a matrix variant (or of the matrix, as defaults): where and how a
 * variant is booted on EC2, and the guard rails that bound what a run may spend.
 */
import { isAbsolute, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { DebootstrapSchema } from './debootstrap-schema.ts';

const strict = { additionalProperties: false } as const;

const Ec2ImageSchema = Type.Object(
  {
    /** Whole disk in MiB; EBS rounds up to GiB (1 GiB minimum). */
    sizeMb: Type.Optional(Type.Integer({ minimum: 128, maximum: 65536 })),
    espMb: Type.Optional(Type.Integer({ minimum: 40, maximum: 1024 })),
    /** `uki`: systemd's EFI stub carries the command line; `kernel`: the kernel alone (its built-in CONFIG_CMDLINE). */
    entry: Type.Optional(Type.Union([Type.Literal('uki'), Type.Literal('kernel')])),
    /** A modular kernel's lib/modules/<release> dir: its NVMe/ext4/ENA modules go into an initramfs. */
    modules: Type.Optional(
      Type.Object(
        {
          dir: Type.String({ minLength: 1 }),
          load: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
        },
        strict,
      ),
    ),
    /** A Debian/Devuan root from debootstrap instead of busybox. */
    debootstrap: Type.Optional(DebootstrapSchema),
  },
  strict,
);

export const Ec2Schema = Type.Object(
  {
    region: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-gov)?-[a-z]+-\\d$' })),
    instanceType: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]*\\.[a-z0-9]+$' })),
    /** Guard rail: the only instance types a run may start. */
    allowedInstanceTypes: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    /** Guard rail: the only regions a run may use. */
    allowedRegions: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    subnetId: Type.Optional(Type.String({ pattern: '^subnet-[0-9a-f]+$' })),
    securityGroupIds: Type.Optional(Type.Array(Type.String({ pattern: '^sg-[0-9a-f]+$' }))),
    /** Guard rail: bootwatch instances alive at once in the region (this run's included). */
    maxInstances: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** Guard rail: minutes from RunInstances to forced termination. */
    maxMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 720 })),
    upload: Type.Optional(Type.Union([Type.Literal('ebs'), Type.Literal('s3')])),
    /** S3 bucket for `upload: s3` (ImportSnapshot reads the disk from there). */
    bucket: Type.Optional(Type.String({ minLength: 3 })),
    keyPrefix: Type.Optional(Type.String()),
    /** Seconds between GetConsoleOutput polls. */
    pollSeconds: Type.Optional(Type.Number({ minimum: 0.05, maximum: 300 })),
    /** Boot the very same image under QEMU + OVMF + NVMe first (default true). */
    rehearse: Type.Optional(Type.Boolean()),
    image: Type.Optional(Ec2ImageSchema),
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  strict,
);

export type Ec2Spec = Static<typeof Ec2Schema>;

/** Later specs override earlier ones key by key (`image` and `tags` one level deeper); paths resolve against `dir`. */
export function mergeEc2Specs(dir: string, ...specs: (Ec2Spec | null | undefined)[]): Ec2Spec | null {
  const given = specs.filter((s): s is Ec2Spec => !!s);
  if (!given.length) return null;
  const out: Ec2Spec = {};
  for (const s of given) {
    Object.assign(out, { ...s, image: { ...out.image, ...s.image }, tags: { ...out.tags, ...s.tags } });
  }
  const mods = out.image?.modules;
  if (mods && !isAbsolute(mods.dir))
    out.image = { ...out.image, modules: { ...mods, dir: resolve(dir, mods.dir) } };
  return out;
}
