// Run as a child by bench/lib/startup.ts: where the provider's start-up time and memory go, in one fresh process
// started the way provider/bin/instant-provider.mjs starts (plain node, the built dist/, the same V8 settings).
//   node bench/startup-breakdown.mjs [dataDir|memory]
// Prints one JSON line: node start, loading the provider's modules, opening (and
// migrating) the store.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--wasm-num-compilation-tasks=1'); // as provider/bin/instant-provider.mjs
const mb = () => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;
const t0 = performance.now();
const out = { node_start_ms: Math.round(t0), rss_start_mb: mb() };
const t1 = performance.now();
const { createProvider, defaultConfig } = await import('../provider/dist/index.js');
out.import_provider_ms = Math.round(performance.now() - t1);
out.rss_after_import_mb = mb();
const target = process.argv[2] ?? 'memory';
const t2 = performance.now();
const provider = await createProvider(
  defaultConfig({ databaseUrl: target === 'memory' ? 'memory' : undefined, dataDir: target, secret: 'bench-secret-bench-secret-bench-secret-0123' }),
  { sweeper: false },
);
await provider.ready;
out.open_store_ms = Math.round(performance.now() - t2);
out.rss_after_store_mb = mb();
await provider.close();
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(0);
