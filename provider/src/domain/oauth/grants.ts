import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { scopesCover } from './scopes.ts';
import { endCodesOfClient, endCodesOfGrant } from '../../store/codes.ts';
import { findLiveGrant, grantHasLastingAccess, listGrantsOfUser as listLiveGrants, liveGrantIds, revokeGrantRow, type AuthorizedApp, type Grant } from '../../store/grants.ts';
import { deleteRequestsOfClient } from '../../store/authorization-requests.ts';
import { revokeTokensOfClient as revokeClientTokens, revokeTokensOfGrant } from '../../store/tokens.ts';

/**
 * A grant is "this user authorized this app"; tokens carry their own, possibly narrower, scopes. A user has at
 * most one live grant of an app (a unique index, migration 005). Allow on the consent page creates it or widens
 * it to the requested scopes, in the same statement that answers the request and issues the code
 * (store/authorization-requests.ts `allow`).
 */
export type { AuthorizedApp, Grant } from '../../store/grants.ts';

/** The user's live grant of the app if it already covers `scopes` (used for `prompt=none`). */
export async function liveGrantCovering(ctx: Pick<Ctx, 'db'>, userId: string, oauthAppId: string, scopes: readonly string[]): Promise<Grant | null> {
  const g = await findLiveGrant(ctx.db, userId, oauthAppId);
  return g && scopesCover(g.scopes, scopes) ? g : null;
}

/**
 * Revokes a grant and, in the same transaction, every code, access and refresh token issued under it
 * (docs/security.md §13). Bearer checks also refuse tokens of a revoked grant, so this takes effect at once.
 * Returns false when the grant was unknown or already revoked.
 */
export async function revokeGrant(ctx: Ctx, grantId: string): Promise<boolean> {
  const now = nowDate(ctx);
  return ctx.db.tx(async (db) => {
    const revoked = await revokeGrantRow(db, grantId, now);
    await revokeTokensOfGrant(db, grantId, now);
    await endCodesOfGrant(db, grantId, now);
    return revoked;
  });
}

/**
 * Ends a grant that no longer gives its app lasting access: no live, unrotated refresh token and no
 * pending code. Called after a refresh token is revoked (RFC 7009 §2.1: revocation concerns "the same
 * authorization grant"), so an app's "Disconnect" also removes it from the user's authorized apps,
 * while another live sign-in of the same app keeps the grant. Returns true when it ended the grant.
 */
export async function endGrantIfIdle(ctx: Ctx, grantId: string): Promise<boolean> {
  return (await grantHasLastingAccess(ctx.db, grantId, nowDate(ctx))) ? false : revokeGrant(ctx, grantId);
}

/** Revokes the user's live grant of one OAuth app ("Authorized apps → revoke"). Returns how many (0 or 1). */
export async function revokeGrantsOfApp(ctx: Ctx, userId: string, oauthAppId: string): Promise<number> {
  let n = 0;
  for (const id of await liveGrantIds(ctx.db, userId, oauthAppId)) if (await revokeGrant(ctx, id)) n++;
  return n;
}

/**
 * Ends every token and pending code of one client (e.g. before deleting it or on a secret leak).
 * Deleting the client row also removes them: the token tables cascade on `client_id`.
 */
export async function revokeTokensOfClient(ctx: Ctx, clientId: string): Promise<void> {
  const now = nowDate(ctx);
  await ctx.db.tx(async (db) => {
    await revokeClientTokens(db, clientId, now);
    await endCodesOfClient(db, clientId, now);
    await deleteRequestsOfClient(db, clientId);
  });
}

/** The OAuth apps a user has a live grant for (one per app: migration 005), earliest first. */
export async function listGrantsOfUser(ctx: Pick<Ctx, 'db'>, userId: string): Promise<AuthorizedApp[]> {
  return listLiveGrants(ctx.db, userId);
}
