// The headline shape (docs/rate-limits.md §3, bench/RESULTS.md): an app builder's backend — one OAuth app, one
// confidential client, and a refresh token for each of `users` users who signed in through it — written straight
// into the store before the provider under test starts, so set-up does not spend minutes on 1,000 argon2 sign-ups
// (and so no address has to be spoofed to get past the sign-up limit). The provider then starts on that store as a
// new process: nothing of the set-up is in its memory.
import { systemRandom } from '../../provider/src/domain/clock.ts';
import { openStore } from '../../provider/src/store/index.ts';
import { generateToken, hashToken } from '../../provider/src/domain/tokens.ts';
import { BENCH_REDIRECT_URI, type OAuthClientCreds } from '../../provider/src/reliability/provider-flows.ts';

export interface Backend {
  client: OAuthClientCreds;
  refreshTokens: string[];
}

/**
 * Seeds one backend: its app (published; `ratePerS` its quota, null → CLIENT_RATE_LIMIT), its client (confidential,
 * refresh tokens not rotated, as Instant's SDK backends keep one per user), and `users` users each with a live grant,
 * a refresh token and an access token. `databaseUrl` undefined → the embedded store in `dataDir`.
 */
export async function seedBackend(databaseUrl: string | undefined, dataDir: string, users: number, ratePerS: number | null, name = 'backend'): Promise<Backend> {
  const db = await openStore(databaseUrl, dataDir);
  try {
    const r = systemRandom;
    const appId = r.uuid();
    const clientId = r.uuid();
    const secret = generateToken(r, 'client_secret');
    const now = new Date();
    const day = new Date(now.getTime() + 30 * 86_400_000);
    await db.query(`insert into oauth_apps (id, owner_id, name, status, dynamic, created_at, rate_limit_per_s) values ($1, null, $2, 'published', false, $3, $4)`, [appId, `bench ${name}`, now, ratePerS]);
    await db.query(`insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, rotate_refresh_tokens, created_at) values ($1, $2, $3, false, $4, false, $5)`, [
      clientId,
      appId,
      `bench ${name} client`,
      [BENCH_REDIRECT_URI],
      now,
    ]);
    await db.query(`insert into client_secrets (id, client_id, secret_hash, created_at) values ($1, $2, $3, $4)`, [r.uuid(), clientId, hashToken(secret), now]);
    const ids = Array.from({ length: users }, () => r.uuid());
    const grants = ids.map(() => r.uuid());
    const families = ids.map(() => r.uuid());
    const refreshTokens = ids.map(() => generateToken(r, 'refresh'));
    const scopes = '{apps-read,apps-write}';
    await db.query(`insert into users (id, email, password_hash, created_at) select id, $2 || id || '@example.com', 'not-a-password', $3 from unnest($1::uuid[]) id`, [ids, `${name}-`, now]);
    await db.query(`insert into grants (id, user_id, oauth_app_id, scopes, created_at) select g, u, $3, $4::text[], $5 from unnest($1::uuid[], $2::uuid[]) as t(g, u)`, [grants, ids, appId, scopes, now]);
    await db.query(
      `insert into refresh_tokens (id, token_hash, family_id, grant_id, client_id, user_id, scopes, created_at, idle_expires_at)
       select gen_random_uuid(), h, f, g, $5, u, $6::text[], $7, $8 from unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[]) as t(h, f, g, u)`,
      [refreshTokens.map(hashToken), families, grants, ids, clientId, scopes, now, day],
    );
    return { client: { client_id: clientId, client_secret: secret, redirect_uri: BENCH_REDIRECT_URI }, refreshTokens };
  } finally {
    await db.close();
  }
}
