import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests each start real daemons; two cores, so keep parallelism modest.
    maxWorkers: 3,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
