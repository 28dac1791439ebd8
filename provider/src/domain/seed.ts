import { createHmac } from 'node:crypto';
import { hashPassword, passwordProblem, verifyPassword } from './accounts/passwords.ts';
import { redirectUriProblem } from './accounts/redirect-uris.ts';
import type { Ctx } from './context.ts';
import { nowDate } from './context.ts';
import { hashToken } from './tokens.ts';

export const DEMO_EMAIL = 'demo@example.com';
export const DEMO_APP_NAME = 'Instant Demo App';
export const DEMO_CLIENT_ID = 'demo-app';
export const DEMO_REDIRECT_URI = 'http://localhost:3000/auth/instant/callback';

// Any constant: serialises seeding across instances sharing one Postgres.
const SEED_LOCK_KEY = 727_4602;

export interface DemoSettings {
  password: string;
  clientSecret: string;
  redirectUri: string;
}

/** A value derived from SECRET, stable across restarts of one deployment and different in every other. */
function derive(ctx: Ctx, label: string): string {
  return createHmac('sha256', ctx.config.secret).update(`instant-demo:${label}`).digest('hex');
}

/**
 * The demo credentials. Environment (documented in the README):
 * - `DEMO_PASSWORD`: the demo account's password (default: derived from SECRET);
 * - `DEMO_CLIENT_SECRET`: the demo client's secret (default: `pcs_` + HMAC of SECRET), so the demo app
 *   can be configured once and keep working across restarts;
 * - `DEMO_REDIRECT_URI`: the demo client's redirect URI (default http://localhost:3000/auth/instant/callback).
 */
export function demoSettings(ctx: Ctx, env: Record<string, string | undefined> = process.env): DemoSettings {
  const password = env.DEMO_PASSWORD || `demo-${derive(ctx, 'password').slice(0, 16)}`;
  const problem = passwordProblem(password);
  if (problem) throw new Error(`DEMO_PASSWORD: ${problem}`);
  const clientSecret = env.DEMO_CLIENT_SECRET || `pcs_${derive(ctx, 'client-secret')}`;
  if (clientSecret.length < 16 || clientSecret.length > 256) throw new Error('DEMO_CLIENT_SECRET must be 16 to 256 characters');
  const redirectUri = env.DEMO_REDIRECT_URI || DEMO_REDIRECT_URI;
  const uriProblem = redirectUriProblem(redirectUri, false);
  if (uriProblem) throw new Error(`DEMO_REDIRECT_URI: ${uriProblem}`);
  return { password, clientSecret, redirectUri };
}

/**
 * Creates the demo account and the demo app's OAuth client when missing; prints their credentials.
 * Safe on every start and from several instances at once: the account, app and client are made once,
 * the client's live secret is (re)set to the configured one, and its redirect URI is added if absent.
 * The demo app is `published`, so any user can authorize it. Only hashes are stored.
 */
export async function seedDemo(ctx: Ctx, print: (line: string) => void, env: Record<string, string | undefined> = process.env): Promise<void> {
  const demo = demoSettings(ctx, env);
  const passwordHash = await hashPassword(demo.password);
  const secretHash = hashToken(demo.clientSecret);
  const now = nowDate(ctx);

  const { storedHash } = await ctx.db.tx(async (db) => {
    await db.query('select pg_advisory_xact_lock($1)', [SEED_LOCK_KEY]);
    // The demo account is the operator's own, on an address nobody can receive mail at: verified from the start
    // (also when it was made before verification existed, migration 012).
    await db.query(
      `insert into users (id, email, password_hash, is_operator, created_at, email_verified_at) values ($1, $2, $3, $4, $5, $5)
       on conflict (email) do update set email_verified_at = coalesce(users.email_verified_at, excluded.email_verified_at)`,
      [ctx.random.uuid(), DEMO_EMAIL, passwordHash, ctx.config.operatorEmails.includes(DEMO_EMAIL), now],
    );
    const user = (await db.one<{ id: string; password_hash: string }>(`select id, password_hash from users where email = $1`, [DEMO_EMAIL]))!;

    let client = await db.one<{ oauth_app_id: string; redirect_uris: string[] }>(`select oauth_app_id, redirect_uris from oauth_clients where client_id = $1`, [DEMO_CLIENT_ID]);
    if (!client) {
      const appId = ctx.random.uuid();
      await db.query(
        `insert into oauth_apps (id, owner_id, name, home_page, status, created_at) values ($1, $2, $3, $4, 'published', $5)`,
        [appId, user.id, DEMO_APP_NAME, new URL(demo.redirectUri).origin, now],
      );
      await db.query(
        `insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, created_at) values ($1, $2, $3, false, $4, $5)`,
        [DEMO_CLIENT_ID, appId, 'Demo app (server)', [demo.redirectUri], now],
      );
      client = { oauth_app_id: appId, redirect_uris: [demo.redirectUri] };
    } else if (!client.redirect_uris.includes(demo.redirectUri)) {
      await db.query(`update oauth_clients set redirect_uris = array_append(redirect_uris, $2::text) where client_id = $1`, [DEMO_CLIENT_ID, demo.redirectUri]);
    }

    // Exactly the configured secret is live: a changed DEMO_CLIENT_SECRET or SECRET replaces the old one.
    const live = await db.query<{ secret_hash: string }>(`select secret_hash from client_secrets where client_id = $1 and revoked_at is null`, [DEMO_CLIENT_ID]);
    if (!live.some((s) => s.secret_hash === secretHash)) {
      await db.query(`update client_secrets set revoked_at = $2 where client_id = $1 and revoked_at is null`, [DEMO_CLIENT_ID, now]);
      await db.query(
        `insert into client_secrets (id, client_id, secret_hash, created_at) values ($1, $2, $3, $4)
         on conflict (secret_hash) do update set revoked_at = null`,
        [ctx.random.uuid(), DEMO_CLIENT_ID, secretHash, now],
      );
    }
    return { storedHash: user.password_hash };
  });

  const passwordWorks = await verifyPassword(storedHash, demo.password);
  print('Demo data (--seed-demo):');
  print(`  demo account:   ${DEMO_EMAIL}  password: ${passwordWorks ? demo.password : '(the account already existed with another password)'}`);
  print(`  demo OAuth app: "${DEMO_APP_NAME}" (published)`);
  print(`  client_id:      ${DEMO_CLIENT_ID}`);
  print(`  client_secret:  ${demo.clientSecret}`);
  print(`  redirect URI:   ${demo.redirectUri}`);
}
