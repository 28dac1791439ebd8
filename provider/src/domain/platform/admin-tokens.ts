import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { nowDate } from '../context.ts';
import { ApiError } from '../errors.ts';
import { isUniqueViolation, type Db } from '../../store/index.ts';
import { hashToken, isUuid } from '../tokens.ts';

/**
 * Resolves an app admin token (a UUID) to the app it is bound to, or null when it is unknown, revoked, expired
 * (an unused provisional token of the CLI's app picker, domain/platform/dash.ts), or its temporary app has expired.
 * Looked up by SHA-256 hash only (docs/security.md §7).
 */
export async function findAdminToken(ctx: Ctx, token: string): Promise<{ appId: string; tokenId: string } | null> {
  if (!isUuid(token)) return null;
  const row = await ctx.db.one<{ id: string; app_id: string }>(
    `select t.id, t.app_id from app_admin_tokens t join apps a on a.id = t.app_id
      where t.token_hash = $1 and t.revoked_at is null and (a.expires_at is null or a.expires_at > $2)
        and (t.expires_at is null or t.expires_at > $2)`,
    [hashToken(token.toLowerCase()), nowDate(ctx)],
  );
  return row ? { appId: row.app_id, tokenId: row.id } : null;
}

/** Issues an admin token for an app: `chosen` (a client-chosen UUID, CLI) or a fresh one. Returned once, stored hashed. */
export async function issueAdminToken(ctx: Ctx, db: Db, appId: string, chosen?: string): Promise<string> {
  const token = (chosen ?? ctx.random.uuid()).toLowerCase();
  try {
    await db.query(`insert into app_admin_tokens (id, app_id, token_hash, created_at) values ($1, $2, $3, $4)`, [
      ctx.random.uuid(),
      appId,
      hashToken(token),
      nowDate(ctx),
    ]);
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
  const revoked = await db.query(`update app_admin_tokens set revoked_at = $2 where app_id = $1 and revoked_at is null returning 1`, [appId, nowDate(ctx)]);
  return { token: await issueAdminToken(ctx, db, appId), revoked: revoked.length };
}

/** `POST /superadmin/apps/:app_id/admin-token/rotate` by the app's owner (authorized by the caller): the new token, audited. */
export async function rotateAppAdminToken(ctx: Ctx, userId: string, appId: string): Promise<string> {
  const { token, revoked } = await ctx.db.tx((db) => rotateAdminTokens(ctx, db, appId));
  await recordEvent(ctx, { event: 'admin_token.rotated', actor: userId, userId, details: { app_id: appId, via: 'owner', tokens_revoked: revoked } });
  return token;
}

