import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../testing/index.ts';
import { createTestClient, createTestUser, insertTokenSet } from '../testing/fixtures.ts';
import { createApp } from '../domain/platform/apps.ts';
import { createOrg } from '../domain/platform/orgs/orgs.ts';
import { setGrantAppAccess } from '../domain/platform/grant-apps.ts';
import { nowDate } from '../domain/context.ts';
import { hashToken } from '../domain/tokens.ts';
import { listReachableApps } from './apps.ts';
import { findAccessTokenPrincipal, findAccessTokenPrincipalWithOwnApps } from './principals.ts';

/**
 * The one statement `GET /superadmin/apps` reads a store's access token with (docs/architecture.md §9): the principal
 * row is the one `findAccessTokenPrincipal` reads, and the apps are the ones `listReachableApps` lists for that user
 * and grant in the personal scope, in the same order, whatever the grant's limit.
 */

let p: TestProvider;

beforeEach(async () => {
  p = await createTestProvider();
});
afterEach(async () => {
  await p.close();
});

async function expectSameAsTwoReads(access: string) {
  const hash = hashToken(access);
  const principal = await findAccessTokenPrincipal(p.ctx.db, hash);
  const fused = await findAccessTokenPrincipalWithOwnApps(p.ctx.db, hash);
  if (!principal) {
    expect(fused).toBeUndefined();
    return;
  }
  expect(fused?.principal).toEqual(principal);
  expect(fused?.apps).toEqual(await listReachableApps(p.ctx.db, principal.id, { personal: true }, principal.grant_id));
  return fused!;
}

describe('findAccessTokenPrincipalWithOwnApps', () => {
  it('no apps: the principal and an empty list; then the own apps newest first, not an org app or another user\'s', async () => {
    const user = await createTestUser(p);
    const other = await createTestUser(p);
    const client = await createTestClient(p, { ownerId: user.id });
    const t = await insertTokenSet(p.ctx, { userId: user.id, clientId: client.clientId, scopes: ['apps-read'] });
    expect((await expectSameAsTwoReads(t.access))?.apps).toEqual([]);

    const titles: string[] = [];
    for (const title of ['first', 'second', 'third']) {
      await createApp(p.ctx, user.id, { title });
      titles.unshift(title);
      p.clock.advance(1);
    }
    const org = await createOrg(p.ctx, user, 'Acme');
    await createApp(p.ctx, user.id, { title: 'org app', orgId: org.id });
    await createApp(p.ctx, other.id, { title: 'not theirs' });
    const fused = await expectSameAsTwoReads(t.access);
    expect(fused?.apps.map((a) => [a.title, a.role])).toEqual(titles.map((x) => [x, 'owner']));
    expect(Object.keys(fused!.principal).sort()).toEqual(Object.keys((await findAccessTokenPrincipal(p.ctx.db, hashToken(t.access)))!).sort());
  });

  it('a limited grant lists only the apps it reaches; a revoked or unknown token reads nothing', async () => {
    const user = await createTestUser(p);
    const client = await createTestClient(p, { ownerId: user.id });
    await createApp(p.ctx, user.id, { title: 'before the grant' });
    const t = await insertTokenSet(p.ctx, { userId: user.id, clientId: client.clientId, scopes: ['apps-read', 'apps-write'] });
    await setGrantAppAccess(p.ctx.db, t.grantId, { mode: 'created', appIds: [] }, nowDate(p.ctx));
    expect((await expectSameAsTwoReads(t.access))?.apps).toEqual([]);
    const made = await createApp(p.ctx, user.id, { title: 'made through the grant' }, { grantId: t.grantId });
    expect((await expectSameAsTwoReads(t.access))?.apps.map((a) => a.id)).toEqual([made.app.id]);

    const revoked = await insertTokenSet(p.ctx, { userId: user.id, clientId: client.clientId, scopes: ['apps-read'], accessRevoked: true });
    await expectSameAsTwoReads(revoked.access);
    expect(await findAccessTokenPrincipalWithOwnApps(p.ctx.db, hashToken('pat_unknown'))).toBeUndefined();
  });
});
