import type { Ctx } from '../../context.ts';
import { nowDate } from '../../context.ts';
import { recordEvent } from '../../audit/events.ts';
import { ApiError } from '../../errors.ts';
import { isUniqueViolation, type Db } from '../../../store/index.ts';
import { isUuid } from '../../tokens.ts';
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

async function underLimit(db: Db, table: string, appId: string, what: string): Promise<void> {
  const n = (await db.one<{ n: number }>(`select count(*)::int as n from ${table} where app_id = $1`, [appId]))!.n;
  if (n >= MAX_PER_APP) throw invalid([what], `has reached the limit of ${MAX_PER_APP} for one app`);
}

// ---- redirect origins

interface OriginRow {
  id: string;
  service: Service;
  params: string[];
  created_at: Date;
}
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
  return db.query(`select id, service, params, created_at from app_redirect_origins where app_id = $1 order by created_at, id`, [appId]);
}

export async function addOrigin(ctx: Ctx, actor: Actor, appId: string, b: Record<string, unknown>) {
  const { service, params } = parseOrigin(b);
  return ctx.db.tx(async (db) => {
    await underLimit(db, 'app_redirect_origins', appId, 'authorized_redirect_origins');
    const dup = await db.one(`select 1 from app_redirect_origins where app_id = $1 and service = $2 and params = $3::jsonb`, [appId, service, JSON.stringify(params)]);
    if (dup) throw invalid(['params'], 'is already an authorized origin of this app');
    const row = (await db.one<OriginRow>(
      `insert into app_redirect_origins (id, app_id, service, params, created_at) values ($1, $2, $3, $4::jsonb, $5) returning id, service, params, created_at`,
      [ctx.random.uuid(), appId, service, JSON.stringify(params), nowDate(ctx)],
    ))!;
    await auditAuth(ctx, db, actor, appId, 'origin_added', { origin_id: row.id, service });
    return { origin: originJson(row) };
  });
}

export async function removeOrigin(ctx: Ctx, actor: Actor, appId: string, originId: string) {
  return ctx.db.tx(async (db) => {
    const row = isUuid(originId)
      ? await db.one<OriginRow>(`delete from app_redirect_origins where app_id = $1 and id = $2 returning id, service, params, created_at`, [appId, originId.toLowerCase()])
      : undefined;
    if (!row) throw ApiError.notFound('authorized-redirect-origin', 'No such authorized origin on this app');
    await auditAuth(ctx, db, actor, appId, 'origin_removed', { origin_id: row.id });
    return { origin: originJson(row) };
  });
}

// ---- OAuth service providers and clients

interface ProviderRow {
  id: string;
  provider_name: string;
  created_at: Date;
}
const providerJson = (p: ProviderRow) => ({ id: p.id, provider_name: p.provider_name, created_at: p.created_at.toISOString() });

export async function addProvider(ctx: Ctx, actor: Actor, appId: string, b: Record<string, unknown>) {
  const name = requiredText(b.provider_name, ['provider_name'], 64).toLowerCase();
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) throw invalid(['provider_name'], 'must be a provider name (google, github, apple, linkedin, clerk, firebase, …)');
  return ctx.db.tx(async (db) => {
    await underLimit(db, 'app_oauth_providers', appId, 'oauth_service_providers');
    try {
      const row = (await db.one<ProviderRow>(
        `insert into app_oauth_providers (id, app_id, provider_name, created_at) values ($1, $2, $3, $4) returning id, provider_name, created_at`,
        [ctx.random.uuid(), appId, name, nowDate(ctx)],
      ))!;
      await auditAuth(ctx, db, actor, appId, 'provider_added', { provider_id: row.id, provider_name: name });
      return { provider: providerJson(row) };
    } catch (err) {
      if (isUniqueViolation(err)) throw invalid(['provider_name'], 'is already a provider of this app');
      throw err;
    }
  });
}

