/**
 * Which architecture an EC2 instance type runs, told from its name: the guard rail that
 * keeps an arm64 image off an Intel/AMD instance (and an x86_64 one off Graviton), which
 * AWS would otherwise only refuse at RunInstances, after the upload and the AMI.
 */
import type { Arch } from '../../common/arch.ts';
import { BootwatchError } from '../../common/errors.ts';

/** What EC2 runs: RegisterImage's `Architecture` values bootwatch builds for. */
export type Ec2Arch = Extract<Arch, 'x86_64' | 'arm64'>;

/**
 * Instance families (the letters before the generation digit) whose architecture AWS's
 * naming tells: a `g` right after the generation digit is Graviton (t4g, m6g, m7gd, c7gn,
 * r8g, x2gd, im4gn, is4gen, i4g, g5g, hpc7g), anything else Intel or AMD (t3, m5, c6i,
 * m7a, g5, p4d, inf2, u-6tb1...). `a` (a1, the first Graviton) is arm64 without the g.
 */
const FAMILIES = new Set('a c d dl f g gr h hpc i im inf is m p r t trn u vt x z'.split(' '));

const bad = (msg: string) => new BootwatchError('input.invalid', `ec2: ${msg}`);

/** The architecture of `instanceType`; throws `input.invalid` for a type it cannot tell. */
export function instanceArch(instanceType: string): Ec2Arch {
  const m = instanceType.match(/^([a-z]+)(\d*)([a-z0-9-]*)\.[a-z0-9]+$/);
  // Mac instances boot macOS on dedicated hosts only: no image of ours runs there.
  if (m?.[1] === 'mac')
    throw bad(`instance type ${instanceType} runs macOS only: no Linux image boots there`);
  if (!m || !FAMILIES.has(m[1]))
    throw bad(
      `instance type ${instanceType}: unknown family, so bootwatch cannot tell whether it is x86_64 or arm64 (known families: ${[...FAMILIES].join(', ')})`,
    );
  return m[1] === 'a' || m[3].startsWith('g') ? 'arm64' : 'x86_64';
}

/** Guard rail: refuses an instance type of another architecture than the image's. */
export function checkInstanceArch(instanceType: string, arch: Arch): void {
  if (arch !== 'x86_64' && arch !== 'arm64')
    throw bad(`EC2 has no ${arch} instances (x86_64 and arm64/Graviton only)`);
  const runs = instanceArch(instanceType);
  if (runs !== arch)
    throw bad(
      `instance type ${instanceType} is ${runs === 'arm64' ? 'arm64 (Graviton)' : 'x86_64 (Intel/AMD)'}, the image is ${arch}: pick ${arch === 'arm64' ? 'a Graviton type such as t4g.micro' : 'an x86_64 type such as t3.micro'}`,
    );
}

/** The cheap default instance type of each architecture. */
export const DEFAULT_INSTANCE_TYPE: Record<Ec2Arch, string> = { x86_64: 't3.micro', arm64: 't4g.micro' };
