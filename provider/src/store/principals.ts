import type { Db } from './db.ts';
import { userColumnsOf, type UserRow } from './users.ts';
import { APP_COLUMNS, reachableAppsSelect, type ReachedAppRow } from './apps.ts';

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

const ACCESS_PRINCIPAL_SELECT = `select ${userColumnsOf('u')}, t.id as token_id, t.expires_at,
            t.client_id, t.grant_id, t.scopes, a.status as app_status, t.resource
       from access_tokens t
       join users u on u.id = t.user_id
       join grants g on g.id = t.grant_id
       join oauth_apps a on a.id = g.oauth_app_id
      where t.token_hash = $1 and t.revoked_at is null and g.revoked_at is null`;

export function findAccessTokenPrincipal(db: Db, tokenHash: string): Promise<AccessPrincipalRow | undefined> {
  return db.one<AccessPrincipalRow>(ACCESS_PRINCIPAL_SELECT, [tokenHash]);
}

const APP_FIELDS = APP_COLUMNS.split(', ');

/**
 * `findAccessTokenPrincipal`, and in the same statement the apps its user owns that its grant reaches, newest first
 * (what `GET /superadmin/apps` lists: store/apps.ts `reachableAppsSelect`, the very rule `listReachableApps` applies).
 * One round trip where two were: domain/accounts/principal.ts uses it when the principal cache cannot vouch (on
 * Postgres, docs/architecture.md §9). The apps are read before the caller judges the token (expiry, a locked user,
 * a suspended app, scope, audience) and are thrown away when it refuses it.
 */
export async function findAccessTokenPrincipalWithOwnApps(
  db: Db,
  tokenHash: string,
): Promise<{ principal: AccessPrincipalRow; apps: ReachedAppRow[] } | undefined> {
  const rows = await db.query<AccessPrincipalRow & Record<string, unknown>>(
    `select p.*, ${APP_FIELDS.map((f) => `ra.${f} as ra_${f}`).join(', ')}, ra.role as ra_role
       from (${ACCESS_PRINCIPAL_SELECT}) p
       left join lateral (${reachableAppsSelect('p.id', { personal: true }, { grant: 'p.grant_id' })}) ra on true
      order by ra.created_at desc, ra.id`,
    [tokenHash],
  );
  const first = rows[0];
  if (!first) return undefined;
  const principal = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(first)) if (!k.startsWith('ra_')) principal[k] = v;
  const apps = rows
    .filter((r) => r.ra_id !== null)
    .map((r) => {
      const app = { role: r.ra_role } as Record<string, unknown>;
      for (const f of APP_FIELDS) app[f] = r[`ra_${f}`];
      return app as unknown as ReachedAppRow;
    });
  return { principal: principal as unknown as AccessPrincipalRow, apps };
}
