/**
 * A Debian (or Devuan) root from debootstrap, as a matrix names it: the root disk of a QEMU
 * boot (`boot.disk.debootstrap`) and the root of an EC2 image (`ec2.image.debootstrap`).
 */
import { type Static, Type } from '@sinclair/typebox';

const Package = Type.String({ minLength: 1, description: 'a Debian package name' });

export const DebootstrapSchema = Type.Object(
  {
    mirror: Type.Optional(
      Type.String({
        minLength: 1,
        description: "the archive: default BOOTWATCH_DEBIAN_MIRROR, else apt's own Debian mirror",
      }),
    ),
    suite: Type.Optional(Type.String({ minLength: 1, description: 'default bookworm' })),
    variant: Type.Optional(
      Type.Union([Type.Literal('minbase'), Type.Literal('buildd'), Type.Literal('default')], {
        description: 'default minbase',
      }),
    ),
    include: Type.Optional(Type.Array(Package)),
    /** Packages debootstrap must not install (`systemd-sysv` for a sysvinit root). */
    exclude: Type.Optional(Type.Array(Package)),
  },
  { additionalProperties: false },
);

export type DebootstrapInput = Static<typeof DebootstrapSchema>;
