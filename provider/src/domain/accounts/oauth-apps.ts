import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../../store/index.ts';
import { generateToken, hashToken, isUuid } from '../tokens.ts';
import { revokeGrant, revokeTokensOfClient } from '../oauth/grants.ts';
import { redirectUriProblem } from './redirect-uris.ts';
import { LIMITS } from './validation.ts';

/** Self-service OAuth apps and their clients (docs/api.md §8). Every function checks the caller owns the app. */

export const MAX_APPS_PER_USER = 50;
export const MAX_CLIENTS_PER_APP = 20;
/** Live secrets a confidential client may have: two, so a secret can be rotated without downtime. */
export const MAX_LIVE_SECRETS = 2;

export interface OAuthApp {
  id: string;
  name: string;
  home_page: string | null;
  logo: string | null;
  support_email: string | null;
  status: 'test' | 'published' | 'suspended';
  created_at: Date;
}

export interface ClientSecretInfo {
  id: string;
  created_at: Date;
}

export interface OAuthClient {
  client_id: string;
  oauth_app_id: string;
  name: string;
  is_public: boolean;
  redirect_uris: string[];
  created_at: Date;
  secrets: ClientSecretInfo[];
}

export type OAuthAppWithClients = OAuthApp & { clients: OAuthClient[] };

const APP_COLUMNS = 'a.id, a.name, a.home_page, a.logo, a.support_email, a.status, a.created_at';

export function clientJson(c: OAuthClient) {
  return {
    client_id: c.client_id,
    oauth_app_id: c.oauth_app_id,
    name: c.name,
    public: c.is_public,
    token_endpoint_auth_method: c.is_public ? 'none' : 'client_secret_basic',
    redirect_uris: c.redirect_uris,
    created_at: c.created_at.toISOString(),
    secrets: c.secrets.map((s) => ({ id: s.id, created_at: s.created_at.toISOString() })),
  };
}

export function oauthAppJson(a: OAuthApp & { clients?: OAuthClient[] }) {
  return {
    id: a.id,
    name: a.name,
    home_page: a.home_page,
    logo: a.logo,
    support_email: a.support_email,
    status: a.status,
    created_at: a.created_at.toISOString(),
    ...(a.clients ? { clients: a.clients.map(clientJson) } : {}),
  };
}

/** A new OAuth app of the user. It starts in test mode: only its owner can authorize it (docs/security.md §12). */
export async function createOAuthApp(
  ctx: Ctx,
  ownerId: string,
  input: { name: string; home_page?: string | undefined; logo?: string | undefined; support_email?: string | undefined },
): Promise<OAuthAppWithClients> {
  const n = await ctx.db.one<{ n: number }>(`select count(*)::int as n from oauth_apps where owner_id = $1`, [ownerId]);
  if ((n?.n ?? 0) >= MAX_APPS_PER_USER) throw ApiError.validation(`You have ${MAX_APPS_PER_USER} OAuth apps; delete one first`);
  const app = await ctx.db.one<OAuthApp>(
    `insert into oauth_apps as a (id, owner_id, name, home_page, logo, support_email, status, created_at)
     values ($1, $2, $3, $4, $5, $6, 'test', $7) returning ${APP_COLUMNS}`,
    [ctx.random.uuid(), ownerId, input.name, input.home_page ?? null, input.logo ?? null, input.support_email ?? null, nowDate(ctx)],
  );
  return { ...app!, clients: [] };
}

/** The user's apps with their clients, newest first. */
export async function listOAuthApps(ctx: Ctx, ownerId: string): Promise<OAuthAppWithClients[]> {
  const apps = await ctx.db.query<OAuthApp>(`select ${APP_COLUMNS} from oauth_apps a where a.owner_id = $1 order by a.created_at desc, a.id`, [ownerId]);
  const clients = await clientsWhere(ctx.db, `a.owner_id = $1`, [ownerId]);
  return apps.map((a) => ({ ...a, clients: clients.filter((c) => c.oauth_app_id === a.id) }));
}

/** One of the user's apps; another user's or an unknown id → 404. */
export async function getOAuthApp(ctx: Ctx, ownerId: string, appId: string): Promise<OAuthAppWithClients> {
  const app = await ownedApp(ctx.db, ownerId, appId);
  return { ...app, clients: await clientsWhere(ctx.db, `c.oauth_app_id = $1`, [app.id]) };
}

/** Changes an app's name, home page, logo or support email; `null` or `""` clears an optional field. */
export async function updateOAuthApp(
  ctx: Ctx,
  ownerId: string,
  appId: string,
  patch: { name?: string | undefined; home_page?: string | null | undefined; logo?: string | null | undefined; support_email?: string | null | undefined },
): Promise<OAuthAppWithClients> {
  const app = await ownedApp(ctx.db, ownerId, appId);
  const pick = (v: string | null | undefined, old: string | null) => (v === undefined ? old : v === '' ? null : v);
  await ctx.db.query(`update oauth_apps set name = $2, home_page = $3, logo = $4, support_email = $5 where id = $1`, [
    app.id,
    patch.name ?? app.name,
    pick(patch.home_page, app.home_page),
    pick(patch.logo, app.logo),
    pick(patch.support_email, app.support_email),
  ]);
  return getOAuthApp(ctx, ownerId, app.id);
}

