import type { Ctx } from '../context.ts';
import { findAccessTokenPrincipal, findAccessTokenPrincipalWithOwnApps, type AccessPrincipalRow } from '../../store/principals.ts';
import type { ReachedAppRow } from '../../store/apps.ts';
import { cachedRead, createVersionedCache, type VersionedCache } from '../versioned-cache.ts';

/** How many access tokens a provider keeps; past this the oldest entry is dropped. */
export const PRINCIPAL_CACHE_MAX = 10_000;

/** How long an entry is served before the store is read again anyway (a bound, should an invalidation be missed). */
export const PRINCIPAL_CACHE_MS = 30_000;

/**
 * Access tokens this provider has looked up (docs/architecture.md §9), carried as `ctx.principals`: per provider,
 * never module state. Entries are valid for one `Store.principalRowsVersion()`; when it moves they are all dropped.
 * Only the embedded store vouches for a version, so on Postgres every lookup reads the store.
 */
export type PrincipalCache = VersionedCache<AccessPrincipalRow>;

export function createPrincipalCache(max = PRINCIPAL_CACHE_MAX): PrincipalCache {
  return createVersionedCache(max);
}

/**
 * The live access token with hash `tokenHash` joined with its user, grant and app (store/principals.ts), from the
 * cache while the store says none of those rows changed since it was read, else from the store. What the caller
 * decides from the row (locked user, suspended app, expiry against the clock) it decides on every request, cached
 * or not. Unknown tokens are never kept, and a row read while the version moved is returned but not kept.
 */
export function cachedAccessPrincipal(ctx: Pick<Ctx, 'db' | 'principals' | 'clock'>, tokenHash: string): Promise<AccessPrincipalRow | undefined> {
  return cachedRow(ctx, tokenHash, () => findAccessTokenPrincipal(ctx.db, tokenHash));
}

/**
 * `cachedAccessPrincipal`, and when the store is read (not in the cache, or on Postgres always) the apps the token's
 * user owns that its grant reaches, in the same statement (store/principals.ts `findAccessTokenPrincipalWithOwnApps`).
 * `ownApps` is null when the row came from the cache: the caller lists them itself.
 */
export async function cachedAccessPrincipalWithOwnApps(
  ctx: Pick<Ctx, 'db' | 'principals' | 'clock'>,
  tokenHash: string,
): Promise<{ row: AccessPrincipalRow | undefined; ownApps: ReachedAppRow[] | null }> {
  let ownApps: ReachedAppRow[] | null = null;
  const row = await cachedRow(ctx, tokenHash, async () => {
    const read = await findAccessTokenPrincipalWithOwnApps(ctx.db, tokenHash);
    ownApps = read?.apps ?? null;
    return read?.principal;
  });
  return { row, ownApps };
}

function cachedRow(ctx: Pick<Ctx, 'db' | 'principals' | 'clock'>, tokenHash: string, read: () => Promise<AccessPrincipalRow | undefined>): Promise<AccessPrincipalRow | undefined> {
  return cachedRead(ctx.principals, {
    key: tokenHash,
    now: ctx.clock.now(),
    ttlMs: PRINCIPAL_CACHE_MS,
    version: () => ctx.db.principalRowsVersion(),
    read,
    freeze: (row) => {
      Object.freeze(row.scopes);
      Object.freeze(row);
    },
  });
}
