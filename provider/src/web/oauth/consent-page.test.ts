import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeUrl, createTestClient } from '../../testing/fixtures.ts';
import { browserHelpers } from '../../testing/browser-helpers.ts';
import { world, type OAuthWorld } from '../../testing/oauth.ts';

let w: OAuthWorld;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => {
  await w.p.close();
});
const { start, consentPageOf, base } = browserHelpers(() => w);

describe('the consent page and the login page of an authorization flow', () => {
  it('puts no form inside a paragraph, and Allow and Deny in a spaced button row', async () => {
    const c = await createTestClient(w.p, { status: 'published', name: 'Layout App' });
    const { html } = await consentPageOf(await start(base(c.clientId, c.redirectUri)), w.cookie);
    expect(html).toContain('Use another account');
    expect(html).not.toMatch(/<p\b[^>]*>(?:(?!<\/p>)[\s\S])*<form/);
    expect(html).toMatch(/<form method="post" action="\/platform\/oauth\/consent" class="buttons">/);
  });

  it('the login page says which app is asking (and nothing for an unknown request)', async () => {
    const c = await createTestClient(w.p, { status: 'published', name: 'Asking App' });
    const res = await w.p.fetch(authorizeUrl(w.p, { clientId: c.clientId, redirectUri: c.redirectUri }), { redirect: 'manual' });
    const jar = res.headers.get('set-cookie')!.split(';')[0]!;
    const consent = await w.p.fetch(new URL(res.headers.get('location')!, w.p.issuer), { headers: { cookie: jar }, redirect: 'manual' });
    const login = consent.headers.get('location')!;
    expect(login).toMatch(/^\/dash\/login\?next=/);
    const page = await (await w.p.fetch(new URL(login, w.p.issuer))).text();
    expect(page).toMatch(/<p class="notice" data-testid="asking"><strong>Asking App<\/strong> asks you to sign in/);
    const plain = await (await w.p.fetch(new URL('/dash/login?next=%2Fplatform%2Foauth%2Fconsent%3Frequest%3Dnope', w.p.issuer))).text();
    expect(plain).not.toContain('data-testid="asking"');
  });
});
