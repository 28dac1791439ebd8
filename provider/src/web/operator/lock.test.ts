import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { authorizeInBrowser, createTestClient, createTestUser, sessionCookie } from '../../testing/fixtures.ts';
import { createApp } from '../../domain/platform/apps.ts';
import { lockUser, unlockUser } from '../../domain/operator/services.ts';

// Finding F6 (issue 15): locking left the user's app admin tokens working, and a code issued before the
// lock could be exchanged after an unlock. docs/security-accounts.md §4.

let p: TestProvider;
beforeAll(async () => {
  p = await createTestProvider();
});
afterAll(async () => {
  await p.close();
});

const CLI = { actor: 'cli' };

describe('lockUser revokes app admin tokens and pending codes (F6)', () => {
  it('refuses the admin token of a locked user’s app, and stays refused after the unlock', async () => {
    const user = await createTestUser(p);
    const { app, adminToken } = await createApp(p.ctx, user.id, { title: 'mine' });
    const read = () => p.fetch(new URL(`/superadmin/apps/${app.id}`, p.issuer), { headers: { authorization: `Bearer ${adminToken}` } });
    expect((await read()).status).toBe(200);
    expect(await lockUser(p.ctx, user.id, CLI)).toBe(true);
    expect((await read()).status).toBe(401);
    await unlockUser(p.ctx, user.id, CLI);
    expect((await read()).status).toBe(401);
  });

  it('does not exchange a code issued before the lock, even after the unlock', async () => {
    const user = await createTestUser(p);
    const c = await createTestClient(p);
    const { code } = await authorizeInBrowser(p, await sessionCookie(p, user.id), { clientId: c.clientId, redirectUri: c.redirectUri });
    await lockUser(p.ctx, user.id, CLI);
    await unlockUser(p.ctx, user.id, CLI);
    const res = await p.fetch(new URL('/platform/oauth/token', p.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64') },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: c.redirectUri }).toString(),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });
});
