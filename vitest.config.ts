import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Tests import the kit and the provider by package name from their TypeScript sources (as tsconfig.json's `paths`
 * do for tsc); the packages' own `exports` name dist/, for their users.
 */
export const sourceAliases = [
  { find: /^instant-kit$/, replacement: src('./client/src/index.ts') },
  { find: /^instant-kit\/mcp$/, replacement: src('./client/src/mcp/index.ts') },
  { find: /^instant-kit\/(.+)$/, replacement: src('./client/src/$1.ts') },
  { find: /^instant-provider$/, replacement: src('./provider/src/index.ts') },
  { find: /^instant-provider\/testing$/, replacement: src('./provider/src/testing/index.ts') },
];

export default defineConfig({
  resolve: { alias: sourceAliases },
  test: {
    include: ['provider/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts', 'client/**/*.test.{ts,tsx}', 'demo-app/**/*.test.{ts,tsx}'],
    exclude: ['**/node_modules/**', '**/dist/**', 'e2e/**', 'bench/**'],
    globalSetup: ['scripts/vitest-build.mjs', 'provider/src/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
