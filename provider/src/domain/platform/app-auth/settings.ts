import type { Ctx } from '../../context.ts';
import { nowDate } from '../../context.ts';
import { recordEvent } from '../../audit/events.ts';
import { ApiError } from '../../errors.ts';
import { isUniqueViolation, type Db } from '../../../store/index.ts';
import { isUuid } from '../../tokens.ts';
import * as store from '../../../store/app-auth.ts';
import type { ClientChanges, ClientRow, OriginRow as StoredOrigin, ProviderRow } from '../../../store/app-auth.ts';
import { host, invalid, optionalBoolean, optionalObject, optionalText, optionalUrl, requiredText } from './validate.ts';

/**
 * An app's auth settings as Instant's CLI manages them (`instant-cli auth origin|client`, docs/instant-compat.md §8):
 * redirect origins, OAuth service providers and clients. Configuration, stored per app and deleted with it; the
 * runtime that would sign app users in with them is Instant's, not this server's.
 */

export const MAX_PER_APP = 100;

export const SERVICES = ['generic', 'vercel', 'netlify', 'custom-scheme'] as const;
type Service = (typeof SERVICES)[number];

/** Who changes the settings: a user, or the app's admin token (which Instant's CLI sends when the project has one). */
export type Actor = { userId: string } | { adminTokenId: string };

export async function auditAuth(ctx: Ctx, db: Db, actor: Actor, appId: string, action: string, details: Record<string, unknown> = {}) {
  const who = 'userId' in actor ? { actor: actor.userId, userId: actor.userId } : { actor: `admin-token:${actor.adminTokenId}` };
  await recordEvent({ ...ctx, db }, { event: 'app_auth.changed', ...who, details: { app_id: appId, action, ...details } });
}

async function underLimit(db: Db, kind: 'origins' | 'providers' | 'clients', appId: string, what: string): Promise<void> {
  const n = await store.countAppAuthRows(db, kind, appId);
  if (n >= MAX_PER_APP) throw invalid([what], `has reached the limit of ${MAX_PER_APP} for one app`);
}

// ---- redirect origins

type OriginRow = StoredOrigin<Service>;
const originJson = (o: OriginRow) => ({ id: o.id, service: o.service, params: o.params, created_at: o.created_at.toISOString() });

/** `{service, params}` checked per service: the shapes the CLI sends (`auth origin add --type …`). */
export function parseOrigin(b: Record<string, unknown>): { service: Service; params: string[] } {
  const service = b.service;
  if (service === undefined || service === null) throw ApiError.paramMissing('service');
  if (typeof service !== 'string' || !(SERVICES as readonly string[]).includes(service)) throw invalid(['service'], `must be one of ${SERVICES.join(', ')}`);
  const params = b.params;
  if (!Array.isArray(params)) throw invalid(['params'], 'must be an array of strings');
  const count: Record<Service, number> = { generic: 1, vercel: 2, netlify: 1, 'custom-scheme': 1 };
  if (params.length !== count[service as Service]) throw invalid(['params'], `must have ${count[service as Service]} item(s) for ${service}`);
  switch (service as Service) {
    case 'generic':
      return { service: 'generic', params: [host(params[0], ['params', 0])] };
    case 'vercel': {
      const domain = host(params[0], ['params', 0]);
      const project = requiredText(params[1], ['params', 1], 100);
      if (!/^[a-z0-9][a-z0-9._-]*$/i.test(project)) throw invalid(['params', 1], 'must be a Vercel project name (letters, digits, . _ -)');
      return { service: 'vercel', params: [domain, project.toLowerCase()] };
    }
    case 'netlify': {
      const site = requiredText(params[0], ['params', 0], 63);
      if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i.test(site)) throw invalid(['params', 0], 'must be a Netlify site name (letters, digits, -)');
      return { service: 'netlify', params: [site.toLowerCase()] };
    }
    case 'custom-scheme': {
      // RFC 3986 §3.1; http and https are websites, not app schemes.
      const scheme = requiredText(params[0], ['params', 0], 64).toLowerCase();
      if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw invalid(['params', 0], 'must be a URL scheme (a letter, then letters, digits, + . -)');
      if (scheme === 'http' || scheme === 'https') throw invalid(['params', 0], 'must not be http or https: add a website origin instead');
      return { service: 'custom-scheme', params: [scheme] };
    }
  }
}

export async function listOrigins(db: Db, appId: string): Promise<OriginRow[]> {
  return store.listOrigins<Service>(db, appId);
}

export async function addOrigin(ctx: Ctx, actor: Actor, appId: string, b: Record<string, unknown>) {
  const { service, params } = parseOrigin(b);
  return ctx.db.tx(async (db) => {
    await underLimit(db, 'origins', appId, 'authorized_redirect_origins');
    if (await store.hasOrigin(db, appId, service, params)) throw invalid(['params'], 'is already an authorized origin of this app');
    const row = await store.insertOrigin(db, { id: ctx.random.uuid(), appId, service, params, now: nowDate(ctx) });
    await auditAuth(ctx, db, actor, appId, 'origin_added', { origin_id: row.id, service });
    return { origin: originJson(row) };
  });
}

