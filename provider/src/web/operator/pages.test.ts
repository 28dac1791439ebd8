import { afterEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { Browser, makeGrant, makeOAuthApp } from '../../testing/operator.ts';
import { createTestUser } from '../../testing/fixtures.ts';

let p: TestProvider;
afterEach(async () => {
  await p?.close();
});

describe('operator console pages', () => {
  it('lists every account without a search, marks the current section, and the audit trail names people and apps', async () => {
    p = await createTestProvider({ operatorEmails: ['ops@example.com'] });
    const op = await createTestUser(p, { email: 'ops@example.com' });
    const owner = await createTestUser(p, { email: 'owner@example.com' });
    const alice = await createTestUser(p, { email: 'alice@example.com' });
    const ops = await Browser.signedIn(p, op.id);

    const users = (await ops.get('/dash/operator/users')).html;
    expect([...users.matchAll(/<a href="\/dash\/operator\/users\/[0-9a-f-]{36}">([^<]+)<\/a>/g)].map((m) => m[1])).toEqual(['alice@example.com', 'ops@example.com', 'owner@example.com']);
    expect(users).toMatch(/<a href="\/dash\/operator\/users" aria-current="page">Users<\/a>/);

    const app = await makeOAuthApp(p.ctx, owner.id);
    await makeGrant(p.ctx, alice.id, app);
    await ops.submit(`/dash/operator/users/${alice.id}`, `/dash/operator/users/${alice.id}/lock`);
    const audit = (await ops.get('/dash/operator/audit')).html;
    expect(audit).toMatch(/<a href="\/dash\/operator\/audit" aria-current="page">Audit trail<\/a>/);
    const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(audit)![1]!;
    expect(body).toContain(`<a href="/dash/operator/users/${alice.id}">alice@example.com</a>`);
    expect(body).not.toMatch(new RegExp(`>${alice.id}<`));
  });
});
