// `node --import tsx bench/refresh-audit.ts [--rows=N] [--rounds=N] [--stores=pglite,postgres]`: what a refresh
// leaves in the store and what its audit row costs (docs/architecture.md §11, bench/RESULTS.md round 14).
//   1. bytes: N refreshes of one backend's 1,000 kept tokens through the provider's own batched statement
//      (store/tokens.ts refreshRows, 50 a statement, every one audited), then each relation's size per refresh;
//   2. time: the refresh ceiling (bench/lib/ceiling.ts: client lookup and refreshTokenGrant in process, 32 at a time)
//      with AUDIT_REFRESHES=each and =daily, interleaved, each run on a newly seeded store.
// Postgres: BENCH_DATABASE_URL (default as bench/run.ts); a database of its own each run, dropped after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemRandom } from '../provider/src/domain/clock.ts';
import { generateToken, hashToken } from '../provider/src/domain/tokens.ts';
import { createDatabase, postgresAvailable } from '../provider/src/reliability/processes.ts';
import { openStore } from '../provider/src/store/index.ts';
import { refreshRows, type RefreshInput } from '../provider/src/store/tokens.ts';
import { seedBackend } from './lib/backend.ts';
import { refreshCeiling } from './lib/ceiling.ts';

const flag = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const ROWS = Number(flag('rows', '50000'));
const ROUNDS = Number(flag('rounds', '3'));
const STORES = flag('stores', 'pglite,postgres').split(',');
const USERS = 1000;

/** A store of its own: a new data directory, and on Postgres a new database. */
async function scratchStore(store: string) {
  const dir = mkdtempSync(join(tmpdir(), 'refresh-audit-'));
  const pg = store === 'postgres' ? await createDatabase() : undefined;
  return { dir, url: pg?.url, drop: async () => (await pg?.drop(), rmSync(dir, { recursive: true, force: true })) };
}

async function bytesPerRefresh(store: string): Promise<void> {
  const s = await scratchStore(store);
  try {
    const b = await seedBackend(s.url, s.dir, USERS, null);
    const db = await openStore(s.url, s.dir);
    const hashes = b.refreshTokens.map(hashToken);
    const actor = `client:${b.client.client_id}`;
    for (let i = 0; i < ROWS; i += 50) {
      // 50 consecutive tokens of 1,000: a statement never holds one token twice (as group commit keeps it).
      const rows: RefreshInput[] = Array.from({ length: Math.min(50, ROWS - i) }, (_, k) => {
        const now = new Date();
        return {
          tokenHash: hashes[(i + k) % USERS]!,
          clientId: b.client.client_id,
          now,
          idleExpiresAt: new Date(now.getTime() + 30 * 86_400_000),
          access: { id: systemRandom.uuid(), tokenHash: hashToken(generateToken(systemRandom, 'access')), expiresAt: new Date(now.getTime() + 3_600_000) },
          successor: null,
          touchBefore: new Date(now.getTime() - 60_000),
          resource: null,
          audit: { at: now, event: 'token.refreshed', outcome: 'success', actor, user_id: null, client_id: b.client.client_id, oauth_app_id: null, address: '127.0.0.1', details: '{}' },
          auditIfUsedBefore: null,
        };
      });
      if ((await refreshRows(db, rows)).some((o) => !o)) throw new Error('a refresh failed');
    }
    const sizes = await db.query<{ rel: string; table: string; bytes: string }>(
      `select c.relname as rel, coalesce(t.relname, c.relname) as table, pg_relation_size(c.oid)::text as bytes
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         left join pg_index i on i.indexrelid = c.oid left join pg_class t on t.oid = i.indrelid
        where n.nspname = 'public' and c.relkind in ('r', 'i') and coalesce(t.relname, c.relname) in ('audit_events', 'access_tokens')
        order by 2, 1`,
    );
    await db.close();
    for (const table of ['audit_events', 'access_tokens']) {
      const mine = sizes.filter((r) => r.table === table);
      const per = (r: { bytes: string }) => Number(r.bytes) / ROWS;
      const heap = mine.filter((r) => r.rel === table).reduce((a, r) => a + per(r), 0);
      const indexes = mine.filter((r) => r.rel !== table).reduce((a, r) => a + per(r), 0);
      console.log(`${store.padEnd(8)} ${table.padEnd(13)} ${Math.round(heap + indexes)} bytes a refresh (heap ${Math.round(heap)}, ${mine.length - 1} indexes ${Math.round(indexes)}), ${ROWS} refreshes`);
    }
  } finally {
    await s.drop();
  }
}

async function ceilingBySetting(store: string): Promise<void> {
  const rates: Record<string, number[]> = { each: [], daily: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 ? (['daily', 'each'] as const) : (['each', 'daily'] as const)) {
      const s = await scratchStore(store);
      try {
        const b = await seedBackend(s.url, s.dir, USERS, null);
        const res = await refreshCeiling(s.url, s.dir, b, 2, 5, 32, { auditRefreshes: mode });
        if (res.errors) throw new Error(`${res.errors} errors: ${res.samples.join('; ')}`);
        rates[mode]!.push(Math.round(res.rps));
      } finally {
        await s.drop();
      }
    }
  }
  console.log(`${store.padEnd(8)} ceiling refreshes/s, AUDIT_REFRESHES=each: ${rates.each!.join(', ')}; =daily: ${rates.daily!.join(', ')}`);
}

for (const store of STORES) {
  if (store === 'postgres' && !(await postgresAvailable())) {
    console.log('postgres unreachable: skipped');
    continue;
  }
  await bytesPerRefresh(store);
  await ceilingBySetting(store);
}
