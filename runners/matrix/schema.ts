/**
 * The matrix file's shape (YAML): one TypeBox schema that validates it and types it.
 * Unknown keys are errors so a typo (`memroy:`) is reported, not silently ignored.
 */
import { type Static, Type } from '@sinclair/typebox';
import { ARCHES } from '../../common/arch.ts';
import { DebootstrapSchema } from './debootstrap-schema.ts';
import { Ec2Schema } from './ec2-schema.ts';

const strict = { additionalProperties: false } as const;

const ArchSchema = Type.Union(
  ARCHES.map((a) => Type.Literal(a)),
  { description: `the guest architecture: ${ARCHES.join(' | ')} (default x86_64)` },
);

const SourceSchema = Type.Union(
  [
    Type.Object(
      { dir: Type.String({ minLength: 1, description: 'an unpacked kernel tree or git checkout' }) },
      strict,
    ),
    Type.Object(
      {
        tarball: Type.String({
          minLength: 1,
          description: 'a linux-source-*.tar.xz, unpacked once into the cache',
        }),
      },
      strict,
    ),
  ],
  { description: 'kernel source: {dir: PATH} or {tarball: PATH}' },
);

const BaseConfigSchema = Type.Union([
  Type.Union([Type.Literal('allnoconfig'), Type.Literal('tinyconfig'), Type.Literal('defconfig')]),
  Type.Object({ file: Type.String({ minLength: 1 }) }, strict),
]);

/** `CONFIG_X=y` lines, `# CONFIG_X is not set` lines, or a file of them. */
const FragmentSchema = Type.Union([
  Type.String({ minLength: 1, description: 'a fragment file, relative to the matrix file' }),
  Type.Object({ file: Type.String({ minLength: 1 }) }, strict),
  Type.Object({ name: Type.Optional(Type.String()), lines: Type.Array(Type.String()) }, strict),
]);

const InitramfsSchema = Type.Union([
  Type.Literal(false),
  Type.Object(
    {
      /** /init as a file (relative to the matrix) or inline. */
      init: Type.Optional(Type.String({ minLength: 1 })),
      script: Type.Optional(Type.String({ minLength: 1 })),
      busybox: Type.Optional(
        Type.String({ minLength: 1, description: 'a static busybox (default /bin/busybox)' }),
      ),
      /** Extra files: guest path → host file (kernel modules, test data). */
      files: Type.Optional(Type.Record(Type.String({ pattern: '^/' }), Type.String({ minLength: 1 }))),
    },
    strict,
  ),
  Type.Object(
    { cpio: Type.String({ minLength: 1, description: "a user's cpio archive (gzip or not)" }) },
    strict,
  ),
]);

const DiskSchema = Type.Object(
  {
    bus: Type.Union([
      Type.Literal('ide'),
      Type.Literal('ahci'),
      Type.Literal('virtio'),
      Type.Literal('nvme'),
    ]),
    /** Build an ext4 root image from busybox with this /init (file or inline). */
    init: Type.Optional(Type.String({ minLength: 1 })),
    script: Type.Optional(Type.String({ minLength: 1 })),
    /** Or a Debian/Devuan root from debootstrap, booting its own /sbin/init. */
    debootstrap: Type.Optional(DebootstrapSchema),
    sizeMb: Type.Optional(
      Type.Integer({ minimum: 8, maximum: 65536, description: 'default 32 (busybox), 1024 (debootstrap)' }),
    ),
    /** Boot with root on this disk (root=/dev/... rootfstype=ext4 rw). */
    root: Type.Optional(Type.Boolean()),
  },
  strict,
);

const NetSchema = Type.Object(
  {
    model: Type.Optional(
      Type.Union([
        Type.Literal('e1000'),
        Type.Literal('virtio-net-pci'),
        Type.Literal('rtl8139'),
        Type.Literal('virtio-net-device'),
      ]),
    ),
    /** Guest TCP port forwarded from 127.0.0.1:<random> on the host. */
    guestPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /** Connect to the forwarded port and expect the guest to answer: "TCP/IP works" as a fact. */
    check: Type.Optional(Type.Boolean()),
  },
  strict,
);

const BootSchema = Type.Object(
  {
    cmdline: Type.Optional(Type.String()),
    /** Appended to the inherited command line (handy in `extends`). */
    extraCmdline: Type.Optional(Type.String()),
    memory: Type.Optional(Type.Integer({ minimum: 16, maximum: 65536, description: 'MiB' })),
    cpus: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    machine: Type.Optional(
      Type.Union([Type.Literal('pc'), Type.Literal('q35'), Type.Literal('virt')], {
        description: 'pc or q35 (x86_64), virt (arm64, riscv64); default per arch',
      }),
    ),
    accel: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('kvm'), Type.Literal('tcg')])),
    timeout: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'seconds' })),
    initramfs: Type.Optional(InitramfsSchema),
    net: Type.Optional(Type.Union([Type.Literal(false), NetSchema])),
    disk: Type.Optional(Type.Union([Type.Literal(false), DiskSchema])),
    /** Console lines (substrings) that mean the boot is done. */
    markers: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  },
  strict,
);

const VariantSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$' }),
    description: Type.Optional(Type.String()),
    extends: Type.Optional(Type.String({ minLength: 1 })),
    /** Overrides the matrix's arch; a name may repeat once per arch. */
    arch: Type.Optional(ArchSchema),
    base: Type.Optional(BaseConfigSchema),
    fragments: Type.Optional(Type.Array(FragmentSchema)),
    /** Inline `CONFIG_X=y` lines, merged after the fragments. */
    config: Type.Optional(Type.Array(Type.String())),
    /** Boot a prebuilt kernel image instead of building one. */
    kernel: Type.Optional(Type.String({ minLength: 1 })),
    boot: Type.Optional(BootSchema),
    /** The variant this one is compared against for regressions. */
    baseline: Type.Optional(Type.String()),
    /** Build only, no boot. */
    skipBoot: Type.Optional(Type.Boolean()),
    /** Where the variant boots: QEMU here (default) or a real EC2 instance (see runners/ec2). */
    target: Type.Optional(Type.Union([Type.Literal('qemu'), Type.Literal('ec2')])),
    ec2: Type.Optional(Ec2Schema),
  },
  strict,
);

export const MatrixSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    source: Type.Optional(SourceSchema),
    arch: Type.Optional(ArchSchema),
    base: Type.Optional(BaseConfigSchema),
    boot: Type.Optional(BootSchema),
    /** Defaults for every `target: ec2` variant. */
    ec2: Type.Optional(Ec2Schema),
    variants: Type.Array(VariantSchema, { minItems: 1 }),
  },
  strict,
);

export type MatrixFile = Static<typeof MatrixSchema>;
export type VariantSpec = Static<typeof VariantSchema>;
export type BootSpec = Static<typeof BootSchema>;
export type DiskSpec = Static<typeof DiskSchema>;
export type FragmentSpec = Static<typeof FragmentSchema>;
export type BaseConfigSpec = Static<typeof BaseConfigSchema>;
