import type { Ctx } from '../domain/context.ts';
import { generateToken, hashToken } from '../domain/tokens.ts';
import { expect } from 'vitest';
import { codeExchange, type OAuthWorld } from './oauth.ts';
import { insertTokenSet, pkcePair, type TestClient } from './fixtures.ts';

/** Test helpers for the Platform API: users and bearer tokens made straight in the store. */

/** A `per_` token for a user. */
export async function makePersonalToken(ctx: Ctx, userId: string, opts: { expiresAt?: Date; revoked?: boolean } = {}): Promise<string> {
  const token = generateToken(ctx.random, 'personal');
  const now = new Date(ctx.clock.now());
  await ctx.db.query(
    `insert into personal_tokens (id, user_id, name, token_hash, created_at, expires_at, revoked_at) values ($1, $2, 'test', $3, $4, $5, $6)`,
    [ctx.random.uuid(), userId, hashToken(token), now, opts.expiresAt ?? null, opts.revoked ? now : null],
  );
  return token;
}

/** A `pat_` access token (with its OAuth app, client and grant) and the matching `prt_` refresh token. */
export async function makeAccessToken(
  ctx: Ctx,
  userId: string,
  scopes: string[],
  opts: { ttlS?: number; revoked?: boolean } = {},
): Promise<{ access: string; refresh: string }> {
  const now = new Date(ctx.clock.now());
  const appId = ctx.random.uuid();
  const clientId = `client_${ctx.random.uuid()}`;
  await ctx.db.query(`insert into oauth_apps (id, owner_id, name, status, created_at) values ($1, $2, 'Test app', 'published', $3)`, [appId, userId, now]);
  await ctx.db.query(`insert into oauth_clients (client_id, oauth_app_id, name, is_public, redirect_uris, created_at) values ($1, $2, 'c', false, $3, $4)`, [
    clientId,
    appId,
    ['https://example.com/cb'],
    now,
  ]);
  const { access, refresh } = await insertTokenSet(ctx, { userId, clientId, scopes, accessTtlS: opts.ttlS, accessRevoked: opts.revoked });
  return { access, refresh };
}

/** JSON request options with a bearer token. */
export function req(method: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/** Tokens through the real flow, with the consent page's choice of apps posted as `fields`. */
export async function limitedTokens(w: OAuthWorld, c: TestClient, fields: Record<string, string>, o: { scope?: string; resource?: string; prompt?: string } = {}) {
  const { verifier, challenge } = pkcePair();
  const { res } = await codeExchange(w, c, {
    scope: o.scope ?? 'apps-read apps-write',
    codeChallenge: challenge,
    verifier,
    consentFields: fields,
    extra: { ...(o.resource ? { resource: o.resource } : {}), ...(o.prompt ? { prompt: o.prompt } : {}) },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

/** What a call of Instant's `PlatformApi` rejected with (its error carries the HTTP status and the body); throws if it did not fail. */
export async function rejection(promise: Promise<unknown>): Promise<{ status: number; body: { type?: string; message?: string; hint?: Record<string, unknown> } }> {
  try {
    await promise;
  } catch (e) {
    return e as { status: number; body: { type?: string; message?: string; hint?: Record<string, unknown> } };
  }
  throw new Error('expected the call to fail');
}
