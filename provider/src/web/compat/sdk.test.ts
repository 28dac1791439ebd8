import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { exchangeCodeForToken, exchangeRefreshToken, i, PlatformApi } from '@instantdb/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { authorizeInBrowser, createTestClient, createTestUser, sessionCookie } from '../../testing/fixtures.ts';
import { makeAccessToken, makePersonalToken, rejection } from '../../testing/platform.ts';

/**
 * Instant's own published Platform SDK (`@instantdb/platform`) against this server over a real socket,
 * with only the base URL changed (docs/api.md intro).
 */
let p: TestProvider;
let server: ServerType;
let apiURI: string;
let per: string;
let pat: string;
let userId: string;

beforeAll(async () => {
  p = await createTestProvider();
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: p.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  apiURI = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const user = await createTestUser(p);
  userId = user.id;
  per = await makePersonalToken(p.ctx, user.id);
  pat = (await makeAccessToken(p.ctx, user.id, ['apps-write'])).access;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await p.close();
});

const booksSchema = i.schema({
  entities: {
    books: i.entity({ title: i.string(), pages: i.number().optional() }),
  },
});

describe("Instant's @instantdb/platform SDK", () => {
  it('createTemporaryApp with schema and rules', async () => {
    const api = new PlatformApi({ apiURI });
    const perms = { books: { allow: { view: 'true', create: 'false' } } };
    const { app, expiresMs } = await api.createTemporaryApp({ title: 'Temp books', schema: booksSchema, rules: { code: perms } });
    expect(app.title).toBe('Temp books');
    expect(app.adminToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(expiresMs).toBe(app.createdAt.getTime() + 14 * 86_400_000);
    const admin = new PlatformApi({ apiURI, auth: { token: app.adminToken } });
    const { schema } = await admin.getSchema(app.id);
    expect(Object.keys(schema.entities)).toEqual(['books']);
    expect(schema.entities.books!.attrs.title!.valueType).toBe('string');
    expect((await admin.getPerms(app.id)).perms).toEqual(perms);
  });

  for (const [kind, token] of [
    ['a personal access token (per_)', () => per],
    ['an OAuth access token (pat_)', () => pat],
  ] as const) {
    it(`createApp, getApps, getApp, updateApp, deleteApp with ${kind}`, async () => {
      const api = new PlatformApi({ apiURI, auth: { token: token() } });
      const perms = { $default: { allow: { $default: 'false' } } };
      const { app } = await api.createApp({ title: `Made with ${kind}`, schema: booksSchema, perms });
      expect(app.adminToken).toMatch(/^[0-9a-f-]{36}$/);
      expect(app.createdAt).toBeInstanceOf(Date);
      const { apps } = await api.getApps({ includeSchema: true, includePerms: true });
      const listed = apps.find((a) => a.id === app.id)!;
      expect(listed.perms).toEqual(perms);
      expect(Object.keys(listed.schema.entities)).toEqual(['books']);
      expect(listed.schema.entities.books!.attrs.pages!.required).toBe(false);
      const { app: one } = await api.getApp(app.id, { includeSchema: true, includePerms: true });
      expect(one).toMatchObject({ id: app.id, title: `Made with ${kind}`, perms });
      expect((await api.updateApp(app.id, { title: 'Renamed' })).app.title).toBe('Renamed');
      expect((await api.deleteApp(app.id)).app.id).toBe(app.id);
      expect((await rejection(api.getApp(app.id))).status).toBe(404);
    });
  }

  it('getSchema, getPerms, pushPerms', async () => {
    const api = new PlatformApi({ apiURI, auth: { token: per } });
    const { app } = await api.createApp({ title: 'Perms' });
    expect((await api.getPerms(app.id)).perms).toBeNull();
    const rules = { books: { allow: { view: 'auth.id != null', update: 'isOwner' }, bind: ['isOwner', 'auth.id == data.ownerId'] } };
    expect((await api.pushPerms(app.id, { perms: rules })).perms).toEqual(rules);
    expect((await api.getPerms(app.id)).perms).toEqual(rules);
    expect((await api.getSchema(app.id)).schema.entities).toEqual({});
    const bad = await rejection(api.pushPerms(app.id, { perms: { books: { allow: { view: 42 } } } as never }));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('code.books.allow.view');
  });

  it('planSchemaPush and schemaPush: an entity, a link, an index and a unique constraint', async () => {
    const api = new PlatformApi({ apiURI, auth: { token: per } });
    const { app } = await api.createApp({ title: 'Push', schema: booksSchema });
    const next = i.schema({
      entities: {
        books: i.entity({ title: i.string().indexed(), pages: i.number().optional(), isbn: i.string().unique().indexed() }),
        authors: i.entity({ name: i.string() }),
      },
      links: {
        bookAuthor: { forward: { on: 'books', has: 'one', label: 'author' }, reverse: { on: 'authors', has: 'many', label: 'books' } },
      },
    });
    const plan = await api.planSchemaPush(app.id, { schema: next });
    const types = plan.steps.map((s) => s.type);
    expect(types).toEqual(expect.arrayContaining(['add-attr', 'index']));
    expect(plan.steps.filter((s) => s.type === 'add-attr').map((s) => s.friendlyDescription)).toEqual([
      'Add attribute books.isbn.',
      'Create new entity authors.id.',
      'Add attribute authors.name.',
      'Link books.author to authors.books.',
    ]);
    expect(Object.keys(plan.newSchema.entities).sort()).toEqual(['authors', 'books']);
    // planning changes nothing
    expect(Object.keys((await api.getSchema(app.id)).schema.entities)).toEqual(['books']);

    const pushed = await api.schemaPush(app.id, { schema: next });
    expect(pushed.summary.errorCount).toBe(0);
    const indexStep = pushed.steps.find((s) => s.type === 'index');
    expect(indexStep && 'backgroundJob' in indexStep && indexStep.backgroundJob.status).toBe('completed');
    const { schema } = await api.getSchema(app.id);
    expect(schema.entities.books!.attrs.title!.config).toEqual({ indexed: true, unique: false });
    expect(schema.entities.books!.attrs.isbn!.config).toEqual({ indexed: true, unique: true });
    expect(schema.links.booksAuthor).toMatchObject({ forward: { on: 'books', has: 'one', label: 'author' }, reverse: { on: 'authors', has: 'many', label: 'books' } });

    // then add a unique constraint to an existing attribute; pushing the same schema again is a no-op
    const withUnique = i.schema({
      entities: {
        books: i.entity({ title: i.string().indexed().unique(), pages: i.number().optional(), isbn: i.string().unique().indexed() }),
        authors: i.entity({ name: i.string() }),
      },
      links: { bookAuthor: { forward: { on: 'books', has: 'one', label: 'author' }, reverse: { on: 'authors', has: 'many', label: 'books' } } },
    });
    const second = await api.schemaPush(app.id, { schema: withUnique });
    expect(second.steps.map((s) => s.type)).toEqual(['unique']);
    expect((await api.getSchema(app.id)).schema.entities.books!.attrs.title!.config.unique).toBe(true);
    expect((await api.planSchemaPush(app.id, { schema: withUnique })).steps).toEqual([]);
  });

  it('schemaPush reports its indexing jobs as progress: waiting when queued, completed on the first poll', async () => {
    const api = new PlatformApi({ apiURI, auth: { token: per } });
    const { app } = await api.createApp({ title: 'Progress', schema: booksSchema });
    const next = i.schema({ entities: { books: i.entity({ title: i.string().indexed().unique(), pages: i.number().optional() }) } });
    const events: Array<{ totalCount: number; completedCount: number; inProgressCount: number }> = [];
    const push = api.schemaPush(app.id, { schema: next });
    push.subscribe({ next: (s) => events.push(s) });
    const pushed = await push;
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.at(-1)).toMatchObject({ totalCount: 2, completedCount: 2, inProgressCount: 0 });
    expect(pushed.steps.map((s) => s.type).sort()).toEqual(['index', 'unique']);
    for (const s of pushed.steps) expect('backgroundJob' in s && s.backgroundJob.status).toBe('completed');
  });

  it('tokenInfo of an OAuth access token', async () => {
    const info = await new PlatformApi({ apiURI, auth: { token: pat } }).tokenInfo();
    expect(info.tokenType).toBe('Bearer');
    expect(info.scopes.split(' ')).toContain('apps-write');
    expect(info.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('exchangeCodeForToken and exchangeRefreshToken, server-side with a confidential client', async () => {
    const client = await createTestClient(p, { ownerId: userId });
    const { code } = await authorizeInBrowser(p, await sessionCookie(p, userId), { clientId: client.clientId, redirectUri: client.redirectUri, scope: 'apps-write' });
    const tokens = await exchangeCodeForToken({ apiURI, code: code!, clientId: client.clientId, clientSecret: client.clientSecret!, redirectUri: client.redirectUri });
    expect(tokens.accessToken).toMatch(/^pat_/);
    expect(tokens.refreshToken).toMatch(/^prt_/);
    expect(tokens.tokenType).toBe('Bearer');
    expect(tokens.expiresAt.getTime()).toBeGreaterThan(Date.now());
    const { apps } = await new PlatformApi({ apiURI, auth: { token: tokens.accessToken } }).getApps();
    expect(Array.isArray(apps)).toBe(true);
    const refreshed = await exchangeRefreshToken({ apiURI, clientId: client.clientId, clientSecret: client.clientSecret!, refreshToken: tokens.refreshToken });
    expect(refreshed.accessToken).toMatch(/^pat_/);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect((await new PlatformApi({ apiURI, auth: { token: refreshed.accessToken } }).tokenInfo()).scopes).toContain('apps-write');
    // PlatformApi with OAuth auth: a dead access token is refreshed (withRetry → refreshToken) and the call retried
    const seen: string[] = [];
    const auto = new PlatformApi({
      apiURI,
      auth: { accessToken: 'pat_' + '0'.repeat(64), refreshToken: tokens.refreshToken, clientId: client.clientId, clientSecret: client.clientSecret!, onRefresh: async (t) => void seen.push(t.accessToken) },
    });
    expect(Array.isArray((await auto.getApps()).apps)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^pat_/);
    // a used code is refused, with the SDK's typed error
    await expect(exchangeCodeForToken({ apiURI, code: code!, clientId: client.clientId, clientSecret: client.clientSecret!, redirectUri: client.redirectUri })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('schemaPush of a schema that declares $users and links to it, as Instant templates do', async () => {
    const api = new PlatformApi({ apiURI, auth: { token: per } });
    const { app } = await api.createApp({ title: 'With users' });
    const schema = i.schema({
      entities: {
        $users: i.entity({ email: i.string().unique().indexed().optional() }),
        todos: i.entity({ text: i.string(), done: i.boolean().optional() }),
      },
      links: { todoOwner: { forward: { on: 'todos', has: 'one', label: 'owner' }, reverse: { on: '$users', has: 'many', label: 'todos' } } },
    });
    await api.schemaPush(app.id, { schema });
    const pulled = (await api.getSchema(app.id)).schema;
    expect(Object.keys(pulled.entities).sort()).toEqual(['$users', 'todos']);
    expect(pulled.links.todosOwner).toMatchObject({ reverse: { on: '$users', label: 'todos', has: 'many' } });
    expect((await api.planSchemaPush(app.id, { schema })).steps).toEqual([]);
  });

  it('schemaPush with overwrite: the SDK computes steps itself and applies them through /dash', async () => {
    const api = new PlatformApi({ apiURI, auth: { token: per } });
    const { app } = await api.createApp({ title: 'Overwrite', schema: booksSchema });
    const next = i.schema({ entities: { books: i.entity({ title: i.string().indexed() }), tags: i.entity({ label: i.string().unique() }) } });
    const pushed = await api.schemaPush(app.id, { schema: next, overwrite: true });
    expect(pushed.steps.map((s) => s.type)).toEqual(expect.arrayContaining(['delete-attr', 'add-attr', 'index', 'unique']));
    const { schema } = await api.getSchema(app.id);
    expect(Object.keys(schema.entities).sort()).toEqual(['books', 'tags']);
    expect(Object.keys(schema.entities.books!.attrs)).toEqual(['title']);
    expect(schema.entities.tags!.attrs.label!.config.unique).toBe(true);
  });

  it('an admin token reaches only its own app', async () => {
    const api = new PlatformApi({ apiURI, auth: { token: per } });
    const { app: mine } = await api.createApp({ title: 'Mine' });
    const { app: other } = await api.createApp({ title: 'Other' });
    const admin = new PlatformApi({ apiURI, auth: { token: mine.adminToken } });
    expect((await admin.getApp(mine.id)).app.title).toBe('Mine');
    expect((await admin.updateApp(mine.id, { title: 'Mine 2' })).app.title).toBe('Mine 2');
    await admin.schemaPush(mine.id, { schema: booksSchema });
    expect(Object.keys((await admin.getSchema(mine.id)).schema.entities)).toEqual(['books']);
    const denied = await rejection(admin.getApp(other.id));
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/bound to one app/);
    expect((await rejection(admin.getSchema(other.id))).status).toBe(403);
    expect((await rejection(admin.getApps())).status).toBe(403);
    expect((await rejection(admin.deleteApp(mine.id))).status).toBe(403);
  });
});
