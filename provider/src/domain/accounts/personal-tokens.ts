import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { inSeconds, nowDate } from '../context.ts';
import { ApiError } from '../errors.ts';
import { generateToken, hashToken, isUuid } from '../tokens.ts';

/** Live (unrevoked) personal access tokens a user may hold at once. */
export const MAX_PERSONAL_TOKENS = 100;

export interface PersonalToken {
  id: string;
  name: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

/** The wire shape of a token in a list: never the secret, which is stored only as its SHA-256. */
export function personalTokenJson(t: PersonalToken) {
  return {
    id: t.id,
    name: t.name,
    created_at: t.created_at.toISOString(),
    expires_at: t.expires_at?.toISOString() ?? null,
    last_used_at: t.last_used_at?.toISOString() ?? null,
  };
}

/** Makes a `per_` token for a user. The plaintext is returned once and never stored (docs/api.md §1). */
export async function createPersonalToken(
  ctx: Ctx,
  userId: string,
  input: { name: string; expires_in_days?: number | undefined },
): Promise<{ token: string; record: PersonalToken }> {
  const live = await ctx.db.one<{ n: number }>(`select count(*)::int as n from personal_tokens where user_id = $1 and revoked_at is null`, [userId]);
  if ((live?.n ?? 0) >= MAX_PERSONAL_TOKENS) {
    throw ApiError.validation(`You have ${MAX_PERSONAL_TOKENS} tokens; revoke one before making another`);
  }
  const token = generateToken(ctx.random, 'personal');
  const expires = input.expires_in_days ? inSeconds(ctx, input.expires_in_days * 86_400) : null;
  const record = await ctx.db.one<PersonalToken>(
    `insert into personal_tokens (id, user_id, name, token_hash, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6)
     returning id, name, created_at, expires_at, last_used_at`,
    [ctx.random.uuid(), userId, input.name, hashToken(token), nowDate(ctx), expires],
  );
  await recordEvent(ctx, { event: 'pat.created', actor: userId, userId, details: { personal_token_id: record!.id, name: input.name.slice(0, 100), expires_at: expires } });
  return { token, record: record! };
}

/** A user's unrevoked tokens, newest first (expired ones too, marked by `expires_at`). */
export function listPersonalTokens(ctx: Ctx, userId: string): Promise<PersonalToken[]> {
  return ctx.db.query<PersonalToken>(
    `select id, name, created_at, expires_at, last_used_at from personal_tokens
      where user_id = $1 and revoked_at is null order by created_at desc, id`,
    [userId],
  );
}

/** Revokes one of the user's tokens; another user's or an unknown id → 404. */
export async function revokePersonalToken(ctx: Ctx, userId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw ApiError.notFound('personal-access-token', 'No such token');
  const row = await ctx.db.one(
    `update personal_tokens set revoked_at = $3 where id = $1 and user_id = $2 and revoked_at is null returning id`,
    [id, userId, nowDate(ctx)],
  );
  if (!row) throw ApiError.notFound('personal-access-token', 'No such token');
  await recordEvent(ctx, { event: 'pat.revoked', actor: userId, userId, details: { personal_token_id: id } });
}
