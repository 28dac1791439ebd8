import type { Db } from './db.ts';

/**
 * An app's auth settings as Instant's CLI manages them (domain/platform/app-auth/): redirect origins
 * (`app_redirect_origins`), OAuth service providers (`app_oauth_providers`) and clients (`app_oauth_clients`), and
 * its magic-code email template (`app_email_templates`). Each row belongs to one app and goes with it (cascades).
 */

const TABLES = { origins: 'app_redirect_origins', providers: 'app_oauth_providers', clients: 'app_oauth_clients' } as const;

/** How many origins, providers or clients an app has. */
export async function countAppAuthRows(db: Db, kind: keyof typeof TABLES, appId: string): Promise<number> {
  return (await db.one<{ n: number }>(`select count(*)::int as n from ${TABLES[kind]} where app_id = $1`, [appId]))!.n;
}

// ---- redirect origins

export interface OriginRow<S extends string = string> {
  id: string;
  service: S;
  params: string[];
  created_at: Date;
}

export async function listOrigins<S extends string>(db: Db, appId: string): Promise<Array<OriginRow<S>>> {
  return db.query(`select id, service, params, created_at from app_redirect_origins where app_id = $1 order by created_at, id`, [appId]);
}

export async function hasOrigin(db: Db, appId: string, service: string, params: string[]): Promise<boolean> {
  return (await db.one(`select 1 from app_redirect_origins where app_id = $1 and service = $2 and params = $3::jsonb`, [appId, service, JSON.stringify(params)])) !== undefined;
}

export async function insertOrigin<S extends string>(db: Db, row: { id: string; appId: string; service: S; params: string[]; now: Date }): Promise<OriginRow<S>> {
  return (await db.one<OriginRow<S>>(
    `insert into app_redirect_origins (id, app_id, service, params, created_at) values ($1, $2, $3, $4::jsonb, $5) returning id, service, params, created_at`,
    [row.id, row.appId, row.service, JSON.stringify(row.params), row.now],
  ))!;
}

export async function deleteOrigin<S extends string>(db: Db, appId: string, originId: string): Promise<OriginRow<S> | undefined> {
  return db.one<OriginRow<S>>(`delete from app_redirect_origins where app_id = $1 and id = $2 returning id, service, params, created_at`, [appId, originId]);
}

// ---- OAuth service providers

export interface ProviderRow {
  id: string;
  provider_name: string;
  created_at: Date;
}

export async function listProviders(db: Db, appId: string): Promise<ProviderRow[]> {
  return db.query<ProviderRow>(`select id, provider_name, created_at from app_oauth_providers where app_id = $1 order by created_at, id`, [appId]);
}

export async function hasProvider(db: Db, appId: string, providerId: string): Promise<boolean> {
  return (await db.one(`select 1 from app_oauth_providers where app_id = $1 and id = $2`, [appId, providerId])) !== undefined;
}

/** A new provider (a unique violation when the app has one of that name). */
export async function insertProvider(db: Db, row: { id: string; appId: string; name: string; now: Date }): Promise<ProviderRow> {
  return (await db.one<ProviderRow>(
    `insert into app_oauth_providers (id, app_id, provider_name, created_at) values ($1, $2, $3, $4) returning id, provider_name, created_at`,
    [row.id, row.appId, row.name, row.now],
  ))!;
}

// ---- OAuth clients (the secret is never stored: `client_secret_set` says one was given)

export interface ClientRow {
  id: string;
  provider_id: string;
  client_name: string;
  client_id: string | null;
  client_secret_set: boolean;
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  discovery_endpoint: string | null;
  redirect_to: string | null;
  meta: Record<string, unknown> | null;
  use_shared_credentials: boolean | null;
  created_at: Date;
  updated_at: Date;
}

const CLIENT_COLUMNS =
  'id, provider_id, client_name, client_id, client_secret_set, authorization_endpoint, token_endpoint, discovery_endpoint, redirect_to, meta, use_shared_credentials, created_at, updated_at';

/** The fields `auth client update` may change; null keeps the stored value (a secret, once set, stays set). */
export interface ClientChanges {
  client_id: string | null;
  client_secret_set: boolean;
  discovery_endpoint: string | null;
  redirect_to: string | null;
  meta: Record<string, unknown> | null;
  use_shared_credentials: boolean | null;
}

