// Its fixtures cite missing documents on purpose, so the checker skips this file: check-doc-refs: ignore-file
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { checkDocRefs, checkFileRefs, repoFiles, sectionsOf } from './check-doc-refs.mjs';

const check = checkDocRefs as (root: string, files: string[]) => string[];
const checkFiles = checkFileRefs as (root: string, files: string[]) => string[];
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A throwaway repository holding `files` (path → text). */
function repo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'doc-refs-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const API = '# API\n\n## 1. Conventions\n\n## 2. OAuth\n\n### 2.1 Scopes\n\n## R2. Crash\n';

describe('check-doc-refs (part of npm run lint)', () => {
  it('reads section labels from numbered headings only', () => {
    expect([...(sectionsOf as (md: string) => Set<string>)(API)].sort()).toEqual(['1', '2', '2.1', 'R2']);
  });

  it('accepts citations of existing documents and sections, in every form the code uses', () => {
    const root = repo({
      'docs/api.md': API,
      'src/a.ts': '/** docs/api.md §1, docs/api.md §1–§2, docs/api.md §1, §2.1 and §R2; see ../docs/api.md. */\n',
      'README.md': 'See [the API](docs/api.md) and https://example.com/MISSING.md.\n',
    });
    expect(check(root, ['src/a.ts', 'README.md'])).toEqual([]);
  });

  it('fails on a document that is not in the repository, such as the old shared specs', () => {
    const root = repo({ 'docs/api.md': API, 'src/a.ts': '// the token kinds (API.md §1)\n// see ../shared/SECURITY.md\n' });
    expect(check(root, ['src/a.ts'])).toEqual([
      'src/a.ts:1: cites API.md, which is not in the repository',
      'src/a.ts:2: cites ../shared/SECURITY.md, which is not in the repository',
    ]);
  });

  it('fails on a section the cited document lacks, also inside a range or a list', () => {
    const root = repo({ 'docs/api.md': API, 'x.md': 'docs/api.md §7 and docs/api.md §1–§3, §2.1\n' });
    expect(check(root, ['x.md'])).toEqual([
      'x.md:1: cites docs/api.md §7, but docs/api.md has no section 7',
      'x.md:1: cites docs/api.md §3, but docs/api.md has no section 3',
    ]);
  });

  it('finds no problem in this repository', () => {
    const root = join(import.meta.dirname, '..');
    expect(check(root, (repoFiles as (r: string) => string[])(root))).toEqual([]);
  });

  it('fails on a source file a comment or a document cites after it moved; imports and code are not citations', () => {
    const root = repo({
      'provider/src/web/oauth/token.ts': '// the token endpoint\n',
      'provider/src/domain/a.ts': [
        "import { x } from '../web/oauth/token.ts';",
        '// handled in web/oauth/token.ts and token.ts (see ./a.ts)',
        '// handled in oauth/token.ts',
        "const path = 'oauth/gone.ts';",
        ' * the kit writes instant.schema.ts; Instant’s CLI does it in instant-cli/src/lib/login.ts',
      ].join('\n'),
      'node_modules/instant-cli/src/lib/login.ts': '',
      'docs/x.md': 'See `provider/src/web/oauth/token.ts`, `web/oauth/token.ts` and `accounts/sessions.ts`.\n',
    });
    expect(checkFiles(root, ['provider/src/web/oauth/token.ts', 'provider/src/domain/a.ts', 'docs/x.md'])).toEqual([
      'provider/src/domain/a.ts:3: cites oauth/token.ts, which is not in the repository',
      'docs/x.md:1: cites accounts/sessions.ts, which is not in the repository',
    ]);
  });

  it('finds no cited source file missing in this repository', () => {
    const root = join(import.meta.dirname, '..');
    expect(checkFiles(root, (repoFiles as (r: string) => string[])(root))).toEqual([]);
  });
});
