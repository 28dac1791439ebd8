// Run as a child by bench/lib/startup.ts: where the provider's start-up time and memory go, in one fresh process.
//   node --import tsx bench/startup-breakdown.ts [dataDir|memory]
// Prints one JSON line: node + tsx start, loading the provider's modules, opening (and migrating) the store.
import { performance } from 'node:perf_hooks';

const mb = () => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
const t0 = performance.now();
const out: Record<string, number> = { node_and_tsx_ms: Math.round(performance.timeOrigin ? t0 : 0), rss_start_mb: mb() };
const { createProvider } = await import('../provider/src/app.ts');
const { defaultConfig } = await import('../provider/src/config.ts');
out.import_provider_ms = Math.round(performance.now() - t0);
out.rss_after_import_mb = mb();
const target = process.argv[2] ?? 'memory';
const t1 = performance.now();
const provider = await createProvider(
  defaultConfig({ databaseUrl: target === 'memory' ? 'memory' : undefined, dataDir: target, secret: 'bench-secret-bench-secret-bench-secret-0123' }),
  { sweeper: false },
);
await provider.ready;
out.open_store_ms = Math.round(performance.now() - t1);
out.rss_after_store_mb = mb();
await provider.close();
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
