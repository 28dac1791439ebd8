import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { Db } from '../../store/index.ts';
import { generateToken, hashToken, isUuid } from '../tokens.ts';
import { revokeGrant, revokeTokensOfClient } from '../oauth/grants.ts';
import { redirectUriProblem } from './redirect-uris.ts';
import { LIMITS } from './validation.ts';
import {
  appendRedirectUri,
  clientById,
  clientIdsOfApp,
  clientOfApp,
  clientsOfApp,
  clientsOfOwner,
  countAppsOfOwner,
  countClientsOfApp,
  deleteClientOfApp,
  deleteOAuthAppRow,
  findOwnedApp,
  insertClient,
  insertClientSecret,
  insertOAuthApp,
  listAppsOfOwner,
  liveGrantIdsOfApp,
  lockClientOfApp,
  removeRedirectUriOf,
  revokeClientSecretRow,
  updateOAuthAppFields,
  type ClientSecretRow,
  type OAuthAppRow,
  type OAuthClientRow,
} from '../../store/oauth-apps.ts';

/** Self-service OAuth apps and their clients (docs/api.md §8). Every function checks the caller owns the app. */

export const MAX_APPS_PER_USER = 50;
export const MAX_CLIENTS_PER_APP = 20;
/** Live secrets a confidential client may have: two, so a secret can be rotated without downtime. */
export const MAX_LIVE_SECRETS = 2;

export type OAuthApp = OAuthAppRow;
export type ClientSecretInfo = ClientSecretRow;
export type OAuthClient = OAuthClientRow;

export type OAuthAppWithClients = OAuthApp & { clients: OAuthClient[] };

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
  if ((await countAppsOfOwner(ctx.db, ownerId)) >= MAX_APPS_PER_USER) throw ApiError.validation(`You have ${MAX_APPS_PER_USER} OAuth apps; delete one first`);
  const app = await insertOAuthApp(ctx.db, {
    id: ctx.random.uuid(),
    ownerId,
    name: input.name,
    homePage: input.home_page ?? null,
    logo: input.logo ?? null,
    supportEmail: input.support_email ?? null,
    createdAt: nowDate(ctx),
  });
  return { ...app, clients: [] };
}

/** The user's apps with their clients, newest first. */
export async function listOAuthApps(ctx: Ctx, ownerId: string): Promise<OAuthAppWithClients[]> {
  const apps = await listAppsOfOwner(ctx.db, ownerId);
  const clients = await clientsOfOwner(ctx.db, ownerId);
  return apps.map((a) => ({ ...a, clients: clients.filter((c) => c.oauth_app_id === a.id) }));
}

/** One of the user's apps; another user's or an unknown id → 404. */
export async function getOAuthApp(ctx: Ctx, ownerId: string, appId: string): Promise<OAuthAppWithClients> {
  const app = await ownedApp(ctx.db, ownerId, appId);
  return { ...app, clients: await clientsOfApp(ctx.db, app.id) };
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
  await updateOAuthAppFields(ctx.db, app.id, {
    name: patch.name ?? app.name,
    homePage: pick(patch.home_page, app.home_page),
    logo: pick(patch.logo, app.logo),
    supportEmail: pick(patch.support_email, app.support_email),
  });
  return getOAuthApp(ctx, ownerId, app.id);
}

/** Deletes an app with its clients and grants; every token of it ends first (docs/security.md §13, via domain/oauth/grants.ts). */
export async function deleteOAuthApp(ctx: Ctx, ownerId: string, appId: string): Promise<void> {
  const app = await ownedApp(ctx.db, ownerId, appId);
  for (const clientId of await clientIdsOfApp(ctx.db, app.id)) await revokeTokensOfClient(ctx, clientId);
  for (const grantId of await liveGrantIdsOfApp(ctx.db, app.id)) await revokeGrant(ctx, grantId);
  await deleteOAuthAppRow(ctx.db, app.id);
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
    if ((await countClientsOfApp(db, app.id)) >= MAX_CLIENTS_PER_APP) throw ApiError.validation(`An app has at most ${MAX_CLIENTS_PER_APP} clients`);
    await insertClient(db, { clientId, appId: app.id, name: input.name, isPublic: input.public, redirectUris: uris, createdAt: now });
    if (secret) await insertSecret(ctx, db, clientId, secret, now);
  });
  return { client: await getClient(ctx, ownerId, appId, clientId), clientSecret: secret };
}

/** One client of one of the user's apps; else 404. */
export async function getClient(ctx: Ctx, ownerId: string, appId: string, clientId: string, db: Db = ctx.db): Promise<OAuthClient> {
  const app = await ownedApp(db, ownerId, appId);
  if (!CLIENT_ID.test(clientId)) throw ApiError.notFound('oauth-client', 'No such client');
  const client = await clientOfApp(db, app.id, clientId);
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
    await appendRedirectUri(db, clientId, uri);
  });
  return getClient(ctx, ownerId, appId, clientId);
}

/** Removes a redirect URI; the last one cannot be removed (a client needs somewhere to redirect). */
export async function removeRedirectUri(ctx: Ctx, ownerId: string, appId: string, clientId: string, uri: string): Promise<OAuthClient> {
  await ctx.db.tx(async (db) => {
    const client = await lockedClient(db, ownerId, appId, clientId);
    if (!client.redirect_uris.includes(uri)) throw ApiError.notFound('redirect-uri', 'That redirect URI is not registered for this client');
    if (client.redirect_uris.length === 1) throw ApiError.validation('A client needs at least one redirect URI; add another before removing this one');
    await removeRedirectUriOf(db, clientId, uri);
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
    await revokeClientSecretRow(db, clientId, secretId, nowDate(ctx));
  });
  return getClient(ctx, ownerId, appId, clientId);
}

/** Deletes a client; every token it holds ends at once (docs/security.md §13, via domain/oauth/grants.ts). */
export async function deleteClient(ctx: Ctx, ownerId: string, appId: string, clientId: string): Promise<void> {
  const client = await getClient(ctx, ownerId, appId, clientId);
  await revokeTokensOfClient(ctx, client.client_id);
  await deleteClientOfApp(ctx.db, client.client_id, client.oauth_app_id);
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
  await insertClientSecret(db, { id, clientId, secretHash: hashToken(secret), createdAt: now });
  return id;
}

/** A client_id we could have issued (ours are UUIDs; seeded and dynamic ones printable ASCII). */
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

async function ownedApp(db: Db, ownerId: string, appId: string, lock = false): Promise<OAuthApp> {
  if (!isUuid(appId)) throw ApiError.notFound('oauth-app', 'No such OAuth app');
  const app = await findOwnedApp(db, ownerId, appId, lock);
  if (!app) throw ApiError.notFound('oauth-app', 'No such OAuth app');
  return app;
}

/** The client, locked for the rest of the transaction, after checking the user owns its app. */
async function lockedClient(db: Db, ownerId: string, appId: string, clientId: string): Promise<OAuthClient> {
  const app = await ownedApp(db, ownerId, appId);
  if (!CLIENT_ID.test(clientId)) throw ApiError.notFound('oauth-client', 'No such client');
  if (!(await lockClientOfApp(db, clientId, app.id))) throw ApiError.notFound('oauth-client', 'No such client');
  return (await clientById(db, clientId))!;
}
