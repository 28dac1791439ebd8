import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../../testing/accounts.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';

let p: TestProvider;
let b: Browser;
beforeAll(async () => {
  p = await createTestProvider();
  b = new Browser(p);
  await b.signUp('copy@example.com');
});
afterAll(async () => {
  await p.close();
});

// docs/pages.md §7: a Copy button beside each one-time secret, driven by /assets/copy.js under the pages' CSP.
describe('Copy buttons of one-time secrets', () => {
  it('shows a Copy button and its live region next to a new personal access token, with the script', async () => {
    const { csrf } = await b.page('/dash/settings/tokens');
    const res = await b.form('/dash/settings/tokens', { _csrf: csrf, name: 'deploy' });
    expect(res.status).toBe(303);
    const { res: page, html } = await b.page('/dash/settings/tokens');
    const token = html.match(/<code class="secret" id="once-secret"[^>]*>\s*([^<\s]+)\s*<\/code>/)?.[1];
    expect(token).toMatch(/^per_[0-9a-f]{64}$/);
    expect(html).toMatch(/<button type="button" class="copy secondary" data-copy="once-secret" data-copy-status="once-copied" hidden="">\s*Copy\s*<\/button>/);
    expect(html).toMatch(/<span class="copy-status" id="once-copied" aria-live="polite"><\/span>/);
    expect(html).toContain('<script src="/assets/copy.js" defer=""></script>');
    // The script is same-origin and not inline: the policy allows 'self' and nothing inline.
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
  });

  it('puts no copy script on pages without a secret', async () => {
    const { html } = await b.page('/dash/settings/tokens');
    expect(html).not.toContain('/assets/copy.js');
  });

  it('serves /assets/copy.js as JavaScript that copies with the Clipboard API and announces "Copied"', async () => {
    const res = await p.fetch('/assets/copy.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const js = await res.text();
    expect(js).toContain('navigator.clipboard.writeText');
    expect(js).toContain("'Copied'");
  });
});
