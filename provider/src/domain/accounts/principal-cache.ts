import type { Ctx } from '../context.ts';
import { findAccessTokenPrincipal, type AccessPrincipalRow } from '../../store/principals.ts';

/** How many access tokens a provider keeps; past this the oldest entry is dropped. */
export const PRINCIPAL_CACHE_MAX = 10_000;

/** How long an entry is served before the store is read again anyway (a bound, should an invalidation be missed). */
export const PRINCIPAL_CACHE_MS = 30_000;

/**
 * Access tokens this provider has looked up (docs/architecture.md §9), carried as `ctx.principals`: per provider,
 * never module state. Entries are valid for one `Store.principalRowsVersion()`; when it moves they are all dropped.
 * Only the embedded store vouches for a version, so on Postgres every lookup reads the store.
 */
export interface PrincipalCache {
  readonly max: number;
  version: number | null;
  entries: Map<string, { row: AccessPrincipalRow; at: number }>;
}

export function createPrincipalCache(max = PRINCIPAL_CACHE_MAX): PrincipalCache {
  return { max, version: null, entries: new Map() };
}

/**
 * The live access token with hash `tokenHash` joined with its user, grant and app (store/principals.ts), from the
 * cache while the store says none of those rows changed since it was read, else from the store. What the caller
 * decides from the row (locked user, suspended app, expiry against the clock) it decides on every request, cached
 * or not. Unknown tokens are never kept, and a row read while the version moved is returned but not kept.
 */
export async function cachedAccessPrincipal(ctx: Pick<Ctx, 'db' | 'principals' | 'clock'>, tokenHash: string): Promise<AccessPrincipalRow | undefined> {
  const cache = ctx.principals;
  const version = ctx.db.principalRowsVersion();
  const now = ctx.clock.now();
  if (version !== null) {
    if (cache.version !== version) {
      cache.entries.clear();
      cache.version = version;
    }
    const hit = cache.entries.get(tokenHash);
    if (hit && now >= hit.at && now - hit.at < PRINCIPAL_CACHE_MS) return hit.row;
  }
  const row = await findAccessTokenPrincipal(ctx.db, tokenHash);
  if (row === undefined || version === null || ctx.db.principalRowsVersion() !== version || cache.version !== version) return row;
  // Shared by every request that presents the token: frozen, so no caller can change what the next one sees.
  Object.freeze(row.scopes);
  Object.freeze(row);
  cache.entries.delete(tokenHash);
  if (cache.entries.size >= cache.max) cache.entries.delete(cache.entries.keys().next().value!);
  cache.entries.set(tokenHash, { row, at: now });
  return row;
}
