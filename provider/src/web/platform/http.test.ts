import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { makePersonalToken, req } from '../../testing/platform.ts';
import { createTestUser, sessionCookie } from '../../testing/fixtures.ts';

let p: TestProvider;
beforeEach(async () => {
  p = await createTestProvider();
});
afterEach(async () => {
  await p.close();
});

describe('Platform API over HTTP: CORS, sessions, limits', () => {
  it('answers CORS preflights from any origin for /superadmin and the /dash app APIs, without credentials', async () => {
    for (const path of ['/superadmin/apps', '/dash/apps/ephemeral', '/dash/apps/00000000-0000-4000-8000-000000000000/schema/pull']) {
      const res = await p.app.request(path, {
        method: 'OPTIONS',
        headers: { Origin: 'https://builder.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type, instant-platform-version' },
      });
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('accepts a dashboard session on the /dash CLI endpoints only with JSON bodies, and never on /superadmin', async () => {
    const u = await createTestUser(p);
    const cookie = await sessionCookie(p, u.id);
    const form = await p.app.request('/dash/apps', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'title=x' });
    expect(form.status).toBe(400);
    const created = await p.app.request('/dash/apps', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'From the dashboard' }) });
    expect(created.status).toBe(200);
    const app = ((await created.json()) as { app: { id: string } }).app;
    expect((await p.app.request(`/dash/apps/${app.id}/schema/pull`, { headers: { cookie } })).status).toBe(200);
    expect((await p.app.request('/superadmin/apps', { headers: { cookie } })).status).toBe(401);
  });

  it('limits the number of entities, name lengths and reserved names with a 400 naming the problem', async () => {
    const u = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, u.id);
    const app = ((await (await p.app.request('/superadmin/apps', req('POST', per, { title: 'Limits' }))).json()) as { app: { id: string } }).app;
    const many = { entities: Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`e${i}`, { attrs: {} }])) };
    const cases: Array<[unknown, RegExp]> = [
      [many, /at most 500 entities/],
      [{ entities: { ['x'.repeat(129)]: { attrs: {} } } }, /longer than 128/],
      [{ entities: { __proto__x: { attrs: {} }, ['__proto__']: { attrs: {} } } }, /reserved/],
      [{ entities: { books: { attrs: { title: { valueType: 'text' } } } } }, /schema\.entities\.books\.attrs\.title\.valueType/],
      [{ entities: { books: { attrs: {} } }, links: { l: { forward: { on: 'books', label: 'x', has: 'several' }, reverse: { on: 'books', label: 'y', has: 'one' } } } }, /schema\.links\.l\.forward\.has/],
      [{ entities: { books: { attrs: {} } }, links: { l: { forward: { on: 'nowhere', label: 'x', has: 'one' }, reverse: { on: 'books', label: 'y', has: 'one' } } } }, /nowhere/],
      [{ entities: { books: { attrs: {} } }, links: { l: { forward: { on: 'books', label: 'x', has: 'many', onDelete: 'cascade' }, reverse: { on: 'books', label: 'y', has: 'one' } } } }, /cascade/],
      [{ entities: { books: { attrs: {} } }, links: { l: { forward: { on: 'books', label: 'x', has: 'one' }, reverse: { on: 'books', label: 'x', has: 'one' } } } }, /both sides/],
    ];
    for (const [schema, message] of cases) {
      const r = await p.app.request(`/superadmin/apps/${app.id}/schema/push/apply`, req('POST', per, JSON.stringify({ schema })));
      expect(r.status, String(message)).toBe(400);
      expect(((await r.json()) as { message: string }).message).toMatch(message);
    }
    expect(await p.ctx.db.query('select * from attrs')).toEqual([]);
    expect(({} as Record<string, unknown>).id).toBeUndefined();
  });

  it('never answers 5xx to random bodies on any endpoint, and always with the error shape', async () => {
    const u = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, u.id);
    const created = (await (await p.app.request('/superadmin/apps', req('POST', per, { title: 'Fuzz' }))).json()) as { app: { id: string; 'admin-token': string } };
    const id = created.app.id;
    const targets: Array<[string, string]> = [
      ['POST', '/superadmin/apps'],
      ['POST', `/superadmin/apps/${id}`],
      ['POST', `/superadmin/apps/${id}/perms`],
      ['POST', `/superadmin/apps/${id}/schema/push/plan`],
      ['POST', `/superadmin/apps/${id}/schema/push/apply`],
      ['POST', '/dash/apps'],
      ['POST', '/dash/apps/ephemeral'],
      ['POST', `/dash/apps/${id}/schema/steps/apply`],
      ['POST', `/dash/apps/${id}/rules`],
      ['POST', `/dash/apps/ephemeral/${id}/claim`],
    ];
    const bodyArb = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ title: fc.anything(), schema: fc.anything(), perms: fc.anything(), code: fc.anything(), steps: fc.anything(), id: fc.anything(), token: fc.anything(), app_id: fc.anything() }, { requiredKeys: [] }),
      fc.record({ schema: fc.record({ entities: fc.dictionary(fc.string(), fc.anything()), links: fc.dictionary(fc.string(), fc.anything()) }) }),
      fc.record({ steps: fc.array(fc.tuple(fc.constantFrom('add-attr', 'update-attr', 'delete-attr', 'index', 'check-data-type'), fc.anything())) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), bodyArb, fc.constantFrom(per, created.app['admin-token']), async ([method, path], body, token) => {
        const res = await p.app.request(path, req(method, token, typeof body === 'string' ? body : JSON.stringify(body), { 'x-test-client-address': 'fuzz' }));
        expect(res.status, `${method} ${path} ${JSON.stringify(body).slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400) {
          const json = (await res.json()) as { type: unknown; message: unknown; hint: unknown };
          expect(typeof json.type).toBe('string');
          expect(typeof json.message).toBe('string');
          expect(typeof json.hint).toBe('object');
        }
      }),
      { numRuns: 150 },
    );
  });
});
