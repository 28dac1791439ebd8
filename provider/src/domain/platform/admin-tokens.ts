import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { nowDate } from '../context.ts';
import { ApiError } from '../errors.ts';
import { isUniqueViolation, type Db } from '../../store/index.ts';
import { findLiveAdminToken, insertAdminToken, revokeAppAdminTokens } from '../../store/admin-tokens.ts';
import { hashToken, isUuid } from '../tokens.ts';

/**
 * Resolves an app admin token (a UUID) to the app it is bound to, or null when it is unknown, revoked, expired
 * (an unused provisional token of the CLI's app picker, domain/platform/dash.ts), or its temporary app has expired.
 * Looked up by SHA-256 hash only (docs/security.md §7).
 */
export async function findAdminToken(ctx: Ctx, token: string): Promise<{ appId: string; tokenId: string } | null> {
  if (!isUuid(token)) return null;
  const row = await findLiveAdminToken(ctx.db, hashToken(token.toLowerCase()), nowDate(ctx));
  return row ? { appId: row.app_id, tokenId: row.id } : null;
}

/** Issues an admin token for an app: `chosen` (a client-chosen UUID, CLI) or a fresh one. Returned once, stored hashed. */
export async function issueAdminToken(ctx: Ctx, db: Db, appId: string, chosen?: string): Promise<string> {
  const token = (chosen ?? ctx.random.uuid()).toLowerCase();
  try {
    await insertAdminToken(db, { id: ctx.random.uuid(), appId, hash: hashToken(token), createdAt: nowDate(ctx) });
  } catch (err) {
    if (isUniqueViolation(err)) throw ApiError.validation('admin_token is already in use; choose another UUID', [{ path: ['admin_token'], message: 'already in use' }]);
    throw err;
  }
  return token;
}

/**
 * Replaces every live admin token of an app with a new one, returned once (finding F7,
 * docs/security-accounts.md §5): after a temporary app is claimed, or when its owner asks, whoever
 * held an old token loses the app. Run inside the caller's transaction `db`.
 */
export async function rotateAdminTokens(ctx: Ctx, db: Db, appId: string): Promise<{ token: string; revoked: number }> {
  const revoked = await revokeAppAdminTokens(db, appId, nowDate(ctx));
  return { token: await issueAdminToken(ctx, db, appId), revoked };
}

/** `POST /superadmin/apps/:app_id/admin-token/rotate` by the app's owner (authorized by the caller): the new token, audited. */
export async function rotateAppAdminToken(ctx: Ctx, userId: string, appId: string): Promise<string> {
  const { token, revoked } = await ctx.db.tx((db) => rotateAdminTokens(ctx, db, appId));
  await recordEvent(ctx, { event: 'admin_token.rotated', actor: userId, userId, details: { app_id: appId, via: 'owner', tokens_revoked: revoked } });
  return token;
}

