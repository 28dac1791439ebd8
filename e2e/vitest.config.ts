import { defineConfig } from 'vitest/config';
import { sourceAliases } from '../vitest.config.ts';

// The browser walkthroughs: real processes (from dist/, built first), real Chromium. Run by `npm test` after the unit passes.
export default defineConfig({
  resolve: { alias: sourceAliases },
  test: {
    include: ['e2e/**/*.spec.ts', 'client/**/*.browser.spec.ts'],
    globalSetup: ['scripts/vitest-build.mjs'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
