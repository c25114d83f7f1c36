import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real QEMU boots and kernel builds share two cores: keep files from fighting over them.
    fileParallelism: process.env.BOOTWATCH_TEST_PARALLEL === '1',
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
