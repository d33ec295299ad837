import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests start real services and containers: give them room, and do not
    // run more files at once than this 2-core machine can carry.
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // the global teardown may stop a Docker Engine it started (up to 20 s)
    teardownTimeout: 60_000,
    fileParallelism: true,
    maxWorkers: 2,
    // vitest's summary, then the plain 'N passed, N failed, N skipped' line that CI tools read
    reporters: ['default', './test/support/closing-line-reporter.ts'],
  },
});
