import { defineConfig } from 'vitest/config';

// The release checks (npm test runs them after the unit passes): the packed packages in a project of their own
// (consumer.spec.ts) and the production recipe of docs/operations.md (operations.spec.ts). Real processes, npm,
// Chromium; one file at a time.
export default defineConfig({
  test: {
    include: ['release/**/*.spec.ts'],
    globalSetup: ['scripts/vitest-build.mjs'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