/** Deletes an app with its clients and grants; every token of it ends first (docs/security.md §13, via domain/oauth/grants.ts). */
export async function deleteOAuthApp(ctx: Ctx, ownerId: string, appId: string): Promise<void> {
  const app = await ownedApp(ctx.db, ownerId, appId);
  const clients = await ctx.db.query<{ client_id: string }>(`select client_id from oauth_clients where oauth_app_id = $1`, [app.id]);
  for (const c of clients) await revokeTokensOfClient(ctx, c.client_id);
  const grants = await ctx.db.query<{ id: string }>(`select id from grants where oauth_app_id = $1 and revoked_at is null`, [app.id]);
  for (const g of grants) await revokeGrant(ctx, g.id);
  await ctx.db.query(`delete from oauth_apps where id = $1`, [app.id]);
}

/**
 * Registers a client of an app. A confidential client gets a secret, returned once and stored only as
 * its SHA-256; a public client (native or browser app) has none and must use PKCE.
 */
export async function createClient(
  ctx: Ctx,
  ownerId: string,
  appId: string,
  input: { name: string; redirect_uris: string[]; public: boolean },
): Promise<{ client: OAuthClient; clientSecret: string | null }> {
  const uris = checkRedirectUris(input.redirect_uris, input.public);
  const now = nowDate(ctx);
  const clientId = ctx.random.uuid();
  const secret = input.public ? null : generateToken(ctx.random, 'client_secret');
  await ctx.db.tx(async (db) => {
    const app = await ownedApp(db, ownerId, appId, true);
    const n = await db.one<{ n: number }>(`select count(*)::int as n from oauth_clients where oauth_app_id = $1`, [app.id]);
    if ((n?.n ?? 0) >= MAX_CLIENTS_PER_APP) throw ApiError.validation(`An app has at most ${MAX_CLIENTS_PER_APP} clients`);
    await db.query(
      `insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, created_at) values ($1, $2, $3, $4, $5, $6)`,
      [clientId, app.id, input.name, input.public, uris, now],
    );
    if (secret) await insertSecret(ctx, db, clientId, secret, now);
  });
  return { client: await getClient(ctx, ownerId, appId, clientId), clientSecret: secret };
}

/** One client of one of the user's apps; else 404. */
export async function getClient(ctx: Ctx, ownerId: string, appId: string, clientId: string, db: Db = ctx.db): Promise<OAuthClient> {
  const app = await ownedApp(db, ownerId, appId);
  if (!CLIENT_ID.test(clientId)) throw ApiError.notFound('oauth-client', 'No such client');
  const [client] = await clientsWhere(db, `c.oauth_app_id = $1 and c.client_id = $2`, [app.id, clientId]);
  if (!client) throw ApiError.notFound('oauth-client', 'No such client');
  return client;
}

/** Adds a redirect URI (validated as at registration; at most 10). */
export async function addRedirectUri(ctx: Ctx, ownerId: string, appId: string, clientId: string, uri: string): Promise<OAuthClient> {
  await ctx.db.tx(async (db) => {
    const client = await lockedClient(db, ownerId, appId, clientId);
    checkRedirectUris([uri], client.is_public);
    if (client.redirect_uris.includes(uri)) throw ApiError.validation('That redirect URI is already registered');
    if (client.redirect_uris.length >= LIMITS.redirectUris) throw ApiError.validation(`A client has at most ${LIMITS.redirectUris} redirect URIs`);
    await db.query(`update oauth_clients set redirect_uris = array_append(redirect_uris, $2::text) where client_id = $1`, [clientId, uri]);
  });
  return getClient(ctx, ownerId, appId, clientId);
}

/** Removes a redirect URI; the last one cannot be removed (a client needs somewhere to redirect). */
export async function removeRedirectUri(ctx: Ctx, ownerId: string, appId: string, clientId: string, uri: string): Promise<OAuthClient> {
  await ctx.db.tx(async (db) => {
    const client = await lockedClient(db, ownerId, appId, clientId);
    if (!client.redirect_uris.includes(uri)) throw ApiError.notFound('redirect-uri', 'That redirect URI is not registered for this client');
    if (client.redirect_uris.length === 1) throw ApiError.validation('A client needs at least one redirect URI; add another before removing this one');
    await db.query(`update oauth_clients set redirect_uris = array_remove(redirect_uris, $2::text) where client_id = $1`, [clientId, uri]);
  });
  return getClient(ctx, ownerId, appId, clientId);
}

/**
 * Adds a second live secret to a confidential client. Both authenticate until the old one is revoked,
 * so a deployment can switch without downtime. With two live already, revoke one first.
 */
