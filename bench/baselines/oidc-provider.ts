// Baseline peer: oidc-provider 8.x (the workspace's devDependency) on the workspace's Node 20, memory adapter.
// The configuration is shared with the 9.x peers (oidc-config.ts).
import Provider from 'oidc-provider';
import { setStorage } from 'oidc-provider/lib/adapters/memory_adapter.js';
import { serveOidc } from './oidc-config.ts';

export { OIDC_ACCOUNT, OIDC_CLIENT, OIDC_SCOPES } from './oidc-config.ts';

if (import.meta.url === `file://${process.argv[1]}`) {
  // The memory adapter's own store is an LRU of 1,000 entries: 1,000 users' grants and refresh tokens, plus an
  // access token per refresh, do not fit, and evicted refresh tokens answered invalid_grant (thousands of HTTP 400s
  // a run). The same adapter on a store that keeps every entry, as the provider's database does.
  const entries = new Map<string, unknown>();
  setStorage({ get: (k: string) => entries.get(k), set: (k: string, v: unknown) => void entries.set(k, v), delete: (k: string) => entries.delete(k) });
  serveOidc(Provider);
}
