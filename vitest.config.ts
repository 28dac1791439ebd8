import { readdirSync, readFileSync } from 'node:fs';
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

const include = ['provider/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts', 'client/**/*.test.{ts,tsx}', 'demo-app/**/*.test.{ts,tsx}'];
const exclude = ['**/node_modules/**', '**/dist/**', 'e2e/**', 'bench/**'];

/**
 * Test files that replace a module (`vi.mock`). Without isolation a worker keeps the modules it loaded from one file to
 * the next, so such a file would see the real module when another file loaded it first, and lend its mock to the
 * files after it: these run in a process of their own.
 */
function mockingFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(src(dir), { withFileTypes: true })) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'dist') walk(path);
      } else if (/\.test\.tsx?$/.test(e.name) && /\bvi\.(mock|doMock|unmock|doUnmock)\(/.test(readFileSync(src(path), 'utf8'))) found.push(path);
    }
  };
  for (const dir of ['provider', 'client', 'demo-app', 'scripts']) walk(dir);
  return found;
}
const isolated = mockingFiles();

/**
 * TEST_LEAVE_OUT=path,path: test files a pass leaves out (scripts/test.sh prints which and why; vitest's own
 * `--exclude` does not reach the projects below).
 */
const leftOut = (process.env.TEST_LEAVE_OUT ?? '').split(',').filter(Boolean);

/**
 * Two projects of one run (one global set-up, one pool of two workers). `unit`: every test file, in workers that stay
 * up from one file to the next (`isolate: false`), so each file does not load the provider's modules, compile PGlite's
 * WebAssembly and warm the JIT again in a new process (about a third of the pass's CPU time). `isolated`: the files
 * that mock a module, each in a new process.
 */
const common = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' as const, setupFiles: ['scripts/vitest-compile-cache.mjs'] };
export default defineConfig({
  resolve: { alias: sourceAliases },
  test: {
    globalSetup: ['scripts/vitest-build.mjs', 'provider/src/testing/global-setup.ts'],
    maxWorkers: 2,
    projects: [
      { resolve: { alias: sourceAliases }, test: { ...common, name: 'unit', include, exclude: [...exclude, ...isolated, ...leftOut], isolate: false } },
      { resolve: { alias: sourceAliases }, test: { ...common, name: 'isolated', include: isolated, exclude: [...exclude, ...leftOut], isolate: true } },
    ],
  },
});
