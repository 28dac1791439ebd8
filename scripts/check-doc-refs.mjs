#!/usr/bin/env node
// Part of `npm run lint`: every document a source file or Markdown file cites must exist in the
// repository, and every `§N` cited in it must be a heading of that document (`## N. …`, `### N …`,
// `### RN. …`). A citation is a path ending in `.md` (relative to the citing file or to the
// repository root), optionally followed by `§N`, `§N–§M`, `§N, §M` or `§N and §M`. A file that names
// documents without citing them (the rewriter of old citations) opts out with the marker
// `check-doc-refs: ignore-file`.
//
// Source files cited in Markdown and in code comments must exist too (`checkFileRefs`): a path with a folder
// (`web/oauth/token.ts`) relative to the citing file, the repository root, a package or its `src/`, or an
// installed package (`instant-cli/src/lib/login.ts`); a bare name (`token.ts`) somewhere in the repository.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';

const TEXT = /\.(ts|tsx|mts|js|mjs|cjs|md|sql|sh|ya?ml)$/;
const CITATION = /(?<![\w/.@-])((?:\.{1,2}\/)*(?:[\w.-]+\/)*[\w.-]+\.md)\b((?:\s*(?:,|–|-|and|or)?\s*§[\w.]*\w)*)/g;
const SECTION = /§([\w.]*\w)/g;

/** The section labels of a Markdown document: the leading number (or `R2`-style label) of each heading. */
export function sectionsOf(markdown) {
  const labels = new Set();
  for (const m of markdown.matchAll(/^#{1,6}\s+§?([A-Z]?\d+(?:\.\d+)*)[.:)\s]/gm)) labels.add(m[1]);
  return labels;
}

/** Text with URLs and the code of Markdown links blanked, so `https://x/README.md` is not a citation. */
function withoutUrls(text) {
  return text.replace(/\b[a-z][a-z+.-]*:\/\/[^\s)'"`>\]]+/gi, (u) => ' '.repeat(u.length));
}

/** Each line of each readable file in `files` that has not opted out: `[file, line, index]`. */
function* linesOf(root, files, read) {
  for (const file of files) {
    let text;
    try {
      text = withoutUrls(read(join(root, file)));
    } catch {
      continue;
    }
    if (text.includes('check-doc-refs: ignore-file')) continue;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) yield [file, lines[i], i];
  }
}

/**
 * Problems in `files` (paths relative to `root`): one line each, `file:line: message`.
 * `read` is injectable for tests; by default the file system.
 */
export function checkDocRefs(root, files, read = (p) => readFileSync(p, 'utf8')) {
  const problems = [];
  const docs = new Map();
  const docAt = (path) => {
    if (!docs.has(path)) docs.set(path, existsSync(path) ? sectionsOf(read(path)) : null);
    return docs.get(path);
  };
  for (const [file, line, i] of linesOf(root, files, read)) {
    for (const m of line.matchAll(CITATION)) {
      const [, cited, sectionText] = m;
      const candidates = [normalize(join(root, dirname(file), cited)), normalize(join(root, cited))];
      const found = candidates.find((p) => docAt(p) !== null);
      if (!found) {
        problems.push(`${file}:${i + 1}: cites ${cited}, which is not in the repository`);
        continue;
      }
      const sections = docAt(found);
      for (const s of (sectionText ?? '').matchAll(SECTION)) {
        if (!sections.has(s[1])) problems.push(`${file}:${i + 1}: cites ${cited} §${s[1]}, but ${cited} has no section ${s[1]}`);
      }
    }
  }
  return problems;
}

const SOURCE_PATH = /(?<![\w/.@-])((?:\.{1,2}\/)*(?:[\w.-]+\/)*[\w-]+(?:\.[\w-]+)*\.(?:ts|tsx|mts|mjs|sql|sh))\b/g;
/** Where a cited path with a folder may be rooted, besides the citing file's folder. */
const PATH_BASES = ['.', 'provider', 'provider/src', 'client', 'client/src', 'demo-app', 'demo-app/src', 'node_modules'];
/** Files of an app builder's project that the kit writes: named in the docs, never in this repository. */
const USER_PROJECT_FILES = new Set(['instant.schema.ts', 'instant.perms.ts']);

/** The part of a line that is prose: all of a Markdown line; a code line's comment, never its import. */
function prose(file, line) {
  if (file.endsWith('.md')) return line;
  if (/^\s*(import|export)\b.*\bfrom\s+['"]/.test(line) || /\bimport\(['"]/.test(line)) return '';
  const m = /(?:^\s*\*|\/\/|\/\*|^\s*#)(.*)$/.exec(line);
  return m ? m[1] : '';
}

/**
 * Source files cited in Markdown and in comments that are not in the repository (after a file moves, every
 * comment naming its old path is reported). One line each, `file:line: message`.
 */
export function checkFileRefs(root, files, read = (p) => readFileSync(p, 'utf8')) {
  const names = new Set(files.map((f) => basename(f)));
  const problems = [];
  const prosey = files.filter((f) => /\.(ts|tsx|mts|js|mjs|md|sh)$/.test(f));
  for (const [file, line, i] of linesOf(root, prosey, read)) {
    for (const [, cited] of prose(file, line).matchAll(SOURCE_PATH)) {
      const found = cited.includes('/')
        ? [dirname(file), ...PATH_BASES].some((b) => existsSync(normalize(join(root, b, cited))))
        : names.has(cited) || USER_PROJECT_FILES.has(cited);
      if (!found) problems.push(`${file}:${i + 1}: cites ${cited}, which is not in the repository`);
    }
  }
  return problems;
}

/** The repository's text files (tracked or new, not ignored). */
export function repoFiles(root) {
  const out = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  return out.split('\n').filter((f) => TEXT.test(f) && !f.endsWith('package-lock.json') && !f.startsWith('node_modules/') && !f.includes('/node_modules/'));
}

if (import.meta.filename === process.argv[1]) {
  const root = join(import.meta.dirname, '..');
  const files = repoFiles(root);
  const problems = [...checkDocRefs(root, files), ...checkFileRefs(root, files)];
  for (const p of problems) console.error(p);
  if (problems.length) {
    console.error(`check-doc-refs: ${problems.length} citation(s) of a missing document, section or file`);
    process.exit(1);
  }
}
