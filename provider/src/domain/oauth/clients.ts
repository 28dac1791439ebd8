import type { Ctx } from '../context.ts';
import { OAuthError } from '../errors.ts';
import { hashToken, safeEqual } from '../tokens.ts';
import type { Client } from '../../store/clients.ts';
import { cachedClient } from './client-cache.ts';

export type { AppStatus, Client } from '../../store/clients.ts';

/** A client_id we could possibly have issued: printable, bounded. Anything else is unknown without a query. */
export const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

/** The client `clientId` with its app, or null: from this provider's cache (docs/architecture.md §6). */
export async function getClient(ctx: Ctx, clientId: string | undefined): Promise<Client | null> {
  if (!clientId || !CLIENT_ID.test(clientId)) return null;
  const found = await cachedClient(ctx, clientId);
  if (!found) return null;
  const { secret_hashes: _, ...client } = found;
  return client;
}

/** Public clients and rotating confidential clients get a new refresh token on every use (RFC 9700 §4.14.2). */
export function rotatesRefreshTokens(client: Client): boolean {
  return client.is_public || client.rotate_refresh_tokens;
}

/** The credentials a request presents (web/oauth/client-auth.ts reads them from the request). */
export interface PresentedCredentials {
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
  clientId: string | undefined;
  secret?: string;
}

/** RFC 6749 §5.2: 401 invalid_client, with a `WWW-Authenticate: Basic` challenge when Basic was attempted. */
export function unauthorizedClient(description: string, basic: boolean): OAuthError {
  return new OAuthError('invalid_client', description, 401, basic ? { 'WWW-Authenticate': 'Basic realm="oauth", charset="UTF-8"' } : {});
}

/**
 * Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3):
 * confidential clients by `client_secret_basic` or `client_secret_post` against one of their live secrets
 * (stored as SHA-256, compared in constant time); public clients by `client_id` alone (`none`).
 */
export async function authenticateClient(ctx: Pick<Ctx, 'db' | 'clients' | 'clock'>, p: PresentedCredentials): Promise<Client> {
  const basic = p.method === 'client_secret_basic';
  if (!p.clientId) throw unauthorizedClient('client authentication is required', basic);
  // The row and its live secret hashes come from this provider's cache, which every committed change to a
  // client, its app or its secrets empties (docs/architecture.md §6): a revoked secret fails the next request.
  const found = CLIENT_ID.test(p.clientId) ? await cachedClient(ctx, p.clientId) : undefined;
  if (!found) throw unauthorizedClient('unknown client or bad credentials', basic);
  const { secret_hashes: secretHashes, ...client } = found;
  if (client.is_public) {
    if (p.method !== 'none') throw unauthorizedClient('this client is public and has no secret; use token_endpoint_auth_method none', basic);
    return client;
  }
  if (p.secret === undefined) throw unauthorizedClient('this client must authenticate with its client secret', basic);
  const presented = hashToken(p.secret);
  let ok = false;
  for (const hash of secretHashes) ok = safeEqual(hash, presented) || ok;
  if (!ok) throw unauthorizedClient('unknown client or bad credentials', basic);
  return client;
}
