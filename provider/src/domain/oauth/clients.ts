import type { Context } from 'hono';
import type { Ctx } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { hashToken, safeEqual } from '../tokens.ts';

export type AppStatus = 'test' | 'published' | 'suspended';

/** An OAuth client with the app it belongs to. */
export interface Client {
  client_id: string;
  oauth_app_id: string;
  name: string;
  is_public: boolean;
  redirect_uris: string[];
  rotate_refresh_tokens: boolean;
  app_name: string;
  app_home_page: string | null;
  app_logo: string | null;
  app_status: AppStatus;
  app_owner_id: string | null;
  app_allowed_scopes: string[] | null;
  app_dynamic: boolean;
  /** The operator's quota for this app's clients, requests a second; null → CLIENT_RATE_LIMIT (domain/limits/quota.ts). */
  app_rate_limit_per_s: number | null;
}

/** A client_id we could possibly have issued: printable, bounded. Anything else is unknown without a query. */
export const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

/** A client's columns (`Client`), for statements that join a client in: `select ${CLIENT_SELECT} from ${CLIENT_FROM} …`. */
export const CLIENT_SELECT = `c.client_id, c.oauth_app_id, c.name, c.is_public, c.redirect_uris, c.rotate_refresh_tokens,
            a.name as app_name, a.home_page as app_home_page, a.logo as app_logo, a.status as app_status,
            a.owner_id as app_owner_id, a.allowed_scopes as app_allowed_scopes, a.dynamic as app_dynamic,
            a.rate_limit_per_s as app_rate_limit_per_s`;
export const CLIENT_FROM = `oauth_clients c join oauth_apps a on a.id = c.oauth_app_id`;

export async function getClient(ctx: Ctx, clientId: string | undefined): Promise<Client | null> {
  if (!clientId || !CLIENT_ID.test(clientId)) return null;
  const row = await ctx.db.one<Client>(
    `select ${CLIENT_SELECT} from ${CLIENT_FROM} where c.client_id = $1`,
    [clientId],
  );
  return row ?? null;
}

/** The client with the hashes of its live secrets, in one statement (client authentication runs on every token request). */
async function getClientWithSecrets(ctx: Ctx, clientId: string): Promise<(Client & { secret_hashes: string[] }) | null> {
  if (!CLIENT_ID.test(clientId)) return null;
  const row = await ctx.db.one<Client & { secret_hashes: string[] }>(
    `select ${CLIENT_SELECT},
            array(select s.secret_hash from client_secrets s where s.client_id = c.client_id and s.revoked_at is null) as secret_hashes
       from ${CLIENT_FROM} where c.client_id = $1`,
    [clientId],
  );
  return row ?? null;
}

/** Public clients and rotating confidential clients get a new refresh token on every use (RFC 9700 §4.14.2). */
export function rotatesRefreshTokens(client: Client): boolean {
  return client.is_public || client.rotate_refresh_tokens;
}

/** RFC 6749 §2.3.1: client_secret_basic credentials are form-urlencoded before base64. */
function formDecode(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

interface Presented {
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
  clientId: string | undefined;
  secret?: string;
}

function presentedCredentials(c: Context, params: Record<string, string>): Presented {
  const header = c.req.header('authorization');
  const basic = header ? /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (header && /^Basic\b/i.test(header) && !basic) throw unauthorized('malformed Basic authorization header', true);
  if (basic) {
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
    if (params.client_secret !== undefined) throw new OAuthError('invalid_request', 'use one client authentication method, not both Basic and client_secret');
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw unauthorized('malformed Basic authorization header', true);
    const id = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    if (id === null || secret === null) throw unauthorized('malformed Basic authorization header', true);
    if (params.client_id !== undefined && params.client_id !== id) throw new OAuthError('invalid_request', 'client_id does not match the Basic credentials');
    return { method: 'client_secret_basic', clientId: id, secret };
  }
  if (params.client_secret !== undefined) return { method: 'client_secret_post', clientId: params.client_id, secret: params.client_secret };
  return { method: 'none', clientId: params.client_id };
}

/** The client a request claims to be, before it is authenticated (for failure limits): undefined when unclear. */
export function presentedClientId(c: Context, params: Record<string, string>): string | undefined {
  try {
    return presentedCredentials(c, params).clientId;
  } catch {
    return undefined;
  }
}

/** RFC 6749 §5.2: 401 invalid_client, with a `WWW-Authenticate: Basic` challenge when Basic was attempted. */
function unauthorized(description: string, basic: boolean): OAuthError {
  return new OAuthError('invalid_client', description, 401, basic ? { 'WWW-Authenticate': 'Basic realm="oauth", charset="UTF-8"' } : {});
}

/**
 * Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3):
 * confidential clients by `client_secret_basic` or `client_secret_post` against one of their live secrets
 * (stored as SHA-256, compared in constant time); public clients by `client_id` alone (`none`).
 */
export async function authenticateClient(ctx: Ctx, c: Context, params: Record<string, string>): Promise<Client> {
  const p = presentedCredentials(c, params);
  const basic = p.method === 'client_secret_basic';
  if (!p.clientId) throw unauthorized('client authentication is required', basic);
  const found = await getClientWithSecrets(ctx, p.clientId);
  if (!found) throw unauthorized('unknown client or bad credentials', basic);
  const { secret_hashes: secretHashes, ...client } = found;
  if (client.is_public) {
    if (p.method !== 'none') throw unauthorized('this client is public and has no secret; use token_endpoint_auth_method none', basic);
    return client;
  }
  if (p.secret === undefined) throw unauthorized('this client must authenticate with its client secret', basic);
  const presented = hashToken(p.secret);
  let ok = false;
  for (const hash of secretHashes) ok = safeEqual(hash, presented) || ok;
  if (!ok) throw unauthorized('unknown client or bad credentials', basic);
  return client;
}

/** True when the request presents any client credentials (so they must be checked). */
export function presentsClientCredentials(c: Context, params: Record<string, string>): boolean {
  return c.req.header('authorization')?.match(/^Basic\b/i) != null || params.client_secret !== undefined || params.client_id !== undefined;
}
