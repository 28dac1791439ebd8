import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { createTestUser } from '../../testing/fixtures.ts';
import { listEvents } from '../../domain/audit/events.ts';
import { makeAccessToken, makePersonalToken, req } from '../../testing/platform.ts';

/** App auth settings over HTTP: every field checked with a 400 naming its path, stored, listed, updated, deleted. */
let p: TestProvider;
let per: string;
let appId: string;
let adminToken: string;

beforeAll(async () => {
  p = await createTestProvider();
  const u = await createTestUser(p);
  per = await makePersonalToken(p.ctx, u.id);
  const made = (await (await p.app.request('/superadmin/apps', req('POST', per, { title: 'Auth settings' }))).json()) as { app: { id: string; 'admin-token': string } };
  appId = made.app.id;
  adminToken = made.app['admin-token'];
});
afterAll(async () => {
  await p.close();
});

async function call(method: string, path: string, body?: unknown, token = per) {
  const res = await p.app.request(`/dash/apps/${appId}${path}`, req(method, token, body));
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { hint?: { errors?: Array<{ path: unknown[] }> } } };
}
const pathOf = (r: Awaited<ReturnType<typeof call>>) => r.json.hint?.errors?.[0]?.path;

describe('app auth settings', () => {
  it('refuses bad origins with the field path, and stores good ones normalised', async () => {
    for (const [body, path] of [
      [{ service: 'ftp', params: ['x'] }, ['service']],
      [{ service: 'generic', params: 'example.com' }, ['params']],
      [{ service: 'generic', params: ['a', 'b'] }, ['params']],
      [{ service: 'generic', params: ['exa mple.com'] }, ['params', 0]],
      [{ service: 'generic', params: ['example.com:99999'] }, ['params', 0]],
      [{ service: 'vercel', params: ['vercel.app', 'bad project'] }, ['params', 1]],
      [{ service: 'netlify', params: ['-site'] }, ['params', 0]],
      [{ service: 'custom-scheme', params: ['1app'] }, ['params', 0]],
      [{ service: 'custom-scheme', params: ['https'] }, ['params', 0]],
    ] as const) {
      const r = await call('POST', '/authorized_redirect_origins', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(pathOf(r), JSON.stringify(body)).toEqual(path);
    }
    const ok = await call('POST', '/authorized_redirect_origins', { service: 'generic', params: ['LocalHost:3000'] });
    expect(ok.json.origin).toMatchObject({ service: 'generic', params: ['localhost:3000'] });
    expect(pathOf(await call('POST', '/authorized_redirect_origins', { service: 'generic', params: ['localhost:3000'] }))).toEqual(['params']);
    expect((await call('DELETE', '/authorized_redirect_origins/00000000-0000-4000-8000-000000000009')).status).toBe(404);
  });

  it('clients: provider must be the app’s, names unique, URLs and meta checked, secret never returned; update merges', async () => {
    const provider = ((await call('POST', '/oauth_service_providers', { provider_name: 'github' })).json.provider as { id: string }).id;
    expect(pathOf(await call('POST', '/oauth_service_providers', { provider_name: 'github' }))).toEqual(['provider_name']);
    expect(pathOf(await call('POST', '/oauth_service_providers', { provider_name: 'Bad Name' }))).toEqual(['provider_name']);
    const base = { provider_id: provider, client_name: 'gh', client_id: 'id-1', client_secret: 'top-secret-1' };
    for (const [extra, path] of [
      [{ provider_id: '00000000-0000-4000-8000-000000000009' }, ['provider_id']],
      [{ client_name: ' ' }, ['client_name']],
      [{ redirect_to: 'javascript:alert(1)' }, ['redirect_to']],
      [{ discovery_endpoint: 'not a url' }, ['discovery_endpoint']],
      [{ meta: [1] }, ['meta']],
      [{ use_shared_credentials: 'yes' }, ['use_shared_credentials']],
      [{ client_id: 5 }, ['client_id']],
    ] as const) {
      const r = await call('POST', '/oauth_clients', { ...base, ...extra });
      expect(r.status, JSON.stringify(extra)).toBe(400);
      expect(pathOf(r), JSON.stringify(extra)).toEqual(path);
    }
    const made = await call('POST', '/oauth_clients', { ...base, redirect_to: 'http://127.0.0.1:8787/runtime/oauth/callback', meta: { providerName: 'github' } });
    const client = made.json.client as { id: string; client_secret_set: boolean };
    expect(client.client_secret_set).toBe(true);
    expect(JSON.stringify(made.json)).not.toContain('top-secret-1');
    expect(pathOf(await call('POST', '/oauth_clients', base))).toEqual(['client_name']);
    const updated = await call('POST', `/oauth_clients/${client.id}`, { client_id: 'id-2' });
    expect(updated.json.client).toMatchObject({ client_id: 'id-2', redirect_to: 'http://127.0.0.1:8787/runtime/oauth/callback', meta: { providerName: 'github' } });
    const listed = await call('GET', '/auth');
    expect(listed.json.oauth_clients).toEqual([expect.objectContaining({ id: client.id, client_id: 'id-2' })]);
    expect(JSON.stringify(listed.json)).not.toContain('top-secret');
    expect((await call('DELETE', `/oauth_clients/${client.id}`)).json.client).toMatchObject({ id: client.id });
    expect((await call('GET', '/auth')).json.oauth_clients).toEqual([]);
  });

  it('email template: {code} required, sender checked; the admin token may change it, an apps-read grant may only read', async () => {
    const good = { 'email-type': 'magic-code', subject: 'Code {code}', body: 'Use {code}\nto sign in', 'sender-name': 'Acme' };
    for (const [extra, path] of [
      [{ subject: 'no code' }, ['subject']],
      [{ body: 'no code' }, ['body']],
      [{ 'sender-email': 'nope' }, ['sender-email']],
      [{ 'email-type': 'welcome' }, ['email-type']],
      [{ 'sender-name': 'x'.repeat(101) }, ['sender-name']],
    ] as const) {
      expect(pathOf(await call('POST', '/email_templates', { ...good, ...extra })), JSON.stringify(extra)).toEqual(path);
    }
    expect((await call('POST', '/email_templates', good, adminToken)).status).toBe(200);
    const u = await p.ctx.db.one<{ creator_id: string }>(`select creator_id from apps where id = $1`, [appId]);
    const reader = (await makeAccessToken(p.ctx, u!.creator_id, ['apps-read'])).access;
    const status = await call('GET', '/email_status', undefined, reader);
    expect(status.json.info).toMatchObject({ subject: 'Code {code}', body: 'Use {code}\nto sign in', name: 'Acme', email: null });
    expect((await call('POST', '/email_templates', good, reader)).json.hint).toEqual({ 'required-scope': 'apps-write' });
    const events = await listEvents(p.ctx, { event: 'app_auth.changed' });
    expect(events.find((e) => e.details.action === 'email_template_saved')!.actor).toMatch(/^admin-token:/);
    // Deleting the app deletes its settings.
    expect((await p.app.request(`/superadmin/apps/${appId}`, req('DELETE', per))).status).toBe(200);
    for (const t of ['app_redirect_origins', 'app_oauth_providers', 'app_oauth_clients', 'app_email_templates']) {
      expect(await p.ctx.db.query(`select 1 from ${t} where app_id = $1`, [appId]), t).toEqual([]);
    }
  });
});
