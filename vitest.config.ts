import { configDefaults, defineConfig } from 'vitest/config';

/** Long-running load tests: not part of `npm test`; `npm run test:soak` runs them (mode "soak"). */
const SOAK = ['test/e2e/soak.test.ts'];

export default defineConfig(({ mode }) => {
  const soak = mode === 'soak';
  return {
    test: {
      include: soak ? SOAK : ['test/**/*.test.ts'],
      exclude: soak ? configDefaults.exclude : [...configDefaults.exclude, ...SOAK],
      // Several tests spawn dist/bin/*.js: refuse to run them against a stale build.
      globalSetup: ['test/global-setup.ts'],
      pool: 'forks',
      testTimeout: 60_000,
      hookTimeout: 60_000,
      // Integration tests each start real daemons; two cores, so keep parallelism modest.
      maxWorkers: 3,
      // Every daemon the tests start checks each answer against its method's result schema.
      env: { AISTACK_CHECK_RESULTS: '1' },
      reporters: ['default', 'json'],
      outputFile: { json: soak ? 'test-results-soak.json' : 'test-results.json' },
    },
  };
});
