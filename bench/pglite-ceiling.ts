// `node --import tsx bench/pglite-ceiling.ts`: what one PGlite (the embedded store) can do on this machine, alone,
// for the statement shapes the provider uses — the ceiling any endpoint on the embedded store lives under.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

async function rate(label: string, n: number, fn: (i: number) => Promise<unknown>): Promise<string> {
  for (let i = 0; i < Math.min(200, n); i++) await fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i + 1_000_000);
  const s = (performance.now() - t0) / 1000;
  return `${label.padEnd(72)} ${(n / s).toFixed(0).padStart(6)}/s  ${((s / n) * 1000).toFixed(3)} ms each`;
}

async function run(kind: string, opts: ConstructorParameters<typeof PGlite>[0]) {
  const pg = await PGlite.create(opts);
  await pg.exec(`create table t (id text primary key, hits int not null, at timestamptz not null);
                 create table u (id text primary key, v text);`);
  await pg.query(`insert into u select i::text, md5(i::text) from generate_series(1, 1000) i`);
  const lines = [
    await rate(`${kind}: select 1`, 3000, () => pg.query('select 1')),
    await rate(`${kind}: select by primary key`, 3000, (i) => pg.query('select * from u where id = $1', [String(i % 1000)])),
    await rate(`${kind}: upsert (autocommit)`, 2000, (i) =>
      pg.query('insert into t values ($1, 1, now()) on conflict (id) do update set hits = t.hits + 1', [String(i % 50)]),
    ),
    await rate(`${kind}: transaction of 3 writes`, 1000, (i) =>
      pg.transaction(async (tx) => {
        await tx.query('insert into t values ($1, 1, now()) on conflict (id) do nothing', [`x${i}`]);
        await tx.query('update t set hits = hits + 1 where id = $1', [`x${i}`]);
        await tx.query('update u set v = $2 where id = $1', [String(i % 1000), String(i)]);
      }),
    ),
  ];
  await pg.close();
  return lines;
}

// `--variants`: also the settings an operator could change (smaller shared_buffers; no WAL flush per commit).
const variants = process.argv.includes('--variants');
const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pglite-ceiling-'));
  dirs.push(d);
  return d;
};
try {
  const cases: [string, ConstructorParameters<typeof PGlite>[0]][] = [
    ['memory', {}],
    ['file', { dataDir: dir() }],
  ];
  if (variants) {
    cases.push(['file shared_buffers=16MB', { dataDir: dir(), postgresqlconf: ['shared_buffers=16MB'] }]);
    cases.push(['memory fsync=off synchronous_commit=off', { postgresqlconf: ['fsync=off', 'synchronous_commit=off'] }]);
  }
  for (const [label, opts] of cases) for (const line of await run(label, opts)) console.log(line);
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