export async function listClients(db: Db, appId: string): Promise<ClientRow[]> {
  return db.query<ClientRow>(`select ${CLIENT_COLUMNS} from app_oauth_clients where app_id = $1 order by created_at, id`, [appId]);
}

/** A new client (a unique violation when the app has one of that name). */
export async function insertClient(
  db: Db,
  row: ClientChanges & { id: string; appId: string; providerId: string; clientName: string; authorizationEndpoint: string | null; tokenEndpoint: string | null; now: Date },
): Promise<ClientRow> {
  return (await db.one<ClientRow>(
    `insert into app_oauth_clients (id, app_id, provider_id, client_name, client_id, client_secret_set, authorization_endpoint, token_endpoint,
       discovery_endpoint, redirect_to, meta, use_shared_credentials, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $13) returning ${CLIENT_COLUMNS}`,
    [row.id, row.appId, row.providerId, row.clientName, row.client_id, row.client_secret_set, row.authorizationEndpoint, row.tokenEndpoint, row.discovery_endpoint, row.redirect_to, row.meta && JSON.stringify(row.meta), row.use_shared_credentials, row.now],
  ))!;
}

export async function updateClient(db: Db, appId: string, clientId: string, c: ClientChanges, now: Date): Promise<ClientRow | undefined> {
  return db.one<ClientRow>(
    `update app_oauth_clients set client_id = coalesce($3, client_id), client_secret_set = client_secret_set or $4,
       discovery_endpoint = coalesce($5, discovery_endpoint), redirect_to = coalesce($6, redirect_to), meta = coalesce($7::jsonb, meta),
       use_shared_credentials = coalesce($8, use_shared_credentials), updated_at = $9
     where app_id = $1 and id = $2 returning ${CLIENT_COLUMNS}`,
    [appId, clientId, c.client_id, c.client_secret_set, c.discovery_endpoint, c.redirect_to, c.meta && JSON.stringify(c.meta), c.use_shared_credentials, now],
  );
}

export async function deleteClient(db: Db, appId: string, clientId: string): Promise<ClientRow | undefined> {
  return db.one<ClientRow>(`delete from app_oauth_clients where app_id = $1 and id = $2 returning ${CLIENT_COLUMNS}`, [appId, clientId]);
}

// ---- the magic-code email template

export interface EmailTemplateRow {
  id: string;
  app_id: string;
  email_type: string;
  subject: string;
  body: string;
  sender_name: string;
  sender_email: string | null;
}

const TEMPLATE_COLUMNS = 'id, app_id, email_type, subject, body, sender_name, sender_email';

export async function findMagicCodeTemplate(db: Db, appId: string): Promise<EmailTemplateRow | undefined> {
  return db.one<EmailTemplateRow>(`select ${TEMPLATE_COLUMNS} from app_email_templates where app_id = $1 and email_type = 'magic-code'`, [appId]);
}

/** Creates or replaces an app's magic-code template. */
export async function upsertMagicCodeTemplate(
  db: Db,
  row: { id: string; appId: string; subject: string; body: string; senderName: string; senderEmail: string | null; now: Date },
): Promise<EmailTemplateRow> {
  return (await db.one<EmailTemplateRow>(
    `insert into app_email_templates (id, app_id, email_type, subject, body, sender_name, sender_email, created_at, updated_at)
     values ($1, $2, 'magic-code', $3, $4, $5, $6, $7, $7)
     on conflict (app_id, email_type) do update set subject = excluded.subject, body = excluded.body, sender_name = excluded.sender_name,
       sender_email = excluded.sender_email, updated_at = excluded.updated_at
     returning ${TEMPLATE_COLUMNS}`,
    [row.id, row.appId, row.subject, row.body, row.senderName, row.senderEmail, row.now],
  ))!;
}

/** Deletes a template of the app; its id, or undefined when there is none. */
export async function deleteEmailTemplate(db: Db, appId: string, templateId: string): Promise<string | undefined> {
  return (await db.one<{ id: string }>(`delete from app_email_templates where app_id = $1 and id = $2 returning id`, [appId, templateId]))?.id;
}
