// The provider's layers (docs/architecture.md §3): web → domain → store, imports one way; SQL only in store/;
// Hono only in web/ and app.ts. app.ts composes the layers (createProvider, and runServer for the binary); cli.ts
// and index.ts are entry points; test code (*.test.*, testing/, reliability/) may reach anything.
const SRC = 'provider/src';
const TESTS = [`${SRC}/**/*.test.ts`, `${SRC}/**/*.test.tsx`, `${SRC}/testing/**`, `${SRC}/reliability/**`];
const HONO = { group: ['hono', 'hono/*', '@hono/*'], message: 'Hono belongs to web/ (and app.ts, which mounts it): take plain values here.' };
const up = (layer, message) => ({ group: [`**/${layer}/**`, `**/${layer}`], message });
const ENTRY = { group: ['**/app.ts', '**/cli.ts', '**/index.ts', '!**/store/index.ts'], message: 'Only entry points import the composition root.' };
const TESTING = { group: ['**/testing/**', '**/reliability/**'], message: 'Test support is for tests only.' };

// A database call: `ctx.db.query(…)`, `db.one(…)`, `tx.exec(…)`. Transactions (`ctx.db.tx`) are the domain's to open.
const SQL_CALL = {
  selector: "CallExpression[callee.property.name=/^(query|one|exec)$/]:matches([callee.object.property.name='db'], [callee.object.name=/^(db|tx|store)$/])",
  message: 'SQL runs only in store/ (one repository module per aggregate): call a store function here.',
};

export const layers = [
  {
    files: [`${SRC}/domain/**/*.{ts,tsx}`],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': ['error', { patterns: [HONO, up('web', 'domain/ never imports web/: the web layer calls the domain.'), up('cli', 'domain/ never imports cli/.'), ENTRY, TESTING] }],
      'no-restricted-syntax': ['error', SQL_CALL],
    },
  },
  {
    files: [`${SRC}/web/**/*.{ts,tsx}`],
    ignores: TESTS,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ ...up('store', 'web/ reaches the store through the domain (types only here).'), allowTypeImports: true }, up('cli', 'web/ never imports cli/.'), ENTRY, TESTING] }],
      'no-restricted-syntax': ['error', SQL_CALL],
    },
  },
  {
    // The operator CLI is a surface of its own (it opens the store itself, as app.ts does for the server).
    files: [`${SRC}/cli/**/*.{ts,tsx}`],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': ['error', { patterns: [HONO, up('web', 'the CLI is its own surface: call the domain.'), ENTRY, TESTING] }],
      'no-restricted-syntax': ['error', SQL_CALL],
    },
  },
  {
    files: [`${SRC}/cli.ts`, `${SRC}/index.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [HONO] }] },
  },
  {
    files: [`${SRC}/store/**/*.ts`],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['hono', 'hono/*', '@hono/*'], message: 'store/ is the bottom layer: no HTTP framework here.' }, { group: ['../*', '!../store/*'], message: 'store/ imports nothing above it (docs/architecture.md §3).' }] },
      ],
    },
  },
];
