import type { Db } from './db.ts';

/** SQL condition: a key still published in JWKS (and so still verifying) at `now` (a parameter, e.g. `$1`). */
const publishedSql = (now: string) => `(retired_at is null or retired_at > ${now})`;

export interface SealedKey {
  kid: string;
  private_jwk_encrypted: string;
}

/** The current signing key of `alg`: the oldest stored key not rotated out. */
export async function findCurrentKey(db: Db, alg: string): Promise<SealedKey | undefined> {
  return db.one<SealedKey>(`select kid, private_jwk_encrypted from signing_keys where rotated_at is null and alg = $1 order by created_at, kid limit 1`, [alg]);
}

/** Stores a key pair (the private JWK already sealed); a kid stored before is kept (instances racing settle on one). */
export async function insertKey(db: Db, k: { kid: string; alg: string; publicJwk: string; sealedPrivateJwk: string; createdAt: Date }): Promise<void> {
  await db.query(`insert into signing_keys (kid, alg, public_jwk, private_jwk_encrypted, created_at) values ($1, $2, $3, $4, $5) on conflict (kid) do nothing`, [
    k.kid,
    k.alg,
    k.publicJwk,
    k.sealedPrivateJwk,
    k.createdAt,
  ]);
}

/** The keys published at `now`, oldest first, sealed. */
export async function publishedKeys(db: Db, now: Date): Promise<SealedKey[]> {
  return db.query<SealedKey>(`select kid, private_jwk_encrypted from signing_keys where ${publishedSql('$1')} order by created_at, kid`, [now]);
}

/** The public JWKs published at `now`, oldest first (JSON text on some drivers). */
export async function publishedPublicJwks(db: Db, now: Date): Promise<{ public_jwk: object | string }[]> {
  return db.query<{ public_jwk: object | string }>(`select public_jwk from signing_keys where ${publishedSql('$1')} order by created_at, kid`, [now]);
}

/** Rotates out the signing key(s) (only those created at or before `olderThan`, when given); their kids. */
export async function rotateKeys(db: Db, now: Date, retireAt: Date, olderThan?: Date): Promise<string[]> {
  const params: unknown[] = [now, retireAt];
  if (olderThan) params.push(olderThan);
  const rotated = await db.query<{ kid: string }>(
    `update signing_keys set rotated_at = $1, retired_at = $2 where rotated_at is null ${olderThan ? 'and created_at <= $3' : ''} returning kid`,
    params,
  );
  return rotated.map((x) => x.kid);
}

export interface KeyRow extends SealedKey {
  alg: string;
  created_at: Date;
  rotated_at: Date | null;
  retired_at: Date | null;
}

/** Every stored key, oldest first. */
export async function allKeys(db: Db): Promise<KeyRow[]> {
  return db.query<KeyRow>(`select kid, alg, created_at, rotated_at, retired_at, private_jwk_encrypted from signing_keys order by created_at, kid`);
}

/** Every stored key, oldest first, locked for re-sealing (call in a transaction). */
export async function allKeysForUpdate(db: Db): Promise<SealedKey[]> {
  return db.query<SealedKey>(`select kid, private_jwk_encrypted from signing_keys order by created_at, kid for update`);
}

export async function updateSealedKey(db: Db, kid: string, sealedPrivateJwk: string): Promise<void> {
  await db.query(`update signing_keys set private_jwk_encrypted = $2 where kid = $1`, [kid, sealedPrivateJwk]);
}

/** Deletes the keys no longer published at `now`; their kids. */
export async function deleteRetiredKeys(db: Db, now: Date): Promise<string[]> {
  const gone = await db.query<{ kid: string }>(`delete from signing_keys where not ${publishedSql('$1')} returning kid`, [now]);
  return gone.map((g) => g.kid);
}
