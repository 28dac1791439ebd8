import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layer rules of `npm run lint` (eslint.layers.js, docs/architecture.md §3), run on code written here:
// each bad import or SQL call must fail, and the allowed direction must pass.
const eslint = new ESLint({ cwd: join(import.meta.dirname, '..') });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(import.meta.dirname, '..', file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the layer rules of npm run lint', () => {
  it('refuse an import of web/ from domain/ or store/, of domain/ from store/, and Hono outside web/ and app.ts', async () => {
    expect(await problems('provider/src/domain/oauth/x.ts', "import { authorize } from '../../web/oauth/authorize.ts';\nexport const y = authorize;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*domain\/ never imports web\//),
    ]);
    expect(await problems('provider/src/store/x.ts', "import { ApiError } from '../domain/errors.ts';\nexport const y = ApiError;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*store\/ imports nothing above it/),
    ]);
    expect(await problems('provider/src/store/x.ts', "import { csrf } from '../web/http/csrf.ts';\nexport const y = csrf;\n")).toHaveLength(1);
    for (const file of ['provider/src/domain/x.ts', 'provider/src/store/x.ts', 'provider/src/cli/x.ts', 'provider/src/cli.ts']) {
      expect(await problems(file, "import { Hono } from 'hono';\nexport const y = Hono;\n"), file).toEqual([expect.stringMatching(/^no-restricted-imports: 'hono' import is restricted/)]);
    }
    expect(await problems('provider/src/domain/x.ts', "import { getCookie } from 'hono/cookie';\nexport const y = getCookie;\n")).toHaveLength(1);
  });

  it('refuse SQL outside store/ and a value import of store/ in web/, and allow the one-way direction', async () => {
    const sql = "import type { Ctx } from '../context.ts';\nexport const f = (ctx: Ctx) => ctx.db.query('select 1');\n";
    expect(await problems('provider/src/domain/oauth/x.ts', sql)).toEqual([expect.stringMatching(/^no-restricted-syntax: SQL runs only in store\//)]);
    expect(await problems('provider/src/web/oauth/x.ts', sql.replace('../context.ts', '../../domain/context.ts'))).toHaveLength(1);
    expect(await problems('provider/src/web/x.ts', "import { openStore } from '../store/index.ts';\nexport const y = openStore;\n")).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: .*web\/ reaches the store through the domain/),
    ]);
    // Allowed: web → domain, domain → store, web → store types, transactions opened in the domain, Hono in web/ and app.ts.
    expect(await problems('provider/src/web/x.ts', "import { Hono } from 'hono';\nimport type { Store } from '../store/index.ts';\nimport { ApiError } from '../domain/errors.ts';\nexport const y: [typeof Hono, Store | null, typeof ApiError] = [Hono, null, ApiError];\n")).toEqual([]);
    expect(await problems('provider/src/domain/x.ts', "import { insertAuditRows } from '../store/audit.ts';\nimport type { Ctx } from './context.ts';\nexport const f = (ctx: Ctx) => ctx.db.tx((db) => insertAuditRows(db, []));\n")).toEqual([]);
    expect(await problems('provider/src/app.ts', "import { Hono } from 'hono';\nexport const y = Hono;\n")).toEqual([]);
  });
});
