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
  'test/runners/arch-matrix.test.ts',
  'test/runners/source.test.ts',
  'test/runners/accel.test.ts',
  'test/runners/ec2/console-delta.test.ts',
  'test/runners/ec2/settings.test.ts',
  'test/runners/ec2/cleanup.test.ts',
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
          exclude: ['**/node_modules/**', ...UNIT],
          // Real QEMU boots and kernel builds share two cores: keep files from fighting over them.
          fileParallelism: setting('BOOTWATCH_TEST_PARALLEL') ?? false,
          // After the unit tests, never alongside them.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
