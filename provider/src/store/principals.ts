import type { Db } from './db.ts';
import { userColumnsOf, type UserRow } from './users.ts';

/**
 * The bearer-token lookups of domain/accounts/principal.ts that span aggregates: an OAuth access token with its
 * user, grant and app, in one statement (the Platform API's and userinfo's hot path). Personal tokens are
 * store/personal-tokens.ts.
 */

/** An unrevoked access token under an unrevoked grant, with its user and its app's status. */
export type AccessPrincipalRow = UserRow & {
  token_id: string;
  expires_at: Date | null;
  client_id: string;
  grant_id: string;
  scopes: string[];
  app_status: string;
  resource: string | null;
};

export function findAccessTokenPrincipal(db: Db, tokenHash: string): Promise<AccessPrincipalRow | undefined> {
  return db.one<AccessPrincipalRow>(
    `select ${userColumnsOf('u')}, t.id as token_id, t.expires_at,
            t.client_id, t.grant_id, t.scopes, a.status as app_status, t.resource
       from access_tokens t
       join users u on u.id = t.user_id
       join grants g on g.id = t.grant_id
       join oauth_apps a on a.id = g.oauth_app_id
      where t.token_hash = $1 and t.revoked_at is null and g.revoked_at is null`,
    [tokenHash],
  );
}
