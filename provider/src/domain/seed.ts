import { createHmac } from 'node:crypto';
import { hashPassword, passwordProblem, verifyPassword } from './accounts/passwords.ts';
import { redirectUriProblem } from './accounts/redirect-uris.ts';
import type { Ctx } from './context.ts';
import { nowDate } from './context.ts';
import { hashToken } from './tokens.ts';
import { upsertDemoRows } from '../store/seed.ts';

export const DEMO_EMAIL = 'demo@example.com';
export const DEMO_APP_NAME = 'Instant Demo App';
export const DEMO_CLIENT_ID = 'demo-app';
export const DEMO_REDIRECT_URI = 'http://localhost:3000/auth/instant/callback';

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

  const { storedHash } = await ctx.db.tx((db) =>
    upsertDemoRows(db, {
      email: DEMO_EMAIL,
      passwordHash,
      isOperator: ctx.config.operatorEmails.includes(DEMO_EMAIL),
      appName: DEMO_APP_NAME,
      homePage: new URL(demo.redirectUri).origin,
      clientId: DEMO_CLIENT_ID,
      clientName: 'Demo app (server)',
      redirectUri: demo.redirectUri,
      secretHash,
      now,
      uuid: () => ctx.random.uuid(),
    }),
  );

  const passwordWorks = await verifyPassword(storedHash, demo.password);
  print('Demo data (--seed-demo):');
  print(`  demo account:   ${DEMO_EMAIL}  password: ${passwordWorks ? demo.password : '(the account already existed with another password)'}`);
  print(`  demo OAuth app: "${DEMO_APP_NAME}" (published)`);
  print(`  client_id:      ${DEMO_CLIENT_ID}`);
  print(`  client_secret:  ${demo.clientSecret}`);
  print(`  redirect URI:   ${demo.redirectUri}`);
}
