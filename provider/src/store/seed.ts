import type { Db } from './db.ts';

/** What the demo seed writes (domain/seed.ts decides the values; only hashes are stored). */
export interface DemoRows {
  email: string;
  passwordHash: string;
  isOperator: boolean;
  appName: string;
  homePage: string;
  clientId: string;
  clientName: string;
  redirectUri: string;
  secretHash: string;
  now: Date;
  /** A new id, asked for only when a row is made. */
  uuid: () => string;
}

// Any constant: serialises seeding across instances sharing one Postgres.
const SEED_LOCK_KEY = 727_4602;

/**
 * Makes the demo account, its published app and the app's confidential client when missing, adds the redirect URI
 * if absent, and leaves exactly `secretHash` live. Run it in a transaction (`db`): an advisory lock held until it
 * ends serialises instances. Returns the account's stored password hash (it may predate this seed).
 */
export async function upsertDemoRows(db: Db, d: DemoRows): Promise<{ storedHash: string }> {
  await db.query('select pg_advisory_xact_lock($1)', [SEED_LOCK_KEY]);
  // The demo account is the operator's own, on an address nobody can receive mail at: verified from the start
  // (also when it was made before verification existed, migration 012).
  await db.query(
    `insert into users (id, email, password_hash, is_operator, created_at, email_verified_at) values ($1, $2, $3, $4, $5, $5)
     on conflict (email) do update set email_verified_at = coalesce(users.email_verified_at, excluded.email_verified_at)`,
    [d.uuid(), d.email, d.passwordHash, d.isOperator, d.now],
  );
  const user = (await db.one<{ id: string; password_hash: string }>(`select id, password_hash from users where email = $1`, [d.email]))!;

  const client = await db.one<{ oauth_app_id: string; redirect_uris: string[] }>(`select oauth_app_id, redirect_uris from oauth_clients where client_id = $1`, [d.clientId]);
  if (!client) {
    const appId = d.uuid();
    await db.query(`insert into oauth_apps (id, owner_id, name, home_page, status, created_at) values ($1, $2, $3, $4, 'published', $5)`, [appId, user.id, d.appName, d.homePage, d.now]);
    await db.query(
      `insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, created_at) values ($1, $2, $3, false, $4, $5)`,
      [d.clientId, appId, d.clientName, [d.redirectUri], d.now],
    );
  } else if (!client.redirect_uris.includes(d.redirectUri)) {
    await db.query(`update oauth_clients set redirect_uris = array_append(redirect_uris, $2::text) where client_id = $1`, [d.clientId, d.redirectUri]);
  }

  // Exactly the configured secret is live: a changed DEMO_CLIENT_SECRET or SECRET replaces the old one.
  const live = await db.query<{ secret_hash: string }>(`select secret_hash from client_secrets where client_id = $1 and revoked_at is null`, [d.clientId]);
  if (!live.some((s) => s.secret_hash === d.secretHash)) {
    await db.query(`update client_secrets set revoked_at = $2 where client_id = $1 and revoked_at is null`, [d.clientId, d.now]);
    await db.query(
      `insert into client_secrets (id, client_id, secret_hash, created_at) values ($1, $2, $3, $4)
       on conflict (secret_hash) do update set revoked_at = null`,
      [d.uuid(), d.clientId, d.secretHash, d.now],
    );
  }
  return { storedHash: user.password_hash };
}
