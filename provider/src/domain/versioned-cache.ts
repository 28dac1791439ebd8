/**
 * A cache of rows that are valid for one version of a store's watch (docs/architecture.md §6 and §9): when the
 * version moves, every entry is dropped. The client cache (`ctx.clients`) and the access-token principal cache
 * (`ctx.principals`) are two of these.
 */
export interface VersionedCache<V> {
  readonly max: number;
  /** The store version the entries were read at. */
  version: number | null;
  entries: Map<string, { row: V; at: number }>;
}

export function createVersionedCache<V>(max: number): VersionedCache<V> {
  return { max, version: null, entries: new Map() };
}

/**
 * The row of `key`, from the cache while `version()` has not moved since it was read (and for at most `ttlMs`),
 * else from `read()`. Absent rows are never kept. A row read while the version moved (a write committed meanwhile)
 * is returned but not kept, and while `version()` is null (the store cannot vouch for it) every call reads. A kept
 * row is shared by every caller: `freeze` makes it read-only first.
 */
export async function cachedRead<V>(
  cache: VersionedCache<V>,
  o: { key: string; now: number; ttlMs: number; version: () => number | null; read: () => Promise<V | undefined>; freeze: (row: V) => void },
): Promise<V | undefined> {
  const version = o.version();
  if (version !== null) {
    if (cache.version !== version) {
      cache.entries.clear();
      cache.version = version;
    }
    const hit = cache.entries.get(o.key);
    if (hit && o.now >= hit.at && o.now - hit.at < o.ttlMs) return hit.row;
  }
  const row = await o.read();
  if (row === undefined || version === null || o.version() !== version || cache.version !== version) return row;
  o.freeze(row);
  cache.entries.delete(o.key);
  if (cache.entries.size >= cache.max) cache.entries.delete(cache.entries.keys().next().value!);
  cache.entries.set(o.key, { row, at: o.now });
  return row;
}
