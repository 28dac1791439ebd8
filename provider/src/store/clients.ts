import type { Db } from './db.ts';

export type AppStatus = 'test' | 'published' | 'suspended';

/** An OAuth client with the app it belongs to (the columns of CLIENT_SELECT). */
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

/**
 * A client's columns (`Client`), for statements that join a client in: `select ${CLIENT_SELECT} from ${CLIENT_FROM} …`
 * (here and in store/authorization-requests.ts, which reads a pending request with its client in one statement).
 */
export const CLIENT_SELECT = `c.client_id, c.oauth_app_id, c.name, c.is_public, c.redirect_uris, c.rotate_refresh_tokens,
            a.name as app_name, a.home_page as app_home_page, a.logo as app_logo, a.status as app_status,
            a.owner_id as app_owner_id, a.allowed_scopes as app_allowed_scopes, a.dynamic as app_dynamic,
            a.rate_limit_per_s as app_rate_limit_per_s`;
export const CLIENT_FROM = `oauth_clients c join oauth_apps a on a.id = c.oauth_app_id`;

/**
 * The client with its app and the hashes of its live secrets, in one statement: the row domain/oauth/client-cache.ts
 * keeps for client authentication (every token request) and for the authorization endpoint.
 */
export async function findClientWithSecrets(db: Db, clientId: string): Promise<(Client & { secret_hashes: string[] }) | undefined> {
  return db.one<Client & { secret_hashes: string[] }>(
    `select ${CLIENT_SELECT},
            array(select s.secret_hash from client_secrets s where s.client_id = c.client_id and s.revoked_at is null) as secret_hashes
       from ${CLIENT_FROM} where c.client_id = $1`,
    [clientId],
  );
}

export interface NewDynamicClient {
  appId: string;
  clientId: string;
  name: string;
  homePage: string | null;
  redirectUris: readonly string[];
  now: Date;
}

/**
 * A dynamic ("unverified"), published OAuth app with no owner and its one public client (RFC 7591 registration, or
 * a Client ID Metadata Document). `ifAbsent`: a client of that id stored meanwhile is kept (the metadata document's
 * client id is its URL, which a concurrent request may have stored first).
 */
export async function insertDynamicClient(db: Db, c: NewDynamicClient, ifAbsent = false): Promise<void> {
  await db.query(`insert into oauth_apps (id, owner_id, name, home_page, status, dynamic, created_at) values ($1, null, $2, $3, 'published', true, $4)`, [c.appId, c.name, c.homePage, c.now]);
  await db.query(
    `insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, created_at) values ($1, $2, $3, true, $4, $5)${ifAbsent ? ' on conflict (client_id) do nothing' : ''}`,
    [c.clientId, c.appId, c.name, [...c.redirectUris], c.now],
  );
}

/** The OAuth app of client `clientId`, the client row locked until the transaction ends; undefined when unknown. */
export async function lockClientApp(db: Db, clientId: string): Promise<string | undefined> {
  const row = await db.one<{ oauth_app_id: string }>(`select oauth_app_id from oauth_clients where client_id = $1 for update`, [clientId]);
  return row?.oauth_app_id;
}

/** Refreshes a metadata-document client's name and redirect URIs, and its app's name and home page (dynamic apps only). */
export async function refreshDynamicClient(db: Db, c: Omit<NewDynamicClient, 'now'>): Promise<void> {
  await db.query(`update oauth_clients set name = $2, redirect_uris = $3 where client_id = $1`, [c.clientId, c.name, [...c.redirectUris]]);
  await db.query(`update oauth_apps set name = $2, home_page = $3 where id = $1 and dynamic`, [c.appId, c.name, c.homePage]);
}