interface ClientRow {
  id: string;
  provider_id: string;
  client_name: string;
  client_id: string | null;
  client_secret_set: boolean;
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  discovery_endpoint: string | null;
  redirect_to: string | null;
  meta: Record<string, unknown> | null;
  use_shared_credentials: boolean | null;
  created_at: Date;
  updated_at: Date;
}
const CLIENT_COLUMNS =
  'id, provider_id, client_name, client_id, client_secret_set, authorization_endpoint, token_endpoint, discovery_endpoint, redirect_to, meta, use_shared_credentials, created_at, updated_at';
/** The client secret is never stored, so never sent back; `client_secret_set` says one was given. */
const clientJson = (c: ClientRow) => ({ ...c, created_at: c.created_at.toISOString(), updated_at: c.updated_at.toISOString() });

/** The updatable fields of a client (`auth client add|update`): each optional, each checked. */
function clientFields(b: Record<string, unknown>) {
  return {
    client_id: optionalText(b.client_id, ['client_id'], 512),
    client_secret: optionalText(b.client_secret, ['client_secret'], 8192),
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
    const provider = await db.one(`select 1 from app_oauth_providers where app_id = $1 and id = $2`, [appId, providerId.toLowerCase()]);
    if (!provider) throw invalid(['provider_id'], 'must be the id of one of this app’s OAuth providers');
    await underLimit(db, 'app_oauth_clients', appId, 'oauth_clients');
    try {
      const row = (await db.one<ClientRow>(
        `insert into app_oauth_clients (id, app_id, provider_id, client_name, client_id, client_secret_set, authorization_endpoint, token_endpoint,
           discovery_endpoint, redirect_to, meta, use_shared_credentials, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $13) returning ${CLIENT_COLUMNS}`,
        [ctx.random.uuid(), appId, providerId.toLowerCase(), name, f.client_id, f.client_secret !== null, authorization, token, f.discovery_endpoint, f.redirect_to, f.meta && JSON.stringify(f.meta), f.use_shared_credentials, now],
      ))!;
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
    const row = isUuid(clientId)
      ? await db.one<ClientRow>(
          `update app_oauth_clients set client_id = coalesce($3, client_id), client_secret_set = client_secret_set or $4,
             discovery_endpoint = coalesce($5, discovery_endpoint), redirect_to = coalesce($6, redirect_to), meta = coalesce($7::jsonb, meta),
             use_shared_credentials = coalesce($8, use_shared_credentials), updated_at = $9
           where app_id = $1 and id = $2 returning ${CLIENT_COLUMNS}`,
          [appId, clientId.toLowerCase(), f.client_id, f.client_secret !== null, f.discovery_endpoint, f.redirect_to, f.meta && JSON.stringify(f.meta), f.use_shared_credentials, nowDate(ctx)],
        )
      : undefined;
    if (!row) throw ApiError.notFound('oauth-client', 'No such OAuth client on this app');
    await auditAuth(ctx, db, actor, appId, 'client_updated', { oauth_client_id: row.id });
    return { client: clientJson(row) };
  });
}

export async function removeClient(ctx: Ctx, actor: Actor, appId: string, clientId: string) {
  return ctx.db.tx(async (db) => {
    const row = isUuid(clientId) ? await db.one<ClientRow>(`delete from app_oauth_clients where app_id = $1 and id = $2 returning ${CLIENT_COLUMNS}`, [appId, clientId.toLowerCase()]) : undefined;
    if (!row) throw ApiError.notFound('oauth-client', 'No such OAuth client on this app');
    await auditAuth(ctx, db, actor, appId, 'client_removed', { oauth_client_id: row.id });
    return { client: clientJson(row) };
  });
}

/** `GET /dash/apps/:id/auth`: everything above, in the CLI's shape. */
export async function appAuth(ctx: Ctx, appId: string) {
  const providers = await ctx.db.query<ProviderRow>(`select id, provider_name, created_at from app_oauth_providers where app_id = $1 order by created_at, id`, [appId]);
  const clients = await ctx.db.query<ClientRow>(`select ${CLIENT_COLUMNS} from app_oauth_clients where app_id = $1 order by created_at, id`, [appId]);
  return {
    authorized_redirect_origins: (await listOrigins(ctx.db, appId)).map(originJson),
    oauth_service_providers: providers.map(providerJson),
    oauth_clients: clients.map(clientJson),
  };
}
