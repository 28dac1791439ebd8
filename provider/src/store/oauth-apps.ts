import type { Db } from './db.ts';

/**
 * OAuth apps and their clients as their owner manages them (domain/accounts/oauth-apps.ts, docs/api.md §8):
 * `oauth_apps`, `oauth_clients`, `client_secrets`. Looking a client up to authenticate it is store/clients.ts.
 */

export interface OAuthAppRow {
  id: string;
  name: string;
  home_page: string | null;
  logo: string | null;
  support_email: string | null;
  status: 'test' | 'published' | 'suspended';
  created_at: Date;
}

export interface ClientSecretRow {
  id: string;
  created_at: Date;
}

/** A client with its live secrets (ids and dates only: a secret is stored as its SHA-256). */
export interface OAuthClientRow {
  client_id: string;
  oauth_app_id: string;
  name: string;
  is_public: boolean;
  redirect_uris: string[];
  created_at: Date;
  secrets: ClientSecretRow[];
}

const APP_COLUMNS = 'a.id, a.name, a.home_page, a.logo, a.support_email, a.status, a.created_at';

export async function countAppsOfOwner(db: Db, ownerId: string): Promise<number> {
  const n = await db.one<{ n: number }>(`select count(*)::int as n from oauth_apps where owner_id = $1`, [ownerId]);
  return n?.n ?? 0;
}

/** A new app, in test mode. */
export async function insertOAuthApp(
  db: Db,
  row: { id: string; ownerId: string; name: string; homePage: string | null; logo: string | null; supportEmail: string | null; createdAt: Date },
): Promise<OAuthAppRow> {
  const app = await db.one<OAuthAppRow>(
    `insert into oauth_apps as a (id, owner_id, name, home_page, logo, support_email, status, created_at)
     values ($1, $2, $3, $4, $5, $6, 'test', $7) returning ${APP_COLUMNS}`,
    [row.id, row.ownerId, row.name, row.homePage, row.logo, row.supportEmail, row.createdAt],
  );
  return app!;
}

/** The owner's apps, newest first. */
export function listAppsOfOwner(db: Db, ownerId: string): Promise<OAuthAppRow[]> {
  return db.query<OAuthAppRow>(`select ${APP_COLUMNS} from oauth_apps a where a.owner_id = $1 order by a.created_at desc, a.id`, [ownerId]);
}

/** The app `appId` if `ownerId` owns it; `lock`: locked for the rest of the transaction. */
export function findOwnedApp(db: Db, ownerId: string, appId: string, lock = false): Promise<OAuthAppRow | undefined> {
  return db.one<OAuthAppRow>(`select ${APP_COLUMNS} from oauth_apps a where a.id = $1 and a.owner_id = $2${lock ? ' for update' : ''}`, [appId, ownerId]);
}

export function updateOAuthAppFields(db: Db, appId: string, f: { name: string; homePage: string | null; logo: string | null; supportEmail: string | null }): Promise<unknown> {
  return db.query(`update oauth_apps set name = $2, home_page = $3, logo = $4, support_email = $5 where id = $1`, [appId, f.name, f.homePage, f.logo, f.supportEmail]);
}

export async function clientIdsOfApp(db: Db, appId: string): Promise<string[]> {
  const rows = await db.query<{ client_id: string }>(`select client_id from oauth_clients where oauth_app_id = $1`, [appId]);
  return rows.map((r) => r.client_id);
}

/** Ids of the app's unrevoked grants (every user's). */
export async function liveGrantIdsOfApp(db: Db, appId: string): Promise<string[]> {
  const rows = await db.query<{ id: string }>(`select id from grants where oauth_app_id = $1 and revoked_at is null`, [appId]);
  return rows.map((r) => r.id);
}

/** Deletes the app; its clients, secrets and grants go with it (foreign keys cascade). */
export function deleteOAuthAppRow(db: Db, appId: string): Promise<unknown> {
  return db.query(`delete from oauth_apps where id = $1`, [appId]);
}