export async function removeOrigin(ctx: Ctx, actor: Actor, appId: string, originId: string) {
  return ctx.db.tx(async (db) => {
    const row = isUuid(originId) ? await store.deleteOrigin<Service>(db, appId, originId.toLowerCase()) : undefined;
    if (!row) throw ApiError.notFound('authorized-redirect-origin', 'No such authorized origin on this app');
    await auditAuth(ctx, db, actor, appId, 'origin_removed', { origin_id: row.id });
    return { origin: originJson(row) };
  });
}

// ---- OAuth service providers and clients

const providerJson = (p: ProviderRow) => ({ id: p.id, provider_name: p.provider_name, created_at: p.created_at.toISOString() });

export async function addProvider(ctx: Ctx, actor: Actor, appId: string, b: Record<string, unknown>) {
  const name = requiredText(b.provider_name, ['provider_name'], 64).toLowerCase();
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw invalid(['provider_name'], 'must be a provider name (google, github, apple, linkedin, clerk, firebase, …)');
  return ctx.db.tx(async (db) => {
    await underLimit(db, 'providers', appId, 'oauth_service_providers');
    try {
      const row = await store.insertProvider(db, { id: ctx.random.uuid(), appId, name, now: nowDate(ctx) });
      await auditAuth(ctx, db, actor, appId, 'provider_added', { provider_id: row.id, provider_name: name });
      return { provider: providerJson(row) };
    } catch (err) {
      if (isUniqueViolation(err)) throw invalid(['provider_name'], 'is already a provider of this app');
      throw err;
    }
  });
}

/** The client secret is never stored, so never sent back; `client_secret_set` says one was given. */
const clientJson = (c: ClientRow) => ({ ...c, created_at: c.created_at.toISOString(), updated_at: c.updated_at.toISOString() });

/** The updatable fields of a client (`auth client add|update`): each optional, each checked. Only whether a secret was given is kept. */
function clientFields(b: Record<string, unknown>): ClientChanges {
  return {
    client_id: optionalText(b.client_id, ['client_id'], 512),
    client_secret_set: optionalText(b.client_secret, ['client_secret'], 8192) !== null,
    discovery_endpoint: optionalUrl(b.discovery_endpoint, ['discovery_endpoint']),
    redirect_to: optionalUrl(b.redirect_to, ['redirect_to']),
    meta: optionalObject(b.meta, ['meta'], 8192),
    use_shared_credentials: optionalBoolean(b.use_shared_credentials, ['use_shared_credentials']),
  };
}

export async function addClient(ctx: Ctx, actor: Actor, appId: string, b: Record<string, unknown>) {
  const providerId = b.provider_id;
  if (providerId === undefined || providerId === null) throw ApiError.paramMissing('provider_id');
  if (typeof providerId !== 'string' || !isUuid(providerId)) throw invalid(['provider_id'], 'must be the id of one of this app’s OAuth providers');
  const name = requiredText(b.client_name, ['client_name'], 100);
  const f = clientFields(b);
  const authorization = optionalUrl(b.authorization_endpoint, ['authorization_endpoint']);
  const token = optionalUrl(b.token_endpoint, ['token_endpoint']);
  const now = nowDate(ctx);
  return ctx.db.tx(async (db) => {
    if (!(await store.hasProvider(db, appId, providerId.toLowerCase()))) throw invalid(['provider_id'], 'must be the id of one of this app’s OAuth providers');
    await underLimit(db, 'clients', appId, 'oauth_clients');
    try {
      const row = await store.insertClient(db, { ...f, id: ctx.random.uuid(), appId, providerId: providerId.toLowerCase(), clientName: name, authorizationEndpoint: authorization, tokenEndpoint: token, now });
      await auditAuth(ctx, db, actor, appId, 'client_added', { oauth_client_id: row.id });
      return { client: clientJson(row) };
    } catch (err) {
      if (isUniqueViolation(err)) throw invalid(['client_name'], 'is already in use on this app');
      throw err;
    }
  });
}

export async function updateClient(ctx: Ctx, actor: Actor, appId: string, clientId: string, b: Record<string, unknown>) {
  const f = clientFields(b);
  return ctx.db.tx(async (db) => {
    const row = isUuid(clientId) ? await store.updateClient(db, appId, clientId.toLowerCase(), f, nowDate(ctx)) : undefined;
    if (!row) throw ApiError.notFound('oauth-client', 'No such OAuth client on this app');
    await auditAuth(ctx, db, actor, appId, 'client_updated', { oauth_client_id: row.id });
    return { client: clientJson(row) };
  });
}

export async function removeClient(ctx: Ctx, actor: Actor, appId: string, clientId: string) {
  return ctx.db.tx(async (db) => {
    const row = isUuid(clientId) ? await store.deleteClient(db, appId, clientId.toLowerCase()) : undefined;
    if (!row) throw ApiError.notFound('oauth-client', 'No such OAuth client on this app');
    await auditAuth(ctx, db, actor, appId, 'client_removed', { oauth_client_id: row.id });
    return { client: clientJson(row) };
  });
}

/** `GET /dash/apps/:id/auth`: everything above, in the CLI's shape. */
export async function appAuth(ctx: Ctx, appId: string) {
  const providers = await store.listProviders(ctx.db, appId);
  const clients = await store.listClients(ctx.db, appId);
  return {
    authorized_redirect_origins: (await listOrigins(ctx.db, appId)).map(originJson),
    oauth_service_providers: providers.map(providerJson),
    oauth_clients: clients.map(clientJson),
  };
}
