import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { sessionUser } from '../http/session-cookie.ts';
import { authenticateToken, authenticateTokenWithOwnApps, type Principal } from '../../domain/accounts/principal.ts';
import type { ReachedAppRow } from '../../store/apps.ts';
import { ApiError } from '../../domain/errors.ts';
import { audienceOf, calledFromMcp, type Audience } from '../mcp/audience.ts';

export interface AuthOptions {
  /** Accept the dashboard session cookie (default true). */
  session?: boolean;
  /** Accept app admin tokens (default false). */
  admin?: boolean;
  /**
   * The audience OAuth access tokens must have been issued for (docs/mcp.md §2): default the Platform API,
   * or the MCP server's when the request comes from its tools in-process.
   */
  audience?: Audience;
}

/** The bearer token of a request, if any (RFC 6750 §2.1). */
export function bearerToken(c: Context): string | undefined {
  const h = c.req.header('authorization');
  if (!h) return undefined;
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(h);
  return m?.[1];
}

/**
 * Authenticates a request: a bearer token of a known kind (domain/accounts/principal.ts), else (if allowed) the
 * session cookie. No token and no session → 401 `record-not-found`.
 */
export async function authenticate(ctx: Ctx, c: Context, opts: AuthOptions = {}): Promise<Principal> {
  const token = bearerToken(c);
  if (!token) {
    if (opts.session !== false) {
      const user = await sessionUser(ctx, c);
      if (user) return { kind: 'session', user };
    }
    throw ApiError.unauthenticated('token', 'Missing Authorization: Bearer <token> header');
  }
  return authenticateToken(ctx, token, tokenOptions(ctx, c, opts));
}

/**
 * `authenticate` for `GET /superadmin/apps`: with an OAuth access token read from the store, the user's own apps are
 * read in the same statement (domain/accounts/principal.ts `authenticateTokenWithOwnApps`); `ownApps` null: the
 * route lists them itself.
 */
export async function authenticateWithOwnApps(ctx: Ctx, c: Context, opts: AuthOptions = {}): Promise<{ principal: Principal; ownApps: ReachedAppRow[] | null }> {
  const token = bearerToken(c);
  if (!token) return { principal: await authenticate(ctx, c, opts), ownApps: null };
  return authenticateTokenWithOwnApps(ctx, token, tokenOptions(ctx, c, opts));
}

function tokenOptions(ctx: Ctx, c: Context, opts: AuthOptions) {
  const audience = opts.audience ?? (calledFromMcp(c) ? 'mcp' : 'platform');
  return { admin: opts.admin, audienceOk: (resource: string | null) => audienceOf(ctx.config.issuer, resource) === audience };
}
