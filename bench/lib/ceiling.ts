// The ceiling of a store for the headline refresh: the provider's own code for it — the client lookup and
// refreshTokenGrant's one statement — called in this process against the seeded store, 32 at a time, with no HTTP,
// no client authentication hash and no rate limits. What the token endpoint adds on top is HTTP and JS.
import { createProvider } from '../../provider/src/app.ts';
import { loadConfig, type ProviderConfig } from '../../provider/src/domain/config.ts';
import { getClient } from '../../provider/src/domain/oauth/clients.ts';
import { refreshTokenGrant } from '../../provider/src/domain/oauth/refresh.ts';
import type { Backend } from './backend.ts';
import type { LoadResult } from './load.ts';
import { BENCH_SECRET } from './servers.ts';

export async function refreshCeiling(
  databaseUrl: string | undefined,
  dataDir: string,
  b: Backend,
  warmupS: number,
  durationS: number,
  concurrency = 32,
  settings: Partial<ProviderConfig> = {},
): Promise<LoadResult> {
  const config = { ...loadConfig({}), databaseUrl, dataDir, secret: BENCH_SECRET, logLevel: 'silent' as const, ...settings };
  const p = await createProvider(config, { sweeper: false });
  await p.ready;
  try {
    const latencies: number[] = [];
    let errors = 0;
    const samples = new Set<string>();
    let next = 0;
    const run = async (untilMs: number, record: boolean) => {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < untilMs) {
            const t0 = performance.now();
            try {
              const client = await getClient(p.ctx, b.client.client_id);
              if (!client) throw new Error('no client');
              await refreshTokenGrant(p.ctx, client, { refresh_token: b.refreshTokens[next++ % b.refreshTokens.length]! }, '127.0.0.1');
              if (record) latencies.push(performance.now() - t0);
            } catch (err) {
              errors++;
              if (samples.size < 5) samples.add(String(err).slice(0, 300));
            }
          }
        }),
      );
    };
    await run(performance.now() + warmupS * 1000, false);
    const t0 = performance.now();
    await run(t0 + durationS * 1000, true);
    const s = (performance.now() - t0) / 1000;
    latencies.sort((x, y) => x - y);
    const pct = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0) * 100) / 100;
    return { rps: latencies.length / s, p50_ms: pct(0.5), p99_ms: pct(0.99), errors, ok: latencies.length, durationS: s, samples: [...samples] };
  } finally {
    await p.close();
  }
}
