#!/usr/bin/env node
// Rewrites citations of the shared specs (API.md, SECURITY.md, ../shared/…) to the repository's own
// docs (docs/api.md, docs/security.md), keeping the section numbers. Idempotent: run it again after
// merging a branch that still cites the old names. `node scripts/rewrite-doc-refs.mjs [--check]`
// (--check only lists what it would change and exits 1 if anything would).
// It names the old documents without citing them: check-doc-refs: ignore-file
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const TEXT = /\.(ts|tsx|mts|js|mjs|cjs|md|sql|sh|ya?ml)$/;
const RELIABILITY = { concurrency: 'R1', crash: 'R2', 'scale-out': 'R3', 'bad input': 'R4', load: 'R5' };
// A spec name not already inside a path of this repository (docs/api.md stays as it is).
const SPEC = String.raw`(?<![\w/.-])(?:(?:\.\.\/)*shared\/)?`;

/** The rewritten text of one file. */
export function rewrite(text) {
  return (
    text
      // SECURITY.md "Reliability / Crash" → docs/security.md §R2 (crash)
      .replace(new RegExp(SPEC + String.raw`SECURITY\.md "Reliability \/ ([A-Za-z -]+)"`, 'g'), (m, name) => {
        const n = RELIABILITY[name.toLowerCase()];
        return n ? `docs/security.md §${n} (${name.toLowerCase()})` : m;
      })
      // SECURITY.md 4, SECURITY.md 1, 2, SECURITY.md 4 and 7, SECURITY.md §4 → docs/security.md §4 …
      .replace(new RegExp(SPEC + String.raw`SECURITY\.md( §?\d+(?:(?:, | and | or )§?\d+(?![\d.]))*)?`, 'g'), (_m, nums) => {
        if (!nums) return 'docs/security.md';
        return 'docs/security.md' + nums.replace(/§?(\d+)/g, '§$1');
      })
      .replace(new RegExp(SPEC + String.raw`API\.md`, 'g'), 'docs/api.md')
      .replace(new RegExp(SPEC + String.raw`DESIGN\.md`, 'g'), 'docs/architecture.md')
  );
}

function trackedFiles() {
  const out = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  return out.split('\n').filter((f) => TEXT.test(f) && !f.startsWith('scripts/rewrite-doc-refs') && !f.startsWith('scripts/check-doc-refs') && !f.endsWith('package-lock.json'));
}

if (import.meta.filename === process.argv[1]) {
  const check = process.argv.includes('--check');
  let changed = 0;
  for (const file of trackedFiles()) {
    const path = join(root, file);
    let text;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // listed but deleted in the work tree
    }
    const next = rewrite(text);
    if (next === text) continue;
    changed++;
    console.log(`${check ? 'would rewrite' : 'rewrote'} ${file}`);
    if (!check) writeFileSync(path, next);
  }
  console.log(`${changed} file(s) ${check ? 'cite the shared specs' : 'rewritten'}`);
  if (check && changed) process.exit(1);
}
