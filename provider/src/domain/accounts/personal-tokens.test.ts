import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { Browser, bearer } from '../../testing/accounts.ts';

let p: TestProvider;
let b: Browser;
beforeEach(async () => {
  p = await createTestProvider();
  b = new Browser(p);
  await b.signUp('pat@example.com');
});
afterEach(async () => {
  await p.close();
});

type Created = { token: string; id: string; personal_access_token: { name: string; expires_at: string | null } };
type Listed = { personal_access_tokens: Array<{ id: string; name: string; created_at: string; expires_at: string | null; last_used_at: string | null; token?: string }> };

/** Every text value in every table, to look for a plaintext secret. */
async function dumpDatabase(p: TestProvider): Promise<string> {
  const tables = await p.ctx.db.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public'`);
  let out = '';
  for (const t of tables) out += JSON.stringify(await p.ctx.db.query(`select * from "${t.table_name}"`));
  return out;
}

describe('personal access tokens', () => {
  it('creates a per_ token shown once and stored only as its hash', async () => {
    const res = await b.json('POST', '/dash/personal_access_tokens', { name: 'laptop' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = (await res.json()) as Created;
    expect(created.token).toMatch(/^per_[0-9a-f]{64}$/);
    expect(created.personal_access_token).toMatchObject({ name: 'laptop', expires_at: null });
    const db = await dumpDatabase(p);
    expect(db).not.toContain(created.token);
    expect(db).not.toContain(created.token.slice(4));
    const list = (await (await b.request('/dash/personal_access_tokens')).json()) as Listed;
    expect(list.personal_access_tokens).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(created.token.slice(4));
  });

  it('authenticates GET /dash/me with the token and records when it was last used', async () => {
    const { token } = (await (await b.json('POST', '/dash/personal_access_tokens', { name: 'ci' })).json()) as Created;
    let list = (await (await b.request('/dash/personal_access_tokens')).json()) as Listed;
    expect(list.personal_access_tokens[0]!.last_used_at).toBeNull();
    p.clock.advance(60);
    const me = await p.app.request('/dash/me', { headers: bearer(token) });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('pat@example.com');
    list = (await (await b.request('/dash/personal_access_tokens')).json()) as Listed;
    expect(list.personal_access_tokens[0]!.last_used_at).toBe(new Date(p.clock.now()).toISOString());
    // Recorded to the minute: a use 30 s later writes nothing, one a minute after the last write does.
    const firstUse = new Date(p.clock.now()).toISOString();
    p.clock.advance(30);
    expect((await p.app.request('/dash/me', { headers: bearer(token) })).status).toBe(200);
    list = (await (await b.request('/dash/personal_access_tokens')).json()) as Listed;
    expect(list.personal_access_tokens[0]!.last_used_at).toBe(firstUse);
    p.clock.advance(30);
    expect((await p.app.request('/dash/me', { headers: bearer(token) })).status).toBe(200);
    list = (await (await b.request('/dash/personal_access_tokens')).json()) as Listed;
    expect(list.personal_access_tokens[0]!.last_used_at).toBe(new Date(p.clock.now()).toISOString());
  });

  it('revokes a token: it stops working and leaves the list', async () => {
    const { token, id } = (await (await b.json('POST', '/dash/personal_access_tokens', { name: 'old' })).json()) as Created;
    expect((await b.request(`/dash/personal_access_tokens/${id}`, { method: 'DELETE' })).status).toBe(200);
    const me = await p.app.request('/dash/me', { headers: bearer(token) });
    expect(me.status).toBe(401);
    expect(await me.json()).toMatchObject({ type: 'record-not-found', hint: { 'record-type': 'personal-access-token' } });
    expect(((await (await b.request('/dash/personal_access_tokens')).json()) as Listed).personal_access_tokens).toEqual([]);
    expect((await b.request(`/dash/personal_access_tokens/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('expires a token after its days', async () => {
    const res = await b.json('POST', '/dash/personal_access_tokens', { name: 'short', expires_in_days: 2 });
    const { token, personal_access_token } = (await res.json()) as Created;
    expect(personal_access_token.expires_at).toBe(new Date(p.clock.now() + 2 * 86_400_000).toISOString());
    p.clock.advance(2 * 86_400 - 1);
    expect((await p.app.request('/dash/me', { headers: bearer(token) })).status).toBe(200);
    p.clock.advance(1);
    const expired = await p.app.request('/dash/me', { headers: bearer(token) });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ type: 'record-expired' });
  });

  it("cannot see or revoke another user's token", async () => {
    const { id } = (await (await b.json('POST', '/dash/personal_access_tokens', { name: 'mine' })).json()) as Created;
    const other = new Browser(p, '10.0.0.2');
    await other.signUp('other@example.com');
    expect(((await (await other.request('/dash/personal_access_tokens')).json()) as Listed).personal_access_tokens).toEqual([]);
    expect((await other.request(`/dash/personal_access_tokens/${id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await other.request(`/dash/personal_access_tokens/not-a-uuid`, { method: 'DELETE' })).status).toBe(404);
  });

  it('manages tokens with a per_ token too', async () => {
    const { token } = (await (await b.json('POST', '/dash/personal_access_tokens', { name: 'root' })).json()) as Created;
    const res = await p.app.request('/dash/personal_access_tokens', { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: '{"name":"child"}' });
    expect(res.status).toBe(200);
    const list = await p.app.request('/dash/personal_access_tokens', { headers: bearer(token) });
    expect(((await list.json()) as Listed).personal_access_tokens.map((t) => t.name).sort()).toEqual(['child', 'root']);
  });

  it('refuses a session POST that is not application/json (CSRF defence) and sends no CORS headers', async () => {
    const res = await b.request('/dash/personal_access_tokens', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"name":"x"}' });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ type: 'param-malformed' });
    const form = await b.request('/dash/personal_access_tokens', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
    expect(form.status).toBe(415);
    const pre = await b.request('/dash/personal_access_tokens', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await (await b.request('/dash/personal_access_tokens')).json()) as Listed).personal_access_tokens).toEqual([]);
  });

  it('validates names and days with 400, never 500', async () => {
    for (const body of [{}, { name: '' }, { name: 'x'.repeat(101) }, { name: 7 }, { name: 'a', expires_in_days: 0 }, { name: 'a', expires_in_days: 1.5 }, { name: 'a', expires_in_days: 'soon' }, { name: 'a', expires_in_days: 100000 }]) {
      const res = await b.json('POST', '/dash/personal_access_tokens', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ type: 'validation-failed' });
    }
  });

  it('needs authentication', async () => {
    const res = await p.app.request('/dash/personal_access_tokens');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: 'record-not-found', hint: { 'record-type': 'token' } });
  });
});