export async function rotateClientSecret(ctx: Ctx, ownerId: string, appId: string, clientId: string): Promise<{ clientSecret: string; secretId: string }> {
  const secret = generateToken(ctx.random, 'client_secret');
  const secretId = await ctx.db.tx(async (db) => {
    const client = await lockedClient(db, ownerId, appId, clientId);
    if (client.is_public) throw ApiError.validation('A public client has no secret');
    if (client.secrets.length >= MAX_LIVE_SECRETS) {
      throw ApiError.validation('This client already has two live secrets; revoke the old one before rotating again');
    }
    return insertSecret(ctx, db, clientId, secret, nowDate(ctx));
  });
  return { clientSecret: secret, secretId };
}

/** Revokes one secret of a client; its only live secret cannot be revoked (rotate first). */
export async function revokeClientSecret(ctx: Ctx, ownerId: string, appId: string, clientId: string, secretId: string): Promise<OAuthClient> {
  await ctx.db.tx(async (db) => {
    const client = await lockedClient(db, ownerId, appId, clientId);
    if (!client.secrets.some((s) => s.id === secretId)) throw ApiError.notFound('client-secret', 'No such live secret');
    if (client.secrets.length === 1) throw ApiError.validation('This is the only live secret; rotate to make a new one before revoking it');
    await db.query(`update client_secrets set revoked_at = $3 where id = $1 and client_id = $2`, [secretId, clientId, nowDate(ctx)]);
  });
  return getClient(ctx, ownerId, appId, clientId);
}

/** Deletes a client; every token it holds ends at once (docs/security.md §13, via domain/oauth/grants.ts). */
export async function deleteClient(ctx: Ctx, ownerId: string, appId: string, clientId: string): Promise<void> {
  const client = await getClient(ctx, ownerId, appId, clientId);
  await revokeTokensOfClient(ctx, client.client_id);
  await ctx.db.query(`delete from oauth_clients where client_id = $1 and oauth_app_id = $2`, [client.client_id, client.oauth_app_id]);
}

function checkRedirectUris(uris: string[], isPublic: boolean): string[] {
  if (uris.length === 0) throw ApiError.validation('Add at least one redirect URI');
  if (uris.length > LIMITS.redirectUris) throw ApiError.validation(`At most ${LIMITS.redirectUris} redirect URIs`);
  const errors = uris.flatMap((u, i) => {
    const problem = redirectUriProblem(u, isPublic);
    return problem ? [{ path: ['redirect_uris', i], message: problem }] : [];
  });
  if (errors.length) throw ApiError.validation(`redirect_uris.${errors[0]!.path[1]}: ${errors[0]!.message}`, errors);
  return [...new Set(uris)];
}

async function insertSecret(ctx: Ctx, db: Db, clientId: string, secret: string, now: Date): Promise<string> {
  const id = ctx.random.uuid();
  await db.query(`insert into client_secrets (id, client_id, secret_hash, created_at) values ($1, $2, $3, $4)`, [id, clientId, hashToken(secret), now]);
  return id;
}

/** A client_id we could have issued (ours are UUIDs; seeded and dynamic ones printable ASCII). */
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

async function ownedApp(db: Db, ownerId: string, appId: string, lock = false): Promise<OAuthApp> {
  if (!isUuid(appId)) throw ApiError.notFound('oauth-app', 'No such OAuth app');
  const app = await db.one<OAuthApp>(
    `select ${APP_COLUMNS} from oauth_apps a where a.id = $1 and a.owner_id = $2${lock ? ' for update' : ''}`,
    [appId, ownerId],
  );
  if (!app) throw ApiError.notFound('oauth-app', 'No such OAuth app');
  return app;
}

/** The client, locked for the rest of the transaction, after checking the user owns its app. */
async function lockedClient(db: Db, ownerId: string, appId: string, clientId: string): Promise<OAuthClient> {
  const app = await ownedApp(db, ownerId, appId);
  if (!CLIENT_ID.test(clientId)) throw ApiError.notFound('oauth-client', 'No such client');
  const row = await db.one(`select 1 from oauth_clients where client_id = $1 and oauth_app_id = $2 for update`, [clientId, app.id]);
  if (!row) throw ApiError.notFound('oauth-client', 'No such client');
  const [client] = await clientsWhere(db, `c.client_id = $1`, [clientId]);
  return client!;
}

async function clientsWhere(db: Db, where: string, params: unknown[]): Promise<OAuthClient[]> {
  const rows = await db.query<Omit<OAuthClient, 'secrets'> & { secrets: Array<{ id: string; created_at: string }> | null }>(
    `select c.client_id, c.oauth_app_id, c.name, c.is_public, c.redirect_uris, c.created_at,
            (select json_agg(json_build_object('id', s.id, 'created_at', s.created_at) order by s.created_at, s.id)
               from client_secrets s where s.client_id = c.client_id and s.revoked_at is null) as secrets
       from oauth_clients c join oauth_apps a on a.id = c.oauth_app_id
      where ${where}
      order by c.created_at, c.client_id`,
    params,
  );
  return rows.map((r) => ({ ...r, secrets: (r.secrets ?? []).map((s) => ({ id: s.id, created_at: new Date(s.created_at) })) }));
}
