import type { Ctx } from '../context.ts';
import { findClientWithSecrets, type Client } from '../../store/clients.ts';

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
export interface ClientCache {
  readonly max: number;
  /** The store version the entries were read at. */
  version: number | null;
  entries: Map<string, { row: ClientWithSecrets; at: number }>;
}

export function createClientCache(max = CLIENT_CACHE_MAX): ClientCache {
  return { max, version: null, entries: new Map() };
}

/**
 * The client `clientId` with its app and live secret hashes, from the cache when the store says nothing changed
 * since it was read, else from the store (one statement). Unknown clients are not cached: one may be registered at
 * any moment. A row read while the version moved (a write committed meanwhile) is returned but not kept, and while
 * the store cannot vouch for its version (null: a client-writing transaction open, or Postgres not listening) every
 * lookup reads the store.
 */
export async function cachedClient(ctx: Pick<Ctx, 'db' | 'clients' | 'clock'>, clientId: string): Promise<ClientWithSecrets | undefined> {
  const cache = ctx.clients;
  const version = ctx.db.clientRowsVersion();
  const now = ctx.clock.now();
  if (version !== null) {
    if (cache.version !== version) {
      cache.entries.clear();
      cache.version = version;
    }
    const hit = cache.entries.get(clientId);
    if (hit && now >= hit.at && now - hit.at < CLIENT_CACHE_MS) return hit.row;
  }
  const row = await findClientWithSecrets(ctx.db, clientId);
  if (row === undefined || version === null || ctx.db.clientRowsVersion() !== version || cache.version !== version) return row;
  // Shared by every request that hits it: frozen, so no caller can change what the next one sees.
  Object.freeze(row.redirect_uris);
  Object.freeze(row.secret_hashes);
  if (row.app_allowed_scopes) Object.freeze(row.app_allowed_scopes);
  Object.freeze(row);
  cache.entries.delete(clientId);
  if (cache.entries.size >= cache.max) cache.entries.delete(cache.entries.keys().next().value!);
  cache.entries.set(clientId, { row, at: now });
  return row;
}
