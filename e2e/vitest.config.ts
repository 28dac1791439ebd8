import { defineConfig } from 'vitest/config';

// The browser walkthroughs: real processes, real Chromium. Run by `npm test` after the unit passes.
export default defineConfig({
  test: {
    include: ['e2e/**/*.spec.ts', 'client/**/*.browser.spec.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
