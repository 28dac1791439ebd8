// The provider's layers (docs/architecture.md §3): web → domain → store, imports one way; SQL only in store/;
// Hono only in web/ and app.ts. Entry points (app.ts, main.ts, cli.ts, index.ts) compose the layers; test code
// (*.test.*, testing/, reliability/) may reach anything.
const SRC = 'provider/src';
const TESTS = [`${SRC}/**/*.test.ts`, `${SRC}/**/*.test.tsx`, `${SRC}/testing/**`, `${SRC}/reliability/**`];
const HONO = { group: ['hono', 'hono/*', '@hono/*'], message: 'Hono belongs to web/ (and app.ts, which mounts it): take plain values here.' };
const up = (layer, message) => ({ group: [`**/${layer}/**`, `**/${layer}`], message });
const ENTRY = { group: ['**/app.ts', '**/main.ts', '**/cli.ts', '**/index.ts', '!**/store/index.ts'], message: 'Only entry points import the composition root.' };
const TESTING = { group: ['**/testing/**', '**/reliability/**'], message: 'Test support is for tests only.' };

// A database call: `ctx.db.query(…)`, `db.one(…)`, `tx.exec(…)`. Transactions (`ctx.db.tx`) are the domain's to open.
const SQL_CALL = {
  selector: "CallExpression[callee.property.name=/^(query|one|exec)$/]:matches([callee.object.property.name='db'], [callee.object.name=/^(db|tx|store)$/])",
  message: 'SQL runs only in store/ (one repository module per aggregate): call a store function here.',
};

/** Files not yet moved to their layer's rules (issue 11): each entry is removed as its file is split. Must end empty. */
export const NOT_YET = [
  'provider/src/domain/accounts/account-lifecycle.ts',
  'provider/src/domain/accounts/authorized-apps.ts',
  'provider/src/domain/accounts/email-tokens.ts',
  'provider/src/domain/accounts/oauth-apps.ts',
  'provider/src/domain/accounts/password-reset.ts',
  'provider/src/domain/accounts/personal-tokens.ts',
  'provider/src/domain/accounts/principal.ts',
  'provider/src/domain/accounts/sessions.ts',
  'provider/src/domain/accounts/sign-in.ts',
  'provider/src/domain/accounts/users.ts',
  'provider/src/domain/accounts/verification.ts',
  'provider/src/domain/audit/events.ts',
  'provider/src/domain/limits/failure-limit.ts',
  'provider/src/domain/limits/quota.ts',
  'provider/src/domain/limits/rate-limit.ts',
  'provider/src/domain/operator/services.ts',
  'provider/src/domain/platform/admin-tokens.ts',
  'provider/src/domain/platform/app-auth/email-template.ts',
  'provider/src/domain/platform/app-auth/settings.ts',
  'provider/src/domain/platform/apps.ts',
  'provider/src/domain/platform/dash.ts',
  'provider/src/domain/platform/grant-apps.ts',
  'provider/src/domain/platform/jobs.ts',
  'provider/src/domain/platform/orgs/invites.ts',
  'provider/src/domain/platform/orgs/membership.ts',
  'provider/src/domain/platform/orgs/orgs.ts',
  'provider/src/domain/platform/perms.ts',
  'provider/src/domain/platform/schema/apply.ts',
  'provider/src/domain/platform/schema/attrs.ts',
  'provider/src/domain/platform/temporary-apps.ts',
  'provider/src/domain/seed.ts',
  'provider/src/domain/sweep.ts',
  'provider/src/web/compat/cli-auth.ts',
  'provider/src/web/health.ts',
];

export const layers = [
  {
    files: [`${SRC}/domain/**/*.{ts,tsx}`],
    ignores: [...TESTS, ...NOT_YET],
    rules: {
      'no-restricted-imports': ['error', { patterns: [HONO, up('web', 'domain/ never imports web/: the web layer calls the domain.'), up('cli', 'domain/ never imports cli/.'), ENTRY, TESTING] }],
      'no-restricted-syntax': ['error', SQL_CALL],
    },
  },
  {
    files: [`${SRC}/web/**/*.{ts,tsx}`],
    ignores: [...TESTS, ...NOT_YET],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ ...up('store', 'web/ reaches the store through the domain (types only here).'), allowTypeImports: true }, up('cli', 'web/ never imports cli/.'), ENTRY, TESTING] }],
      'no-restricted-syntax': ['error', SQL_CALL],
    },
  },
  {
    // The operator CLI is a surface of its own (it opens the store itself, as main.ts does for the server).
    files: [`${SRC}/cli/**/*.{ts,tsx}`],
    ignores: [...TESTS, ...NOT_YET],
    rules: {
      'no-restricted-imports': ['error', { patterns: [HONO, up('web', 'the CLI is its own surface: call the domain.'), ENTRY, TESTING] }],
      'no-restricted-syntax': ['error', SQL_CALL],
    },
  },
  {
    files: [`${SRC}/main.ts`, `${SRC}/cli.ts`, `${SRC}/index.ts`],
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
