import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests each start real daemons; two cores, so keep parallelism modest.
    maxWorkers: 3,
    // Every daemon the tests start checks each answer against its method's result schema.
    env: { AISTACK_CHECK_RESULTS: '1' },
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
