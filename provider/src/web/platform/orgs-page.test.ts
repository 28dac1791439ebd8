import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { createTestUser } from '../../testing/fixtures.ts';
import { Browser } from '../../testing/operator.ts';
import { createApp } from '../../domain/platform/apps.ts';

/**
 * The dashboard's org pages through their forms (CSRF token from the page, 303 answers): create an org, invite by
 * address, accept only as that address, see the org's apps, move an app in and out, remove a member.
 */
let p: TestProvider;
beforeAll(async () => {
  p = await createTestProvider();
});
afterAll(async () => {
  await p.close();
});

const flashOf = async (b: Browser, path: string) => (await b.get(path)).html;

describe('dashboard: orgs', () => {
  it('create, invite, accept, see apps, move apps, remove', async () => {
    const owner = await createTestUser(p, { email: 'page-owner@example.com' });
    const guest = await createTestUser(p, { email: 'page-guest@example.com' });
    const other = await createTestUser(p, { email: 'page-other@example.com' });
    const [ob, gb, xb] = [await Browser.signedIn(p, owner.id), await Browser.signedIn(p, guest.id), await Browser.signedIn(p, other.id)];

    const nav = (await ob.get('/dash/orgs')).html;
    expect(nav).toContain('<a href="/dash/orgs" aria-current="page">Orgs</a>');
    expect(nav).toContain('You are not in any org');
    const made = await ob.submit('/dash/orgs', '/dash/org-forms/create', { title: 'Page org' });
    expect(made.status).toBe(303);
    const orgPath = made.headers.get('location')!;
    expect(orgPath).toMatch(/^\/dash\/orgs\/[0-9a-f-]{36}$/);
    const orgId = orgPath.split('/').pop()!;
    expect(await flashOf(ob, orgPath)).toContain('Org “Page org” created. You are its owner.');

    // Without a CSRF token nothing happens.
    expect((await ob.submit(orgPath, `/dash/org-forms/${orgId}/invite`, { email: guest.email, role: 'admin' }, { csrf: 'forged' })).status).toBe(403);
    expect((await ob.submit(orgPath, `/dash/org-forms/${orgId}/invite`, { email: guest.email, role: 'admin' })).status).toBe(303);
    expect(await flashOf(ob, orgPath)).toContain(`Invited ${guest.email} as admin.`);
    expect((await ob.submit(orgPath, `/dash/org-forms/${orgId}/invite`, { email: 'nope', role: 'admin' })).status).toBe(303);
    expect(await flashOf(ob, orgPath)).toContain('invitee-email must be an email address');

    const invites = (await gb.get('/dash/orgs')).html;
    expect(invites).toContain('<strong>Page org</strong>: join as an admin');
    const inviteId = /\/dash\/org-forms\/invites\/([0-9a-f-]{36})\/accept/.exec(invites)![1]!;
    // Another account cannot accept it, even with the id.
    expect((await xb.submit('/dash/orgs', `/dash/org-forms/invites/${inviteId}/accept`)).status).toBe(303);
    expect(await flashOf(xb, '/dash/orgs')).toContain('No such invitation for this account');
    expect((await gb.submit('/dash/orgs', `/dash/org-forms/invites/${inviteId}/accept`)).headers.get('location')).toBe(orgPath);

    // An app moved in shows for the new member; moved out, it does not.
    const { app } = await createApp(p.ctx, owner.id, { title: 'Moving app' });
    expect((await ob.submit(orgPath, `/dash/org-forms/${orgId}/move-in`, { app_id: app.id })).status).toBe(303);
    const seen = (await gb.get(orgPath)).html;
    expect(seen).toContain('Moving app');
    expect(seen).not.toContain('Move to my apps'); // an admin cannot move apps out; the owner can
    expect((await ob.get(orgPath)).html).toContain('Move to my apps');
    expect((await xb.get(orgPath)).res.status).toBe(404);
    expect((await ob.submit(orgPath, `/dash/org-forms/apps/${app.id}/move-out`)).headers.get('location')).toBe(orgPath);
    expect((await gb.get(orgPath)).html).not.toContain('Moving app');

    // Removing the member: the org disappears from their pages.
    const memberId = new RegExp(`name="id" value="([0-9a-f-]{36})"`).exec((await ob.get(orgPath)).html.split(guest.email)[1]!)![1]!;
    expect((await ob.submit(orgPath, `/dash/org-forms/${orgId}/remove`, { id: memberId })).status).toBe(303);
    expect((await gb.get('/dash/orgs')).html).not.toContain('Page org');
    expect((await gb.get(orgPath)).res.status).toBe(404);
  });
});
