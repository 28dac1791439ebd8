import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/.data/**', 'e2e/artifacts/**', 'coverage/**', '.scratch/**', '**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  // Import direction (docs/architecture.md §3): the store is the bottom layer. It imports nothing else of
  // the provider and no HTTP framework, so SQL never learns about requests.
  {
    files: ['provider/src/store/**/*.ts'],
    ignores: ['provider/src/store/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['hono', 'hono/*', '@hono/*'], message: 'store/ is the bottom layer: no HTTP framework here.' },
            { group: ['../*', '!../store/*'], message: 'store/ imports nothing above it (docs/architecture.md §3).' },
          ],
        },
      ],
    },
  },
);
