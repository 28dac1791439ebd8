import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import type { User } from './users.ts';
import { findAdminToken } from '../platform/admin-tokens.ts';
import { hashToken, recogniseBearer } from '../tokens.ts';
import { ApiError } from '../errors.ts';
import { findPersonalTokenByHash, touchPersonalToken } from '../../store/personal-tokens.ts';
import { cachedAccessPrincipal, cachedAccessPrincipalWithOwnApps } from './principal-cache.ts';
import type { AccessPrincipalRow } from '../../store/principals.ts';
import type { ReachedAppRow } from '../../store/apps.ts';

/** Who is calling, after authentication (docs/api.md §1 token kinds). */
export type Principal =
  | { kind: 'session'; user: User }
  | { kind: 'personal'; user: User; tokenId: string }
  | { kind: 'access'; user: User; tokenId: string; clientId: string; grantId: string; scopes: string[]; /** RFC 8707 resource the token was issued for; null: the Platform API (docs/mcp.md §2). */ resource: string | null }
  | { kind: 'admin'; appId: string; tokenId: string };

/** How finely a personal token's last use is recorded. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The principal of a bearer token of a known kind. Unknown, revoked → 401 `record-not-found`; expired → 401
 * `record-expired`; a refresh token as bearer → 401 (docs/security.md §14). `audienceOk` says whether an access
 * token issued for `resource` may be used here; `admin` allows app admin tokens.
 */
export async function authenticateToken(
  ctx: Ctx,
  token: string,
  opts: { admin?: boolean; audienceOk: (resource: string | null) => boolean },
): Promise<Principal> {
  const now = nowDate(ctx);
  switch (recogniseBearer(token)) {
    case 'access':
      return acceptAccess(ctx, await findAccessPrincipal(ctx, token, now), opts);
    case 'personal': {
      const row = await findPersonalTokenByHash(ctx.db, hashToken(token));
      if (!row || row.locked_at) throw ApiError.unauthenticated('personal-access-token', 'The personal access token is unknown or revoked');
      if (row.expires_at && row.expires_at <= now) throw ApiError.expired('personal-access-token', 'The personal access token has expired');
      // "Last used" to the minute: a write per minute per token, not a write per API call.
      if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
        await touchPersonalToken(ctx.db, row.token_id, now);
      }
      return { kind: 'personal', user: pickUser(row), tokenId: row.token_id };
    }
    case 'admin': {
      const found = opts.admin ? await findAdminToken(ctx, token) : null;
      if (!found) {
        if (!opts.admin) throw ApiError.forbidden('App admin tokens cannot be used on this endpoint; use a personal or OAuth access token', { 'token-type': 'admin' });
        throw ApiError.unauthenticated('app-admin-token', 'The admin token is unknown or revoked');
      }
      return { kind: 'admin', appId: found.appId, tokenId: found.tokenId };
    }
    case 'refresh':
      throw ApiError.unauthenticated('access-token', 'A refresh token cannot be used as a bearer token; exchange it at /platform/oauth/token');
    default:
      throw ApiError.unauthenticated('token', 'The bearer token is not a token this server issues');
  }
}

export type AccessPrincipal = Extract<Principal, { kind: 'access' }>;

/** The Platform API's refusals of an access token that is not live here (docs/security.md §14). */
function acceptAccess(ctx: Ctx, found: AccessPrincipal | 'unknown' | 'expired', opts: { audienceOk: (resource: string | null) => boolean }): AccessPrincipal {
  if (found === 'unknown') throw ApiError.unauthenticated('access-token', 'The access token is unknown or revoked');
  if (found === 'expired') throw ApiError.expired('access-token', 'The access token has expired; refresh it');
  if (!opts.audienceOk(found.resource)) {
    throw ApiError.unauthenticated('access-token', `The access token was issued for another resource (${found.resource ?? ctx.config.issuer}), not this one`);
  }
  return found;
}

/**
 * `authenticateToken`, for the listing of a user's own apps (`GET /superadmin/apps`): with an OAuth access token
 * whose principal is read from the store, the apps it lists are read in the same statement
 * (principal-cache.ts `cachedAccessPrincipalWithOwnApps`), one round trip where two were. `ownApps` is null when
 * the caller must list them itself (another kind of token, or the principal came from the cache). The token is
 * judged exactly as `authenticateToken` judges it, and the apps are dropped with a refusal.
 */
export async function authenticateTokenWithOwnApps(
  ctx: Ctx,
  token: string,
  opts: { admin?: boolean; audienceOk: (resource: string | null) => boolean },
): Promise<{ principal: Principal; ownApps: ReachedAppRow[] | null }> {
  if (recogniseBearer(token) !== 'access') return { principal: await authenticateToken(ctx, token, opts), ownApps: null };
  const { row, ownApps } = await cachedAccessPrincipalWithOwnApps(ctx, hashToken(token));
  return { principal: acceptAccess(ctx, judgeAccessRow(row, nowDate(ctx)), opts), ownApps };
}

/**
 * The OAuth access token `token` (a `pat_`), if it is live: not revoked, its grant not revoked, its user
 * not locked, its app not suspended. Each surface words the refusal itself (Platform API 401, RFC 6750
 * `invalid_token` at userinfo).
 */
export async function findAccessPrincipal(ctx: Ctx, token: string, now = nowDate(ctx)): Promise<AccessPrincipal | 'unknown' | 'expired'> {
  return judgeAccessRow(await cachedAccessPrincipal(ctx, hashToken(token)), now);
}

/** What an access token's row (store/principals.ts) says now: live, unknown (or revoked, locked, suspended), or expired. */
function judgeAccessRow(row: AccessPrincipalRow | undefined, now: Date): AccessPrincipal | 'unknown' | 'expired' {
  if (!row || row.locked_at || row.app_status === 'suspended') return 'unknown';
  if (row.expires_at && row.expires_at <= now) return 'expired';
  return { kind: 'access', user: pickUser(row), tokenId: row.token_id, clientId: row.client_id, grantId: row.grant_id, scopes: row.scopes, resource: row.resource };
}

function pickUser(r: User): User {
  return { id: r.id, email: r.email, is_operator: r.is_operator, locked_at: r.locked_at, created_at: r.created_at, email_verified_at: r.email_verified_at };
}

/** True when the principal may act with `scope`; a `-write` scope implies its `-read` (docs/api.md §2). */
export function hasScope(p: Principal, scope: string): boolean {
  if (p.kind !== 'access') return true;
  if (p.scopes.includes(scope)) return true;
  return scope.endsWith('-read') && p.scopes.includes(scope.replace(/-read$/, '-write'));
}

/** Throws 403 `permission-denied` with `hint: {"required-scope": scope}` when the scope is missing. */
export function requireScope(p: Principal, scope: string): void {
  if (!hasScope(p, scope)) throw ApiError.missingScope(scope);
}

/** The acting user; admin tokens have none (403). */
export function requireUser(p: Principal): User {
  if (p.kind === 'admin') throw ApiError.forbidden('This endpoint needs a user token, not an app admin token', { 'token-type': 'admin' });
  return p.user;
}
