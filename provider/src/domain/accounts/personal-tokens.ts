import type { Ctx } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { inSeconds, nowDate } from '../context.ts';
import { ApiError } from '../errors.ts';
import { generateToken, hashToken, isUuid } from '../tokens.ts';
import { countLivePersonalTokens, insertPersonalToken, listLivePersonalTokens, revokePersonalTokenOf, type PersonalTokenRow } from '../../store/personal-tokens.ts';

/** Live (unrevoked) personal access tokens a user may hold at once. */
export const MAX_PERSONAL_TOKENS = 100;

export type PersonalToken = PersonalTokenRow;

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
  if ((await countLivePersonalTokens(ctx.db, userId)) >= MAX_PERSONAL_TOKENS) {
    throw ApiError.validation(`You have ${MAX_PERSONAL_TOKENS} tokens; revoke one before making another`);
  }
  const token = generateToken(ctx.random, 'personal');
  const expires = input.expires_in_days ? inSeconds(ctx, input.expires_in_days * 86_400) : null;
  const record = await insertPersonalToken(ctx.db, { id: ctx.random.uuid(), userId, name: input.name, tokenHash: hashToken(token), createdAt: nowDate(ctx), expiresAt: expires });
  await recordEvent(ctx, { event: 'pat.created', actor: userId, userId, details: { personal_token_id: record.id, name: input.name.slice(0, 100), expires_at: expires } });
  return { token, record };
}

/** A user's unrevoked tokens, newest first (expired ones too, marked by `expires_at`). */
export function listPersonalTokens(ctx: Ctx, userId: string): Promise<PersonalToken[]> {
  return listLivePersonalTokens(ctx.db, userId);
}

/** Revokes one of the user's tokens; another user's or an unknown id → 404. */
export async function revokePersonalToken(ctx: Ctx, userId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw ApiError.notFound('personal-access-token', 'No such token');
  if (!(await revokePersonalTokenOf(ctx.db, userId, id, nowDate(ctx)))) throw ApiError.notFound('personal-access-token', 'No such token');
  await recordEvent(ctx, { event: 'pat.revoked', actor: userId, userId, details: { personal_token_id: id } });
}
