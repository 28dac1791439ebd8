/**
 * Signing-key rotation and SECRET re-sealing (docs/security-lifecycle.md §1–§2): `instant-provider keys rotate|list`,
 * `instant-provider secret reseal`, and the sweep job that retires rotated keys and rotates on a schedule.
 *
 * @module
 */
import type { Ctx } from '../context.ts';
import { inSeconds, nowDate } from '../context.ts';
import { recordEvent } from '../audit/events.ts';
import { encryptJwk, forgetSigningKey, insertSigningKey, openJwk, SIGNING_KEY_CACHE_MS } from './jwks.ts';
import { allKeys, allKeysForUpdate, deleteRetiredKeys, rotateKeys, updateSealedKey } from '../../store/signing-keys.ts';

/**
 * How long past the id_token lifetime a rotated key stays published: instances may sign with it for up to
 * SIGNING_KEY_CACHE_MS after the rotation, and verifiers' clocks may run behind by a few minutes (most libraries,
 * jose among them, allow no more than that as clock tolerance).
 */
export const RETIRE_MARGIN_S = SIGNING_KEY_CACHE_MS / 1000 + 300;

export interface Rotation {
  /** The new signing key. */
  kid: string;
  /** The keys it replaced: they verify until `retireAt`, then leave JWKS. */
  rotated: string[];
  retireAt: Date;
}

/**
 * A new key signs from now on (on other instances within SIGNING_KEY_CACHE_MS); the keys it replaces stay published
 * until every id_token they signed has expired (ACCESS_TOKEN_TTL_S, the id_token lifetime, plus RETIRE_MARGIN_S).
 * With `olderThan` (the schedule), rotates only when the signing key was created before it, else returns null; the
 * conditional update makes concurrent sweeps of several instances rotate once.
 */
export async function rotateSigningKey(ctx: Ctx, opts: { actor: string; olderThan?: Date }): Promise<Rotation | null> {
  const retireAt = inSeconds(ctx, ctx.config.accessTokenTtlS + RETIRE_MARGIN_S);
  const rotation = await ctx.db.tx(async (db) => {
    const rotated = await rotateKeys(db, nowDate(ctx), retireAt, opts.olderThan);
    if (opts.olderThan && rotated.length === 0) return null;
    const kid = await insertSigningKey(ctx, db);
    const r: Rotation = { kid, rotated: rotated.sort(), retireAt };
    await recordEvent({ ...ctx, db }, { event: 'signing_key.rotated', actor: opts.actor, details: { kid, rotated_kids: r.rotated, retire_at: retireAt.toISOString() } });
    return r;
  });
  forgetSigningKey(ctx);
  return rotation;
}

export interface StoredKey {
  kid: string;
  alg: string;
  created_at: Date;
  rotated_at: Date | null;
  retired_at: Date | null;
  /** `signing`, `verifying` (rotated, published until retired_at) or `retired` (no longer published; the sweep deletes it). */
  status: 'signing' | 'verifying' | 'retired';
  /** Which secret opens its private part: `SECRET`, `SECRET_PREVIOUS`, or `none`. */
  sealedWith: 'SECRET' | 'SECRET_PREVIOUS' | 'none';
}

/** Every stored signing key, oldest first. */
export async function listSigningKeys(ctx: Ctx): Promise<StoredKey[]> {
  const now = nowDate(ctx);
  const rows = await allKeys(ctx.db);
  return rows.map(({ private_jwk_encrypted, ...r }) => {
    const opened = openJwk(ctx, private_jwk_encrypted);
    const status = r.rotated_at === null ? 'signing' : r.retired_at !== null && r.retired_at <= now ? 'retired' : 'verifying';
    return { ...r, status, sealedWith: opened === null ? 'none' : opened.current ? 'SECRET' : 'SECRET_PREVIOUS' };
  });
}

export interface Reseal {
  /** Keys a SECRET_PREVIOUS opened, now sealed with SECRET. */
  resealed: string[];
  /** Keys SECRET already sealed. */
  current: string[];
  /** Keys no configured secret opens: left as they are. */
  unopened: string[];
}

/**
 * Re-seals every stored private key with SECRET (one transaction), so that SECRET_PREVIOUS can be dropped: after it,
 * `keys list` shows every key `sealedWith: SECRET` (docs/security-lifecycle.md §2).
 */
export async function resealSigningKeys(ctx: Ctx, actor: string): Promise<Reseal> {
  const out: Reseal = { resealed: [], current: [], unopened: [] };
  await ctx.db.tx(async (db) => {
    const rows = await allKeysForUpdate(db);
    for (const row of rows) {
      const opened = openJwk(ctx, row.private_jwk_encrypted);
      if (opened === null) out.unopened.push(row.kid);
      else if (opened.current) out.current.push(row.kid);
      else {
        await updateSealedKey(db, row.kid, encryptJwk(ctx.config.secret, opened.jwk, ctx.random.bytes(12)));
        out.resealed.push(row.kid);
      }
    }
    if (out.resealed.length) await recordEvent({ ...ctx, db }, { event: 'signing_key.resealed', actor, details: { kids: out.resealed } });
  });
  return out;
}

/**
 * The sweep job: deletes keys past their retirement (their tokens have expired; the private part goes with them),
 * then, with SIGNING_KEY_ROTATE_DAYS, rotates a signing key that old.
 */
export async function sweepSigningKeys(ctx: Ctx): Promise<void> {
  const gone = await deleteRetiredKeys(ctx.db, nowDate(ctx));
  if (gone.length) await recordEvent(ctx, { event: 'signing_key.retired', actor: 'system', details: { kids: gone.sort() } });
  const days = ctx.config.signingKeyRotateDays;
  if (days !== undefined) await rotateSigningKey(ctx, { actor: 'system', olderThan: inSeconds(ctx, -days * 86_400) });
}
