import { defineConfig } from 'vitest/config';

// Unit tests are pure and need nothing running; integration tests share one real stack (STACK_PROFILE=test)
// started by the global setup, so they run in one fork, one file after another.
export default defineConfig({
  test: {
    pool: 'forks',
    // Integration files share one stack: one file at a time (unit files are fast either way).
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], setupFiles: ['test/setup/quiet-runtime.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/global-setup.ts'],
          setupFiles: ['test/setup/quiet-runtime.ts', 'test/setup/integration-setup.ts'],
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
