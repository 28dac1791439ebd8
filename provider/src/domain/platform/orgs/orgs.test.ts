import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { i, PlatformApi } from '@instantdb/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../../testing/index.ts';
import { createTestUser } from '../../../testing/fixtures.ts';
import { listEvents } from '../../audit/events.ts';
import { makeAccessToken, makePersonalToken, rejection } from '../../../testing/platform.ts';

/**
 * Orgs through Instant's own `@instantdb/platform` 1.0.67 (unchanged, over a real socket) and the org endpoints in
 * upstream's shapes: roles (collaborator < admin < owner), invitations by address, moving apps, and removal ending
 * reach — for personal access tokens and OAuth grants alike (docs/security.md "Orgs"). PGlite, or Postgres with
 * TEST_DATABASE_URL.
 */
let p: TestProvider;
let server: ServerType;
let apiURI: string;

interface Person {
  id: string;
  email: string;
  per: string;
  api: PlatformApi;
}
let owner: Person;
let admin: Person;
let collab: Person;
let outsider: Person;
let orgId: string;

async function person(name: string): Promise<Person> {
  const u = await createTestUser(p, { email: `${name}-${Math.random().toString(36).slice(2, 8)}@example.com` });
  const per = await makePersonalToken(p.ctx, u.id);
  return { id: u.id, email: u.email, per, api: new PlatformApi({ apiURI, auth: { token: per } }) };
}

