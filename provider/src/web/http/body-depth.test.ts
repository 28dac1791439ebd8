import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { Browser } from '../../testing/accounts.ts';
import { jsonDepth, MAX_JSON_DEPTH } from './body.ts';

// Finding F5 (issue 15): rules nested 5,000 deep gave an unhandled 500. docs/security-accounts.md §3.

let p: TestProvider;
beforeAll(async () => {
  p = await createTestProvider();
});
afterAll(async () => {
  await p.close();
});

/** `{"a":{"a":…"leaf"…}}`, `depth` objects deep. */
function nested(depth: number, leaf = '"x"'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

describe('JSON depth is capped before anything walks a body (F5)', () => {
  it('answers rules nested 5,000 deep on the unauthenticated temporary-app endpoint with a 400, not a 500', async () => {
    const body = `{"title":"deep","rules":{"code":{"todos":{"allow":${nested(5000, '"true"')}}}}}`;
    const res = await p.fetch(new URL('/dash/apps/ephemeral', p.issuer), { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-client-address': '10.9.0.1' }, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'param-malformed', message: expect.stringContaining(`${MAX_JSON_DEPTH} levels`) });
    const apps = await p.ctx.db.one<{ n: number }>(`select count(*)::int as n from apps`);
    expect(apps!.n).toBe(0);
  });

  it('still accepts a body exactly at the limit', async () => {
    const b = new Browser(p, '10.9.0.2');
    await b.signUp();
    const res = await b.json('POST', '/dash/personal_access_tokens', JSON.parse(`{"name":"t","extra":${nested(MAX_JSON_DEPTH - 1)}}`));
    expect(res.status).not.toBe(500);
    expect(((await res.json()) as { message?: string }).message ?? '').not.toContain('levels deep');
  });

  it('caps the depth of account and OAuth JSON bodies too', async () => {
    const b = new Browser(p, '10.9.0.3');
    await b.signUp();
    const account = await b.request('/dash/personal_access_tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"name":${nested(5000)}}` });
    expect(account.status).toBe(400);
    expect(await account.json()).toMatchObject({ type: 'param-malformed' });
    const token = await p.fetch(new URL('/platform/oauth/token', p.issuer), { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"grant_type":${nested(5000)}}` });
    expect(token.status).toBe(400);
    expect(await token.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('levels deep') });
  });

  it('counts only brackets outside strings', () => {
    expect(jsonDepth('{"a":"[[[[{{{{\\"[[["}')).toBe(1);
    expect(jsonDepth('[[1],[2,[3]]]')).toBe(3);
    expect(jsonDepth(nested(10))).toBe(10);
    expect(jsonDepth(nested(5000))).toBe(MAX_JSON_DEPTH + 1); // stops counting past the limit
  });
});
