import type { Ctx } from '../context.ts';
import { findClientWithSecrets, type Client } from '../../store/clients.ts';
import { cachedRead, createVersionedCache, type VersionedCache } from '../versioned-cache.ts';

/** A client row as client authentication needs it: the client, its app's columns, and its live secret hashes. */
export type ClientWithSecrets = Client & { secret_hashes: string[] };

/** How many clients a provider keeps; past this the oldest entry is dropped. */
export const CLIENT_CACHE_MAX = 10_000;

/**
 * How long a cached row is served before it is read again whatever the store says: a bound on staleness should an
 * invalidation ever be missed (a LISTEN connection dropped silently by the network, which TCP keepalive notices
 * only after minutes). Writes are seen long before it, in this process at once and from others within milliseconds.
 */
export const CLIENT_CACHE_MS = 30_000;

/**
 * This provider's client rows (docs/architecture.md §6), carried as `ctx.clients`: per provider, never module state.
 * Entries are valid for one `Store.clientRowsVersion()`; when it moves they are all dropped.
 */
export type ClientCache = VersionedCache<ClientWithSecrets>;

export function createClientCache(max = CLIENT_CACHE_MAX): ClientCache {
  return createVersionedCache(max);
}

/**
 * The client `clientId` with its app and live secret hashes, from the cache when the store says nothing changed
 * since it was read, else from the store (one statement). Unknown clients are not cached: one may be registered at
 * any moment. A row read while the version moved (a write committed meanwhile) is returned but not kept, and while
 * the store cannot vouch for its version (null: a client-writing transaction open, or Postgres not listening) every
 * lookup reads the store.
 */
export function cachedClient(ctx: Pick<Ctx, 'db' | 'clients' | 'clock'>, clientId: string): Promise<ClientWithSecrets | undefined> {
  return cachedRead(ctx.clients, {
    key: clientId,
    now: ctx.clock.now(),
    ttlMs: CLIENT_CACHE_MS,
    version: () => ctx.db.clientRowsVersion(),
    read: () => findClientWithSecrets(ctx.db, clientId),
    freeze: (row) => {
      Object.freeze(row.redirect_uris);
      Object.freeze(row.secret_hashes);
      if (row.app_allowed_scopes) Object.freeze(row.app_allowed_scopes);
      Object.freeze(row);
    },
  });
}
