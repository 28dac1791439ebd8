import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['provider/**/*.test.{ts,tsx}', 'client/**/*.test.{ts,tsx}', 'demo-app/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'e2e/**', 'bench/**'],
    globalSetup: ['provider/src/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
