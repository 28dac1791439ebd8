// Command line of `npm run bench -- [options]`.
import type { StoreKind } from './servers.ts';

export interface BenchArgs {
  quick: boolean;
  /** Measured seconds per scenario. */
  durationS: number;
  /** Warm-up seconds per scenario (discarded). */
  warmupS: number;
  connections: number;
  stores: StoreKind[];
  /** Only scenarios whose name contains one of these (empty: all). */
  only: string[];
  baselines: boolean;
  /** Where results.json goes. */
  out: string;
  /** Write a CPU profile of each provider process into this directory (node --cpu-prof). */
  cpuProf?: string;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --quick              short runs (2 s warm-up, 6 s measured per scenario); ~9 minutes in all with both stores and
                       the peers (each store's two steady runs take 30 s each, whatever the option)
  --duration=S         measured seconds per scenario (default 20; quick 6)
  --warmup=S           warm-up seconds per scenario (default 5; quick 2)
  --connections=N      concurrent connections (default 32)
  --store=pglite,postgres   which provider stores to run (default both; postgres is skipped when unreachable)
  --only=a,b           only scenarios whose name contains a or b (baselines they compare to still run)
  --no-baselines       skip hono-hello and oidc-provider
  --out=FILE           results JSON (default bench/results.json)
  --cpu-prof=DIR       run each provider under node --cpu-prof, profiles into DIR
  BENCH_DATABASE_URL   Postgres server for the postgres store (default TEST_DATABASE_URL or ${'postgres://postgres@127.0.0.1:55432/postgres'})
`;

export function parseArgs(argv: string[], defaultOut: string): BenchArgs {
  const flags = new Map<string, string>();
  for (const a of argv) {
    if (a === '--') continue;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}\n\n${USAGE}`);
    flags.set(m[1]!, m[2] ?? 'true');
  }
  const known = ['quick', 'duration', 'warmup', 'connections', 'store', 'only', 'no-baselines', 'out', 'cpu-prof', 'help'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k}\n\n${USAGE}`);
  const quick = flags.has('quick');
  const num = (k: string, d: number) => {
    const v = flags.get(k);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} must be a non-negative number`);
    return n;
  };
  const stores = (flags.get('store') ?? 'pglite,postgres').split(',').filter(Boolean);
  for (const s of stores) if (s !== 'pglite' && s !== 'postgres') throw new Error(`--store: unknown store ${s}`);
  return {
    quick,
    durationS: num('duration', quick ? 6 : 20),
    warmupS: num('warmup', quick ? 2 : 5),
    connections: Math.max(1, Math.floor(num('connections', 32))),
    stores: stores as StoreKind[],
    only: (flags.get('only') ?? '').split(',').filter(Boolean),
    baselines: !flags.has('no-baselines'),
    out: flags.get('out') ?? defaultOut,
    cpuProf: flags.get('cpu-prof'),
    help: flags.has('help'),
  };
}