async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(new URL(path, apiURI), {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function invite(by: Person, email: string, role: string) {
  return call(by.per, 'POST', `/dash/orgs/${orgId}/invite/send`, { 'invitee-email': email, role });
}

async function inviteIdFor(who: Person): Promise<string> {
  const dash = await call(who.per, 'GET', '/dash');
  const invites = dash.json.invites as Array<{ id: string; org: { id: string } }>;
  return invites.find((x) => x.org.id === orgId)!.id;
}

beforeAll(async () => {
  p = await createTestProvider();
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: p.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  apiURI = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  [owner, admin, collab, outsider] = [await person('owner'), await person('admin'), await person('collab'), await person('outsider')];
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await p.close();
});

const schema = i.schema({ entities: { notes: i.entity({ text: i.string() }) } });

describe('orgs with Instant’s Platform SDK', () => {
  it('a user creates an org and getOrgs lists it in upstream’s shape', async () => {
    const made = await call(owner.per, 'POST', '/dash/orgs', { title: 'Acme' });
    expect(made.status).toBe(200);
    orgId = (made.json.org as { id: string }).id;
    const { orgs } = await owner.api.getOrgs();
    expect(orgs).toEqual([{ id: orgId, title: 'Acme', createdAt: expect.any(Date) }]);
    expect((await outsider.api.getOrgs()).orgs).toEqual([]);
    expect((await call(owner.per, 'POST', '/dash/orgs', { title: '  ' })).json.hint).toEqual({ errors: [{ path: ['title'], message: 'must not be blank' }] });
  });

  it('invitations are accepted only by the account with the invited address', async () => {
    expect((await invite(owner, admin.email.toUpperCase(), 'admin')).status).toBe(200);
    expect((await invite(owner, collab.email, 'collaborator')).status).toBe(200);
    expect((await invite(owner, collab.email, 'boss')).json.hint).toEqual({ errors: [{ path: ['role'], message: 'must be one of collaborator, admin, owner' }] });
    expect((await invite(owner, 'not-an-address', 'admin')).json.hint).toEqual({ errors: [{ path: ['invitee-email'], message: 'must be an email address' }] });
    // A collaborator cannot invite; the outsider cannot see the org at all.
    expect((await invite(collab, outsider.email, 'collaborator')).status).toBe(404);
    const collabInvite = await inviteIdFor(collab);
    // Someone else holding the id cannot use it: 404, as for an unknown id.
    expect((await call(outsider.per, 'POST', '/dash/invites/accept', { 'invite-id': collabInvite })).status).toBe(404);
    expect((await call(collab.per, 'POST', '/dash/invites/accept', { 'invite-id': collabInvite })).status).toBe(200);
    expect((await call(collab.per, 'POST', '/dash/invites/accept', { 'invite-id': collabInvite })).status).toBe(400);
    expect((await call(admin.per, 'POST', '/dash/invites/accept', { 'invite-id': await inviteIdFor(admin) })).status).toBe(200);
    const detail = await call(collab.per, 'GET', `/dash/orgs/${orgId}`);
    expect((detail.json.members as Array<{ email: string; role: string }>).map((m) => [m.email, m.role])).toEqual([
      [owner.email, 'owner'],
      [admin.email, 'admin'],
      [collab.email, 'collaborator'],
    ]);
    expect((await collab.api.getOrgs()).orgs.map((o) => o.id)).toEqual([orgId]);
    const joined = await listEvents(p.ctx, { event: 'org.changed' });
    expect(joined.filter((e) => e.details.action === 'member_joined').map((e) => e.user_id).sort()).toEqual([admin.id, collab.id].sort());
  });

  it('createApp({orgId}) needs admin in the org; getAppsForOrg lists the org’s apps for every member', async () => {
    const { app } = await admin.api.createApp({ title: 'Org notes', orgId, schema });
    expect(app.orgId).toBe(orgId);
    const refused = await rejection(collab.api.createApp({ title: 'Nope', orgId }));
    expect(refused.status).toBe(403);
    expect(refused.body.hint).toMatchObject({ 'required-role': 'admin', role: 'collaborator' });
    expect((await rejection(outsider.api.createApp({ title: 'Nope', orgId }))).status).toBe(404);
    const { apps } = await collab.api.getAppsForOrg(orgId, { includeSchema: true });
    expect(apps.map((a) => [a.id, a.title, a.orgId])).toEqual([[app.id, 'Org notes', orgId]]);
    expect(Object.keys(apps[0]!.schema!.entities)).toEqual(['notes']);
    expect((await rejection(outsider.api.getAppsForOrg(orgId))).status).toBe(404);
    // Org apps are not the member's own apps (upstream's getApps), but GET /dash lists them with the role and org.
    expect((await collab.api.getApps()).apps).toEqual([]);
    const dash = await call(collab.per, 'GET', '/dash');
    expect(dash.json.apps).toEqual([expect.objectContaining({ id: app.id, user_app_role: 'collaborator', org: { id: orgId, title: 'Acme' } })]);
  });

  it('a collaborator works on an org app but cannot rename or delete it; an admin can', async () => {
    const { app } = await owner.api.createApp({ title: 'Roles', orgId });
    expect((await collab.api.getApp(app.id)).app.title).toBe('Roles');
    await collab.api.pushPerms(app.id, { perms: { notes: { allow: { view: 'true' } } } });
    await collab.api.schemaPush(app.id, { schema });
    expect((await rejection(collab.api.updateApp(app.id, { title: 'Renamed' }))).status).toBe(403);
    expect((await rejection(collab.api.deleteApp(app.id))).body.hint).toMatchObject({ 'required-role': 'admin' });
    expect((await call(collab.per, 'DELETE', `/dash/apps/${app.id}`)).status).toBe(403);
    expect((await admin.api.updateApp(app.id, { title: 'Renamed' })).app.title).toBe('Renamed');
    await admin.api.deleteApp(app.id);
    expect((await rejection(owner.api.getApp(app.id))).status).toBe(404);
  });

  it('an OAuth grant reaches org apps only as far as the user’s role and the grant’s scopes allow', async () => {
    const { app } = await owner.api.createApp({ title: 'Via OAuth', orgId });
    const write = new PlatformApi({ apiURI, auth: { token: (await makeAccessToken(p.ctx, collab.id, ['apps-write'])).access } });
    expect((await write.getApp(app.id)).app.orgId).toBe(orgId);
    expect((await write.getAppsForOrg(orgId)).apps.map((a) => a.id)).toContain(app.id);
    await write.pushPerms(app.id, { perms: { notes: { allow: { view: 'false' } } } });
    expect((await rejection(write.deleteApp(app.id))).status).toBe(403);
    const read = new PlatformApi({ apiURI, auth: { token: (await makeAccessToken(p.ctx, collab.id, ['apps-read'])).access } });
    expect((await rejection(read.pushPerms(app.id, { perms: {} }))).body.hint).toEqual({ 'required-scope': 'apps-write' });
    const adminGrant = new PlatformApi({ apiURI, auth: { token: (await makeAccessToken(p.ctx, admin.id, ['apps-write'])).access } });
    await adminGrant.deleteApp(app.id);
    // An OAuth app cannot manage the org itself: that is the user's own business.
    const grantToken = (await makeAccessToken(p.ctx, owner.id, ['apps-write'])).access;
    expect((await call(grantToken, 'POST', `/dash/orgs/${orgId}/invite/send`, { 'invitee-email': outsider.email, role: 'owner' })).status).toBe(403);
  });

  it('moves an app from a user into an org and back', async () => {
    const { app } = await owner.api.createApp({ title: 'Personal first' });
    expect((await rejection(collab.api.getApp(app.id))).status).toBe(404);
    // The admin does not reach the owner's own app at all.
    expect((await call(admin.per, 'POST', `/dash/apps/${app.id}/transfer_to_org/${orgId}`)).status).toBe(404);
    const moved = await call(owner.per, 'POST', `/dash/apps/${app.id}/transfer_to_org/${orgId}`);
    expect(moved.json.app).toMatchObject({ id: app.id, org_id: orgId, creator_id: null });
    expect((await collab.api.getApp(app.id)).app.orgId).toBe(orgId);
    expect((await owner.api.getApps()).apps.map((a) => a.id)).not.toContain(app.id);
    // Out of the org: the org's owner only.
    expect((await call(admin.per, 'POST', `/dash/apps/${app.id}/transfer_to_user`)).json.hint).toMatchObject({ 'required-role': 'owner', role: 'admin' });
    const back = await call(owner.per, 'POST', `/dash/apps/${app.id}/transfer_to_user`);
    expect(back.json.app).toMatchObject({ id: app.id, org_id: null, creator_id: owner.id });
    expect((await rejection(collab.api.getApp(app.id))).status).toBe(404);
    expect((await owner.api.getApps()).apps.map((a) => a.id)).toContain(app.id);
    // An org that still has apps cannot be deleted.
    expect((await call(owner.per, 'DELETE', `/dash/orgs/${orgId}`)).json.message).toMatch(/still has \d+ app/);
  });

  it('members manage roles only up to their own; the last owner stays', async () => {
    const members = (await call(owner.per, 'GET', `/dash/orgs/${orgId}`)).json.members as Array<{ id: string; email: string }>;
    const idOf = (who: Person) => members.find((m) => m.email === who.email)!.id;
    expect((await invite(admin, outsider.email, 'owner')).status).toBe(403);
    expect((await call(admin.per, 'DELETE', `/dash/orgs/${orgId}/members/remove`, { id: idOf(owner) })).status).toBe(403);
    expect((await call(admin.per, 'POST', `/dash/orgs/${orgId}/members/update`, { id: idOf(collab), role: 'owner' })).status).toBe(403);
    expect((await call(collab.per, 'POST', `/dash/orgs/${orgId}/members/update`, { id: idOf(collab), role: 'admin' })).status).toBe(403);
    expect((await call(owner.per, 'DELETE', `/dash/orgs/${orgId}/members/remove`, { id: idOf(owner) })).json.message).toMatch(/at least one owner/);
  });

  it('removing a member ends their reach at once, for every token they hold', async () => {
    const { app } = await owner.api.createApp({ title: 'After removal', orgId });
    const grant = new PlatformApi({ apiURI, auth: { token: (await makeAccessToken(p.ctx, collab.id, ['apps-write'])).access } });
    expect((await grant.getApp(app.id)).app.id).toBe(app.id);
    const members = (await call(admin.per, 'GET', `/dash/orgs/${orgId}`)).json.members as Array<{ id: string; email: string }>;
    expect((await call(admin.per, 'DELETE', `/dash/orgs/${orgId}/members/remove`, { id: members.find((m) => m.email === collab.email)!.id })).status).toBe(200);
    for (const api of [collab.api, grant]) {
      expect((await rejection(api.getApp(app.id))).status).toBe(404);
      expect((await rejection(api.getAppsForOrg(orgId))).status).toBe(404);
      expect((await rejection(api.pushPerms(app.id, { perms: {} }))).status).toBe(404);
    }
    expect((await collab.api.getOrgs()).orgs).toEqual([]);
    expect((await call(collab.per, 'GET', `/dash/apps/${app.id}/auth`)).status).toBe(404);
  });

  it('an invitation is mailed to the address; an unverified account can neither accept one nor send one', async () => {
    const u = await createTestUser(p, { email: `late-${Math.random().toString(36).slice(2, 8)}@example.com`, verified: false });
    const late: Person = { id: u.id, email: u.email, per: await makePersonalToken(p.ctx, u.id), api: new PlatformApi({ apiURI, auth: { token: '' } }) };
    const outbox = p.ctx.mailer.outbox!;
    expect((await invite(owner, late.email, 'collaborator')).status).toBe(200);
    await expect.poll(() => outbox.find((m) => m.to === late.email)).toBeTruthy(); // mail leaves in the background
    const mail = outbox.find((m) => m.to === late.email)!;
    expect(mail.subject).toBe(`${owner.email} invited you to Acme on Instant`);
    expect(mail.text).toContain(`${p.issuer}/dash/orgs`);

    // Whoever signed up first with the address has not proved it is theirs: no membership until it is verified.
    const inviteId = await inviteIdFor(late);
    const refused = await call(late.per, 'POST', '/dash/invites/accept', { 'invite-id': inviteId });
    expect(refused.status).toBe(403);
    expect(refused.json.hint).toMatchObject({ reason: 'email-unverified' });
    const own = (await call(late.per, 'POST', '/dash/orgs', { title: 'Late' })).json.org as { id: string };
    const mailsBefore = outbox.length;
    const sent = await call(late.per, 'POST', `/dash/orgs/${own.id}/invite/send`, { 'invitee-email': 'someone-else@example.com', role: 'collaborator' });
    expect(sent.status).toBe(403);
    expect(sent.json.hint).toMatchObject({ reason: 'email-unverified' });
    expect(outbox.length).toBe(mailsBefore);

    await p.ctx.db.query('update users set email_verified_at = now() where id = $1', [u.id]);
    expect((await call(late.per, 'POST', '/dash/invites/accept', { 'invite-id': inviteId })).status).toBe(200);
    expect(((await call(late.per, 'GET', '/dash')).json.orgs as Array<{ id: string }>).map((o) => o.id)).toContain(orgId);
  });
});
