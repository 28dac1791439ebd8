import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { nowDate } from '../context.ts';
import { ApiError } from '../errors.ts';
import { hit, RATE_LIMITS } from '../limits/rate-limit.ts';
import type { User } from '../accounts/users.ts';
import { findAdminToken, rotateAdminTokens } from './admin-tokens.ts';
import { appJson, createApp, getAppRow, type AppRow } from './apps.ts';
import { recordCreatedApp } from './grant-apps.ts';
import { validateRules } from './perms.ts';
import { claimApp, deleteExpiredApps } from '../../store/apps.ts';

/** A temporary app lives 14 days from creation (docs/api.md §4). */
export const TEMPORARY_APP_TTL_MS = 14 * 86_400_000;

function isLiveTemporary(ctx: Ctx, a: AppRow | undefined): a is AppRow & { expires_at: Date } {
  return !!a && a.temporary && a.creator_id === null && a.expires_at !== null && a.expires_at.getTime() > ctx.clock.now();
}

/**
 * `POST /dash/apps/ephemeral`: an app with no owner that expires in 14 days. Rate-limited per client
 * address (docs/security.md §17). Rules come as `rules: {code}` (docs/api.md) or `perms` (what Instant's SDK sends).
 */
export async function createTemporaryApp(ctx: Ctx, address: string, body: Record<string, unknown>) {
  const limit = await hit(ctx, `temporary-app:addr:${address}`, RATE_LIMITS.temporaryAppPerAddress);
  if (!limit.ok) throw ApiError.rateLimited(limit.retryAfterS);
  let perms = body.perms;
  if (body.rules !== undefined && body.rules !== null) {
    const rules = body.rules as Record<string, unknown>;
    if (typeof rules !== 'object' || Array.isArray(rules) || !('code' in rules)) {
      throw ApiError.validation('rules must be {"code": Rules}', [{ path: ['rules'], message: 'must be {"code": Rules}' }]);
    }
    perms = validateRules(rules.code, ['rules', 'code']);
  }
  const expiresAt = new Date(ctx.clock.now() + TEMPORARY_APP_TTL_MS);
  const created = await createApp(ctx, null, { title: body.title, schema: body.schema, perms }, { expiresAt });
  return {
    app: { ...appJson(created.app), 'admin-token': created.adminToken },
    expires_ms: created.app.created_at.getTime() + TEMPORARY_APP_TTL_MS,
  };
}

/** `GET /dash/apps/ephemeral/:app_id`: a live, unclaimed temporary app, else 404. */
export async function getTemporaryApp(ctx: Ctx, appId: string) {
  const app = await getAppRow(ctx.db, appId);
  if (!isLiveTemporary(ctx, app)) throw ApiError.notFound('app', 'No such temporary app (it may have expired or been claimed)');
  return { app: appJson(app), expires_ms: app.expires_at.getTime() };
}

/**
 * `POST /dash/apps/ephemeral/:app_id/claim` `{"app_id", "token"}`: proving possession of the admin token
 * moves the app into the user's account; it no longer expires. Claimed through an OAuth token, the token's grant
 * reaches it as one it created (`grantId`, docs/mcp.md §8).
 */
export async function claimTemporaryApp(ctx: Ctx, user: User, appId: string, body: Record<string, unknown>, grantId: string | null = null) {
  if (body.app_id === undefined) throw ApiError.paramMissing('app_id');
  if (body.token === undefined) throw ApiError.paramMissing('token');
  if (typeof body.app_id !== 'string' || body.app_id.toLowerCase() !== appId.toLowerCase()) {
    throw ApiError.validation('app_id must match the app in the path', [{ path: ['app_id'], message: 'does not match the path' }]);
  }
  if (typeof body.token !== 'string') throw ApiError.validation('token must be the app admin token', [{ path: ['token'], message: 'must be a string' }]);
  const app = await getAppRow(ctx.db, appId);
  if (!isLiveTemporary(ctx, app)) throw ApiError.notFound('app', 'No such temporary app (it may have expired or been claimed)');
  const found = await findAdminToken(ctx, body.token);
  if (found && found.appId !== app.id) {
    await recordEvent(ctx, { event: 'admin_token.other_app', actor: user.id, userId: user.id, details: { admin_token_id: found.tokenId, token_app_id: found.appId, requested_app_id: app.id, via: 'claim' } });
  }
  if (!found || found.appId !== app.id) throw ApiError.forbidden('The token is not the admin token of this app', { 'record-type': 'app-admin-token' });
  // The claim and the new admin token in one transaction: the token that proved possession was seen by
  // whoever made the temporary app, so it stops working and the claimer gets the only live one (F7).
  const claimed = await ctx.db.tx(async (db) => {
    const row = await claimApp(db, app.id, user.id, nowDate(ctx));
    if (row) await recordCreatedApp(db, grantId, app.id, nowDate(ctx));
    return row ? { row, ...(await rotateAdminTokens(ctx, db, app.id)) } : null;
  });
  if (!claimed) throw ApiError.notFound('app', 'No such temporary app (it may have expired or been claimed)');
  await recordEvent(ctx, { event: 'admin_token.rotated', actor: user.id, userId: user.id, details: { app_id: app.id, via: 'claim', tokens_revoked: claimed.revoked } });
  return { app: appJson(claimed.row), 'admin-token': claimed.token };
}

/** Sweep job: deletes expired temporary apps with all their data (cascades). */
export async function sweepExpiredApps(ctx: Ctx): Promise<number> {
  return deleteExpiredApps(ctx.db, nowDate(ctx));
}
