import { expect } from 'vitest';
import { consentFormFields, CookieJar } from './fixtures.ts';
import type { OAuthWorld } from './oauth.ts';

/** Helpers for suites that drive the authorization endpoint by hand. */
export function browserHelpers(get: () => OAuthWorld) {
  /** `GET /platform/oauth/start` with these parameters, as the signed-in browser (or `cookie`). */
  async function start(params: Record<string, string>, cookie = get().cookie): Promise<Response> {
    const w = get();
    const u = new URL('/platform/oauth/start', w.p.issuer);
    for (const [k, v] of Object.entries(params)) u.searchParams.append(k, v);
    return w.p.fetch(u, { headers: { cookie }, redirect: 'manual' });
  }

  /** The redirect back to the client, as parsed query parameters. */
  function callback(res: Response): Record<string, string> {
    expect(res.status).toBe(303);
    return Object.fromEntries(new URL(res.headers.get('location')!).searchParams);
  }

  /** Follows a start response to the consent page, with the browser-binding cookie it set. */
  async function consentPageOf(res: Response, cookie: string): Promise<{ page: Response; html: string; jar: CookieJar }> {
    const w = get();
    const jar = new CookieJar(cookie);
    jar.take(res);
    const page = await w.p.fetch(new URL(res.headers.get('location')!, w.p.issuer), { headers: { cookie: jar.header() } });
    jar.take(page);
    return { page, html: await page.text(), jar };
  }

  /** Posts Allow with the CSRF token and request id of this consent page, whether or not the page offers Allow. */
  function postAllow(jar: CookieJar, html: string): Promise<Response> {
    const w = get();
    const { csrf, request } = consentFormFields(html);
    return w.p.fetch(new URL('/platform/oauth/consent', w.p.issuer), {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, request, decision: 'allow' }).toString(),
      redirect: 'manual',
    });
  }

  const base = (clientId: string, redirectUri: string) => ({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'apps-read', state: 'st' });
  return { start, callback, consentPageOf, postAllow, base };
}
