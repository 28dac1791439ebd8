import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// Test helpers only: the demo app itself talks to the provider through instant-kit, over HTTP.
import { browserLeg, client, CookieJar, world, type TestProvider } from '../../client/src/testing/provider.ts';
import { createDemoApp } from './app.tsx';
import { DemoConfigError, loadDemoConfig, localKitBin } from './config.ts';

const ORIGIN = 'http://localhost:3000';
const REDIRECT = `${ORIGIN}/auth/instant/callback`;

describe('demo app against the real provider (in process)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let p: TestProvider;
  beforeEach(async () => {
    w = await world();
    p = w.p;
  });
  afterEach(async () => {
    await p.close();
  });

  async function setup() {
    const c = await client(p, w.user.id, REDIRECT);
    const app = createDemoApp({ ...loadDemoConfig({}), publicUrl: ORIGIN, issuer: p.issuer, clientId: c.clientId, clientSecret: c.clientSecret, fetch: p.fetch });
    const jar = new CookieJar();
    const req = async (path: string, init: RequestInit & { form?: Record<string, string> } = {}) => {
      const headers: Record<string, string> = { cookie: jar.header(), accept: 'text/html' };
      if (init.form) Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN });
      const res = await app.request(new URL(path, ORIGIN).href, { method: init.form ? 'POST' : 'GET', ...init, body: init.form ? new URLSearchParams(init.form).toString() : init.body, headers: { ...headers, ...(init.headers as Record<string, string>) } });
      jar.take(res);
      return res;
    };
    const signIn = async (decision: 'allow' | 'deny' = 'allow') => {
      const login = await req('/auth/instant/login');
      expect(login.status).toBe(302);
      const back = await browserLeg(p, login.headers.get('location')!, w.cookie, decision);
      return req(back.pathname + back.search);
    };
    return { app, req, signIn };
  }

  it('welcomes a visitor with the sign-in button, what it will do, and the no-account option', async () => {
    const { req } = await setup();
    const html = await (await req('/')).text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('href="/auth/instant/login"');
    expect(html).toContain('create and manage apps in your account');
    expect(html).toContain('action="/try"');
  });

  it('signs in, creates an app from the template showing its admin token once, plans and applies a field, deletes it', async () => {
    const { req, signIn } = await setup();
    const back = await signIn();
    expect(back.status).toBe(303);
    const home = await (await req(back.headers.get('location')!)).text();
    expect(home).toContain(w.user.email);
    expect(home).toContain('You have no Instant apps yet');

    const created = await req('/apps', { form: { title: 'Groceries' } });
    expect(created.status).toBe(303);
    const appPath = created.headers.get('location')!;
    const page = await (await req(appPath)).text();
    expect(page).toContain('data-testid="admin-token"');
    expect(page).toContain('auth.id == data.ownerId');
    expect(await (await req(appPath)).text()).not.toContain('data-testid="admin-token"');

    const plan = await (await req(`${appPath}/fields/plan`, { form: { entity: 'todos', name: 'priority', type: 'number' } })).text();
    expect(plan).toContain('Add attribute todos.priority.');
    const applied = await req(`${appPath}/fields/apply`, { form: { entity: 'todos', name: 'priority', type: 'number' } });
    expect(applied.status).toBe(303);
    const after = await (await req(appPath)).text();
    expect(after).toContain('Added todos.priority (number).');
    expect(after).toMatch(/<code>priority<\/code><\/td><td>number/);

    expect(plan).toMatch(/<dd data-testid="plan-type">number<\/dd>/);
    // The same field again with another type: explained, not "Nothing to do".
    const retyped = await req(`${appPath}/fields/plan`, { form: { entity: 'todos', name: 'priority', type: 'string' } });
    expect(retyped.status).toBe(303);
    const explained = await (await req(appPath)).text();
    expect(explained).toContain('todos.priority already exists as a number field.');
    expect(explained).not.toContain('Nothing to do');

    const refused = await req(`${appPath}/fields/plan`, { form: { entity: 'todos', name: '1bad name', type: 'number' } });
    expect(refused.status).toBe(303);
    expect(await (await req(appPath)).text()).toContain('A field name starts with a letter');

    const deleted = await req(`${appPath}/delete`, { form: { confirm: 'yes' } });
    expect(deleted.status).toBe(303);
    expect(await (await req('/')).text()).toContain('Deleted Groceries.');
    expect((await req(appPath)).status).toBe(404);
  });

  it('shows the refusal when the user denies consent', async () => {
    const { signIn } = await setup();
    const res = await signIn('deny');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('You did not connect your Instant account');
  });

  it('refuses a form post from another origin', async () => {
    const { req, signIn } = await setup();
    await signIn();
    const res = await req('/apps', { form: { title: 'x' }, headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
  });

  it('makes a temporary app without an account and shows its expiry and the claim command', async () => {
    const { req } = await setup();
    const res = await req('/try', { form: { title: 'Scratch' } });
    expect(res.status).toBe(303);
    const html = await (await req('/try')).text();
    expect(html).toContain('Scratch');
    expect(html).toMatch(/\(in 14 days\)/);
    // The command runs the kit this app is installed with, on this machine: never a registry name nobody owns.
    const bin = localKitBin();
    expect(existsSync(bin)).toBe(true);
    expect(html).toContain(`node ${bin} login --api-uri http://localhost:8787`);
    expect(html).toContain(`node ${bin} claim --api-uri http://localhost:8787`);
    expect(html).not.toContain('npx instant-kit');
  });
});

describe('demo app configuration', () => {
  it('has the documented defaults', () => {
    const c = loadDemoConfig({});
    expect(c).toMatchObject({ port: 3000, issuer: 'http://localhost:8787', clientId: 'demo-app', clientSecret: undefined, scopes: ['apps-read', 'apps-write'] });
    expect(c.sessionSecret.length).toBeGreaterThanOrEqual(32);
  });
  it('refuses a short session secret, a bad port and a bad issuer, naming the variable', () => {
    expect(() => loadDemoConfig({ DEMO_SESSION_SECRET: 'short' })).toThrow(DemoConfigError);
    expect(() => loadDemoConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadDemoConfig({ INSTANT_ISSUER: 'ftp://x' })).toThrow(/INSTANT_ISSUER/);
  });
  it("reads its own URL from DEMO_PUBLIC_URL, never from the provider's PUBLIC_URL", () => {
    expect(loadDemoConfig({ PUBLIC_URL: 'https://auth.example.com' }).publicUrl).toBeUndefined();
    expect(loadDemoConfig({ PUBLIC_URL: 'https://auth.example.com', DEMO_PUBLIC_URL: 'https://demo.example.com/' }).publicUrl).toBe('https://demo.example.com');
    expect(() => loadDemoConfig({ DEMO_PUBLIC_URL: 'nope' })).toThrow(/DEMO_PUBLIC_URL/);
  });
});