export async function countClientsOfApp(db: Db, appId: string): Promise<number> {
  const n = await db.one<{ n: number }>(`select count(*)::int as n from oauth_clients where oauth_app_id = $1`, [appId]);
  return n?.n ?? 0;
}

export function insertClient(db: Db, row: { clientId: string; appId: string; name: string; isPublic: boolean; redirectUris: string[]; createdAt: Date }): Promise<unknown> {
  return db.query(`insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, created_at) values ($1, $2, $3, $4, $5, $6)`, [
    row.clientId,
    row.appId,
    row.name,
    row.isPublic,
    row.redirectUris,
    row.createdAt,
  ]);
}

/** Stores a client secret by its hash. */
export function insertClientSecret(db: Db, row: { id: string; clientId: string; secretHash: string; createdAt: Date }): Promise<unknown> {
  return db.query(`insert into client_secrets (id, client_id, secret_hash, created_at) values ($1, $2, $3, $4)`, [row.id, row.clientId, row.secretHash, row.createdAt]);
}

export function appendRedirectUri(db: Db, clientId: string, uri: string): Promise<unknown> {
  return db.query(`update oauth_clients set redirect_uris = array_append(redirect_uris, $2::text) where client_id = $1`, [clientId, uri]);
}

export function removeRedirectUriOf(db: Db, clientId: string, uri: string): Promise<unknown> {
  return db.query(`update oauth_clients set redirect_uris = array_remove(redirect_uris, $2::text) where client_id = $1`, [clientId, uri]);
}

export function revokeClientSecretRow(db: Db, clientId: string, secretId: string, now: Date): Promise<unknown> {
  return db.query(`update client_secrets set revoked_at = $3 where id = $1 and client_id = $2`, [secretId, clientId, now]);
}

export function deleteClientOfApp(db: Db, clientId: string, appId: string): Promise<unknown> {
  return db.query(`delete from oauth_clients where client_id = $1 and oauth_app_id = $2`, [clientId, appId]);
}

/** Locks the client for the rest of the transaction; false when the app has no such client. */
export async function lockClientOfApp(db: Db, clientId: string, appId: string): Promise<boolean> {
  return (await db.one(`select 1 from oauth_clients where client_id = $1 and oauth_app_id = $2 for update`, [clientId, appId])) !== undefined;
}

/** Clients of every app of the owner, oldest first. */
export function clientsOfOwner(db: Db, ownerId: string): Promise<OAuthClientRow[]> {
  return clientsWhere(db, `a.owner_id = $1`, [ownerId]);
}

/** Clients of one app, oldest first. */
export function clientsOfApp(db: Db, appId: string): Promise<OAuthClientRow[]> {
  return clientsWhere(db, `c.oauth_app_id = $1`, [appId]);
}

/** One client of one app. */
export async function clientOfApp(db: Db, appId: string, clientId: string): Promise<OAuthClientRow | undefined> {
  return (await clientsWhere(db, `c.oauth_app_id = $1 and c.client_id = $2`, [appId, clientId]))[0];
}

/** One client by id. */
export async function clientById(db: Db, clientId: string): Promise<OAuthClientRow | undefined> {
  return (await clientsWhere(db, `c.client_id = $1`, [clientId]))[0];
}

async function clientsWhere(db: Db, where: string, params: unknown[]): Promise<OAuthClientRow[]> {
  const rows = await db.query<Omit<OAuthClientRow, 'secrets'> & { secrets: Array<{ id: string; created_at: string }> | null }>(
    `select c.client_id, c.oauth_app_id, c.name, c.is_public, c.redirect_uris, c.created_at,
            (select json_agg(json_build_object('id', s.id, 'created_at', s.created_at) order by s.created_at, s.id)
               from client_secrets s where s.client_id = c.client_id and s.revoked_at is null) as secrets
       from oauth_clients c join oauth_apps a on a.id = c.oauth_app_id
      where ${where}
      order by c.created_at, c.client_id`,
    params,
  );
  return rows.map((r) => ({ ...r, secrets: (r.secrets ?? []).map((s) => ({ id: s.id, created_at: new Date(s.created_at) })) }));
}
