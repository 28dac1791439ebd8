// docs/security.md §R1 (concurrency): N simultaneous uses of one code or one rotating refresh token.
// In process (app.request) on a fresh store: PGlite by default, a real Postgres pool with TEST_DATABASE_URL.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../testing/index.ts';
import { createTestClient, createTestUser, sessionCookie } from '../testing/fixtures.ts';
import { CookieJar, runFlow, send, type HttpResponse } from './flow.ts';
import { codeExchangeRequest, listAppsRequest, refreshRequest, signInFlow, tokenSet, type OAuthClientCreds } from './provider-flows.ts';

const N = 50;
let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

function jarOf(cookie: string): CookieJar {
  const [name, ...rest] = cookie.split('=');
  return new CookieJar(new Map([[name!, rest.join('=')]]));
}

async function signedInClient(provider: TestProvider, opts: { public?: boolean; rotate?: boolean } = {}) {
  const user = await createTestUser(provider);
  const c = await createTestClient(provider, { ownerId: user.id, public: opts.public, rotateRefreshTokens: opts.rotate });
  const client: OAuthClientCreds = { client_id: c.clientId, client_secret: c.clientSecret, redirect_uri: c.redirectUri };
  const session = jarOf(await sessionCookie(provider, user.id));
  return { client, session };
}

function oauthErrorOf(res: HttpResponse): string | undefined {
  return (JSON.parse(res.body) as { error?: string }).error;
}

describe('concurrency', () => {
  it(`${N} simultaneous exchanges of one authorization code: exactly one succeeds, the rest are invalid_grant`, async () => {
    p = await createTestProvider();
    const { client, session } = await signedInClient(p);
    const minted = await runFlow(p.fetch, p.issuer, signInFlow({ client, session, codeOnly: true }));
    const answers = await Promise.all(Array.from({ length: N }, () => send(p!.fetch, p!.issuer, codeExchangeRequest(client, minted.code, minted.pkce.verifier))));
    const ok = answers.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    tokenSet('exchange', 200, ok[0]!.body);
    for (const r of answers.filter((a) => a.status !== 200)) {
      expect(r.status).toBe(400);
      expect(oauthErrorOf(r)).toBe('invalid_grant');
    }
  });

  for (const kind of ['public', 'confidential rotating'] as const) {
    it(`${N} simultaneous refreshes of one rotating token (${kind} client): no family revoked, every answer valid or invalid_grant`, async () => {
      p = await createTestProvider();
      const { client, session } = await signedInClient(p, kind === 'public' ? { public: true } : { rotate: true });
      const first = (await runFlow(p.fetch, p.issuer, signInFlow({ client, session }))).tokens!;
      const answers = await Promise.all(Array.from({ length: N }, () => send(p!.fetch, p!.issuer, refreshRequest(client, first.refresh_token))));
      const issued = [];
      for (const r of answers) {
        if (r.status === 200) issued.push(tokenSet('refresh', r.status, r.body));
        else {
          expect(r.status).toBe(400);
          expect(oauthErrorOf(r)).toBe('invalid_grant');
        }
      }
      expect(issued.length).toBeGreaterThanOrEqual(1);
      // The family lives on: every access token just issued works, and a successor refresh token refreshes again.
      for (const t of issued) expect((await send(p.fetch, p.issuer, listAppsRequest(t.access_token))).status).toBe(200);
      const next = await send(p.fetch, p.issuer, refreshRequest(client, issued[issued.length - 1]!.refresh_token));
      expect(next.status, next.body).toBe(200);
      expect((await send(p.fetch, p.issuer, listAppsRequest(tokenSet('refresh', 200, next.body).access_token))).status).toBe(200);
    });
  }
});
