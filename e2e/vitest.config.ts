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
    // One worker for all the specs, one after the other, that stays up from one file to the next: each spec does not
    // load vitest, playwright-core and the helpers again in a new process. The specs share no state but the helpers'
    // (newAccount's labels are unique across the specs; each spec starts its own processes and browser).
    isolate: false,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
