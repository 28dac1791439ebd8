import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient } from '../../testing/fixtures.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';

// Error pages say what went wrong in plain words and offer the next step (docs/pages.md §4).
let p: TestProvider;
beforeAll(async () => {
  p = await createTestProvider();
});
afterAll(async () => {
  await p.close();
});

const get = (path: string, headers: Record<string, string> = {}) => p.fetch(new URL(path, p.issuer), { headers, redirect: 'manual' });
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const nextSteps = (html: string) => [...html.matchAll(/<a class="button[^"]*" href="([^"]*)">([^<]*)<\/a>/g)].map((m) => [m[1], m[2]]);

describe('error pages', () => {
  it('the authorization endpoint names the missing or unknown parameter and links on to the dashboard', async () => {
    const missing = await get('/platform/oauth/start');
    expect(missing.status).toBe(400);
    const m = await missing.text();
    expect(m).toContain('has no client_id');
    expect(nextSteps(m)).toEqual([['/dash', 'Go to your Instant dashboard']]);

    const unknown = await (await get('/platform/oauth/start?client_id=no-such-app&redirect_uri=https%3A%2F%2Fa.example%2Fcb')).text();
    expect(unknown).toContain('client_id &quot;no-such-app&quot;');
    expect(nextSteps(unknown)).toEqual([['/dash', 'Go to your Instant dashboard']]);

    const c = await createTestClient(p, { status: 'published', name: 'Good App' });
    const bad = await (await get(`/platform/oauth/start?client_id=${c.clientId}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb`)).text();
    expect(bad).toContain('would send you on to an address the app has not registered (https://evil.example/cb)');
    expect(bad).not.toContain('href="https://evil.example'); // never a link to the untrusted address
    const noRedirect = await (await get(`/platform/oauth/start?client_id=${c.clientId}`)).text();
    expect(noRedirect).toContain('has no redirect_uri');
  });

  it('a suspended app links to its home page', async () => {
    const c = await createTestClient(p, { status: 'suspended', name: 'Gone App', homePage: 'https://gone.example/' });
    const res = await get(`/platform/oauth/start?client_id=${c.clientId}&redirect_uri=${encodeURIComponent(c.redirectUri)}&response_type=code&state=s`);
    expect(res.status).toBe(403);
    expect(nextSteps(await res.text())).toEqual([
      ['https://gone.example/', "Go to Gone App&#39;s home page"],
      ['/dash', 'Go to your Instant dashboard'],
    ]);
  });

  it('an unknown /dash page is an HTML page for browsers and JSON for API clients', async () => {
    const page = await get('/dash/no-such-page', HTML);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Page not found · Instant</title>');
    expect(nextSteps(html)).toEqual([['/dash', 'Go to your Instant dashboard']]);
    const api = await get('/dash/no-such-page', { accept: 'application/json' });
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ type: 'not-found' });
  });

  it('both favicons answer (no 404 in the browser console)', async () => {
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/svg+xml');
      expect(await res.text()).toMatch(/^<svg /);
    }
  });
});
