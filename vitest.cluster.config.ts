import { defineConfig } from 'vitest/config';

// `npm run test:cluster` (scripts/cluster/test.sh): tests against the real Temporal cluster (official server on
// PostgreSQL, scripts/cluster/cluster.sh) and a stack profile of their own. Not part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    env: { TEST_STACK_PROFILE: 'cluster' },
    globalSetup: ['test/cluster/global-setup.ts'],
    setupFiles: ['test/setup/quiet-runtime.ts', 'test/cluster/setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
