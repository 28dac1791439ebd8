import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../../testing/accounts.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';

let p: TestProvider;
let b: Browser;
beforeAll(async () => {
  p = await createTestProvider();
  b = new Browser(p);
  await b.signUp('fixes@example.com');
});
afterAll(async () => {
  await p.close();
});

describe('dashboard page fixes (docs/pages.md §6)', () => {
  it('marks Apps as the current page', async () => {
    const { html } = await b.page('/dash/apps');
    expect(html).toMatch(/<a href="\/dash\/apps" aria-current="page">Apps<\/a>/);
  });

  it('puts the "Leave empty" hint under the expiry field, in its column', async () => {
    const { html } = await b.page('/dash/settings/tokens');
    expect(html).toMatch(/<label for="token-days">[^]*?<input id="token-days"[^>]*>\s*(?:<!--[^]*?-->)?\s*<p class="hint" id="days-hint">\s*Leave empty[^<]*<\/p>\s*<\/div>/);
  });

  it('says "test mode" once after registering an app', async () => {
    const { csrf } = await b.page('/dash/settings/oauth-apps');
    const res = await b.form('/dash/settings/oauth-apps', { _csrf: csrf, name: 'Once App' });
    expect(res.status).toBe(303);
    const { html } = await b.page(res.headers.get('location')!);
    expect(html).toContain('Registered Once App.');
    expect(html.match(/only you can authorize/g)).toHaveLength(1);
  });
});
