import { defineConfig } from 'vitest/config';
import { setting } from './common/settings.ts';

/**
 * Pure, fast tests: no QEMU, no PostgreSQL server, no Chromium, no kernel build. The `unit`
 * project is the seconds-long loop `npm run check` runs; `integration` is everything else.
 */
const UNIT = [
  'test/common/**/*.test.ts',
  'test/collector/parser/**/*.test.ts',
  'test/collector/analysis/**/*.test.ts',
  'test/runners/end-detector.test.ts',
  'test/runners/matrix.test.ts',
  'test/runners/boot-spec.test.ts',
  'test/runners/arch-matrix.test.ts',
  'test/runners/source.test.ts',
  'test/runners/accel.test.ts',
  'test/runners/ec2/console-delta.test.ts',
  'test/runners/ec2/settings.test.ts',
  'test/runners/ec2/cleanup.test.ts',
];

/**
 * Files that build kernels or boot QEMU for long: CPU-bound, so one at a time. The Kconfig-only
 * ones (dropped-options, ec2/fragments) and the EC2 files whose boots are one short prebuilt
 * kernel each (rehearsal, graviton, ec2-cli) run with the integration half, which keeps the
 * two halves about the same length. `npm test` runs this
 * project next to the rest of the integration files, which mostly wait on servers, databases
 * and Chromium (scripts/run-tests.sh), so the two halves overlap instead of adding up.
 */
const SYSTEM = [
  'test/runners/build.test.ts',
  'test/runners/qemu-boot.test.ts',
  'test/runners/arch-boot.test.ts',
  'test/runners/bisect.test.ts',
  'test/runners/climb.test.ts',
  'test/runners/disk-root.test.ts',
  'test/runners/run-command.test.ts',
  'test/runners/debian-root.test.ts',
  'test/runners/debootstrap-root.test.ts',
  'test/runners/ec2/debian-rehearsal.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ['verbose'] : ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...UNIT, ...SYSTEM],
          fileParallelism: setting('BOOTWATCH_TEST_PARALLEL') ?? false,
          // After the unit tests, never alongside them.
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'system',
          include: SYSTEM,
          // Kernel builds and QEMU boots share two cores: never two of these files at once.
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
