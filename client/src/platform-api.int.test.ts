import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InstantAPIError, InstantOAuthError } from './errors.ts';
import { PlatformApi, type RefreshedTokens } from './platform-api.ts';
import { i } from './schema.ts';
import { personalToken, signedIn, world, type TestProvider } from './testing/provider.ts';

const schema = i.schema({
  entities: {
    authors: i.entity({ name: i.string().unique().indexed() }),
    books: i.entity({ title: i.string().indexed(), pages: i.number().optional() }),
  },
  links: {
    bookAuthor: { forward: { on: 'books', has: 'one', label: 'author' }, reverse: { on: 'authors', has: 'many', label: 'books' } },
  },
});
const perms = { books: { allow: { view: 'true', create: 'auth.id != null', $default: 'false' } } };

describe('PlatformApi against the real provider', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let p: TestProvider;
  beforeEach(async () => {
    w = await world();
    p = w.p;
  });
  afterEach(async () => {
    await p.close();
  });

  /** A PlatformApi on OAuth tokens, with a fetch spy counting token-endpoint calls. */
  async function oauthApi(o: { rotate?: boolean } = {}) {
    const s = await signedIn(w, { rotate: o.rotate });
    const fetch = vi.fn(p.fetch);
    const refreshed: RefreshedTokens[] = [];
    const api = new PlatformApi({
      apiURI: p.issuer,
      fetch: fetch as typeof globalThis.fetch,
      auth: { accessToken: s.tokens.accessToken, refreshToken: s.tokens.refreshToken, clientId: s.client.clientId, clientSecret: s.client.clientSecret, onRefresh: (t) => void refreshed.push(t) },
    });
    const tokenCalls = () => fetch.mock.calls.filter(([u]) => String(u).includes('/platform/oauth/token')).length;
    return { ...s, api, fetch, refreshed, tokenCalls };
  }

  it('creates, reads, updates, lists and deletes apps with the SDK result shapes', async () => {
    const { api } = await oauthApi();
    const { app } = await api.createApp({ title: 'Library', schema, perms });
    expect(app).toMatchObject({ title: 'Library', orgId: null, perms });
    expect(app.createdAt).toBeInstanceOf(Date);
    expect(app.adminToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(app.schema!.entities).sort()).toEqual(['authors', 'books']);

    const got = await api.getApp(app.id, { includeSchema: true, includePerms: true });
    expect(got.app).toMatchObject({ id: app.id, title: 'Library', perms });
    expect(got.app.schema.entities.books!.attrs.title).toMatchObject({ valueType: 'string', config: { indexed: true, unique: false } });
    expect(got.app.schema.links.booksAuthor).toMatchObject({ forward: { on: 'books', has: 'one', label: 'author' }, reverse: { on: 'authors', has: 'many', label: 'books' } });

    expect((await api.updateApp(app.id, { title: 'Renamed' })).app.title).toBe('Renamed');
    const { apps } = await api.getApps({ includePerms: true });
    expect(apps.map((a) => [a.id, a.title, a.perms])).toEqual([[app.id, 'Renamed', perms]]);
    expect(await api.getOrgs()).toEqual({ orgs: [] });

    expect((await api.deleteApp(app.id)).app.id).toBe(app.id);
    const err = await api.getApp(app.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstantAPIError);
    expect(err).toMatchObject({ status: 404, type: 'record-not-found' });
  });

  it('reads and pushes perms and schema; pushing the same schema twice applies nothing', async () => {
    const { api } = await oauthApi();
    const { app } = await api.createApp({ title: 'Empty' });
    expect(await api.getPerms(app.id)).toEqual({ perms: null });
    expect(await api.pushPerms(app.id, { perms })).toEqual({ perms });
    expect(await api.getPerms(app.id)).toEqual({ perms });

    const plan = await api.planSchemaPush(app.id, { schema });
    expect(plan.steps.length).toBeGreaterThan(0);
    expect(plan.steps.map((s) => s.friendlyDescription)).toEqual(expect.arrayContaining(['Create new entity books.id.', 'Add attribute books.title.', 'Link books.author to authors.books.']));
    expect(Object.keys(plan.currentSchema.entities)).toEqual([]);

    const progress: string[] = [];
    const job = api.schemaPush(app.id, { schema });
    job.subscribe({ next: (s) => void progress.push(s.friendlyDescription) });
    const pushed = await job;
    expect(progress.length).toBeGreaterThan(0);
    expect(pushed.summary.errorCount).toBe(0);
    expect(pushed.summary.totalCount).toBe(plan.steps.length);
    expect(Object.keys(pushed.newSchema.entities).sort()).toEqual(['authors', 'books']);
    expect((await api.getSchema(app.id)).schema.entities.authors!.attrs.name).toMatchObject({ config: { unique: true, indexed: true } });

    expect((await api.planSchemaPush(app.id, { schema })).steps).toEqual([]);
    const again = await api.schemaPush(app.id, { schema });
    expect(again.steps).toEqual([]);
    expect(again.summary.totalCount).toBe(0);
  });

  it('creates temporary apps without auth', async () => {
    const api = new PlatformApi({ apiURI: p.issuer, fetch: p.fetch });
    const before = Date.now();
    const { app, expiresMs } = await api.createTemporaryApp({ title: 'Scratch', schema, perms });
    expect(app).toMatchObject({ title: 'Scratch', orgId: null });
    expect(app.adminToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(expiresMs).toBeGreaterThan(before + 13 * 24 * 3600 * 1000);
    // its admin token reaches its schema and perms
    const admin = new PlatformApi({ apiURI: p.issuer, fetch: p.fetch, auth: { token: app.adminToken } });
    expect((await admin.getPerms(app.id)).perms).toEqual(perms);
    expect(Object.keys((await admin.getSchema(app.id)).schema.entities).sort()).toEqual(['authors', 'books']);
  });

  it('tokenInfo describes the access token, expiry computed from now', async () => {
    const { api, tokens } = await oauthApi();
    const info = await api.tokenInfo();
    expect(info.tokenType).toBe('Bearer');
    expect(info.scopes.split(' ').sort()).toEqual([...tokens.scopes].sort());
    expect(Math.abs(info.expiresAt.getTime() - tokens.expiresAt.getTime())).toBeLessThan(10_000);
  });

  it('works with a personal access token', async () => {
    const api = new PlatformApi({ apiURI: p.issuer, fetch: p.fetch, auth: { token: await personalToken(p, w.cookie) } });
    const { app } = await api.createApp({ title: 'Via PAT' });
    expect((await api.getApps()).apps.map((a) => a.id)).toEqual([app.id]);
  });

  it('a revoked access token triggers exactly one refresh, which succeeds', async () => {
    const { api, oauth, tokens, tokenCalls, refreshed } = await oauthApi();
    await oauth.revoke(tokens.accessToken, 'access_token');
    expect((await api.getApps()).apps).toEqual([]);
    expect(tokenCalls()).toBe(1);
    expect(refreshed).toHaveLength(1);
    expect(api.token()).not.toBe(tokens.accessToken);
    // not rotated (confidential client): the same refresh token is kept
    expect(refreshed[0]!.refreshToken).toBe(tokens.refreshToken);
    await api.getApps();
    expect(tokenCalls()).toBe(1);
  });

  it('two concurrent calls with a revoked access token share one refresh', async () => {
    const { api, oauth, tokens, tokenCalls } = await oauthApi({ rotate: true });
    await oauth.revoke(tokens.accessToken, 'access_token');
    const [a, b] = await Promise.all([api.getApps(), api.getOrgs()]);
    expect(a.apps).toEqual([]);
    expect(b.orgs).toEqual([]);
    expect(tokenCalls()).toBe(1);
  });

  it('stores a rotated refresh token and reports it through onRefresh', async () => {
    const { api, oauth, tokens, refreshed } = await oauthApi({ rotate: true });
    await oauth.revoke(tokens.accessToken, 'access_token');
    await api.getApps();
    const rotated = refreshed[0]!.refreshToken;
    expect(rotated).toMatch(/^prt_/);
    expect(rotated).not.toBe(tokens.refreshToken);
    expect(api.currentRefreshToken()).toBe(rotated);
    // a second forced refresh presents the rotated token (the old one would be a reuse)
    await oauth.revoke(api.token(), 'access_token');
    await api.getApps();
    expect(refreshed).toHaveLength(2);
    expect(refreshed[1]!.refreshToken).not.toBe(rotated);
  });

  it('a revoked grant makes the refresh fail with invalid_grant', async () => {
    const { api, oauth, tokens } = await oauthApi();
    await oauth.revoke(tokens.refreshToken, 'refresh_token');
    const err = await api.getApps().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstantOAuthError);
    expect(err).toMatchObject({ reason: 'invalid_grant' });
  });
});
