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

describe('GET /dash/apps (dashboard page)', () => {
  it("lists the signed-in user's apps with schema, links and perms, and claimed temporary apps", async () => {
    const u = await createTestUser(p);
    const other = await createTestUser(p);
    const per = await makePersonalToken(p.ctx, u.id);
    const otherPer = await makePersonalToken(p.ctx, other.id);
    const schema = {
      entities: { books: { attrs: { title: { valueType: 'string', required: true, config: { indexed: true, unique: false } } } }, authors: { attrs: {} } },
      links: { bookAuthor: { forward: { on: 'books', has: 'one', label: 'author' }, reverse: { on: 'authors', has: 'many', label: 'books' } } },
    };
    await p.app.request('/superadmin/apps', req('POST', per, { title: 'Library <script>', schema, perms: { books: { allow: { view: 'true' } } } }));
    await p.app.request('/superadmin/apps', req('POST', otherPer, { title: 'Not mine' }));
    const temp = (await (await p.app.request('/dash/apps/ephemeral', req('POST', null, { title: 'Scratchpad' }))).json()) as { app: { id: string; 'admin-token': string } };
    await p.app.request(`/dash/apps/ephemeral/${temp.app.id}/claim`, req('POST', per, { app_id: temp.app.id, token: temp.app['admin-token'] }));

    const res = await p.app.request('/dash/apps', { headers: { cookie: await sessionCookie(p, u.id) } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const html = await res.text();
    expect(html).toContain('Library &lt;script&gt;');
    expect(html).not.toContain('Library <script>');
    expect(html).toContain('books');
    expect(html).toContain('title');
    expect(html).toContain('indexed');
    expect(html).toContain('books.author');
    expect(html).toContain('authors.books');
    expect(html).toContain('&quot;view&quot;');
    expect(html).toContain('Scratchpad');
    expect(html).toContain('claimed temporary app');
    expect(html).not.toContain('Not mine');
    expect(html).toContain('name="_csrf"');
  });

  it('sends a visitor without a session to log in', async () => {
    const res = await p.app.request('/dash/apps');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/dash\/login/);
  });
});
