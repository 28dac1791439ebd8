import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db, Store } from './db.ts';
import { migrate } from './migrate.ts';
import { analyzeStale } from './maintenance.ts';
import { openPglite } from './pglite.ts';

export type { Db, Store } from './db.ts';
export { isUniqueViolation } from './db.ts';
export { migrate } from './migrate.ts';

/**
 * Opens the store named by DATABASE_URL (unset → PGlite in dataDir, `memory` → in-memory PGlite) and migrates it.
 * `pgliteThread` (PGLITE_THREAD): PGlite in a worker thread of its own (docs/architecture.md §10); `auto`, where the
 * machine has a second core to run it on. `pgliteSharedBuffersMb` (PGLITE_SHARED_BUFFERS_MB): the embedded store's
 * shared_buffers (store/pglite-settings.ts). The provider passes its config as `opts`: the names are the same.
 * `onNewDataDir` hears about a new embedded data directory being made, before and after, so that a first start,
 * silent for seconds while the template is built, can say why.
 */
export async function openStore(
  databaseUrl: string | undefined,
  dataDir: string,
  opts: { pgliteThread?: 'auto' | boolean; pgliteSharedBuffersMb?: number; onNewDataDir?: NewDataDirNote } = {},
): Promise<Store> {
  const choice = opts.pgliteThread ?? 'auto';
  const thread = choice === 'auto' ? availableParallelism() > 1 : choice;
  let store: Store;
  if (databaseUrl === undefined) {
    const pgdata = join(dataDir, 'pgdata');
    await initPgliteDataDir(pgdata, opts.onNewDataDir);
    store = await openPglite({ dataDir: pgdata, thread, sharedBuffersMb: opts.pgliteSharedBuffersMb });
  } else if (databaseUrl === 'memory') {
    // From the template's tarball: no initdb (seconds, and ~700 MB kept) in this process.
    const template = await pgliteTemplate(await recordMigrations(), () => opts.onNewDataDir?.('creating', { dir: 'memory', template: 'building' }));
    store = await openPglite({ ...(template ? { snapshot: new Blob([readFileSync(template.tar)]) } : {}), thread, sharedBuffersMb: opts.pgliteSharedBuffersMb });
  } else {
    // Loaded only here: the embedded store never loads the Postgres driver.
    const { openPostgres } = await import('./postgres.ts');
    store = await openPostgres(databaseUrl);
  }
  try {
    await migrate(store);
    // Statistics from the start (the embedded store has no autovacuum; the sweep keeps them, domain/sweep.ts), and
    // on Postgres for a restored database's tables, which have none until autovacuum's first ANALYZE.
    await analyzeStale(store);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

// initdb in a child process: PGlite keeps the memory its initdb took (~700 MB) for as long as the process lives.
// The child also runs the migrations (recorded by `recordMigrations`) and dumps the result as a tarball.
const INITDB = `const { PGlite } = require(process.argv[1]);
const { readFileSync, writeFileSync } = require('node:fs');
(async () => {
  const pg = await PGlite.create({ dataDir: process.argv[2] });
  for (const tx of JSON.parse(readFileSync(process.argv[4], 'utf8'))) {
    await pg.transaction(async (t) => { for (const [sql, params] of tx) await t.query(sql, params); });
  }
  writeFileSync(process.argv[3], Buffer.from(await (await pg.dumpDataDir('none')).arrayBuffer()));
  await pg.close();
})().catch((err) => { console.error(err); process.exit(1); });`;

type Recorded = [sql: string, params: unknown[]][][];

/**
 * The statements `migrate` runs on a new database, transaction by transaction, for the child to replay: one
 * definition of migrating, and `migrate` still runs at every open (finding them applied).
 */
async function recordMigrations(): Promise<Recorded> {
  const txs: Recorded = [];
  let current: Recorded[number] = [];
  const record = (sql: string, params: unknown[] = []) => void current.push([sql, params]);
  const db: Db = {
    query: async <T,>(sql: string, params?: unknown[]) => (record(sql, params), [] as T[]),
    one: async <T,>(sql: string, params?: unknown[]): Promise<T | undefined> => (record(sql, params), undefined),
    tx: async (fn) => fn(db),
  };
  const recorder: Store = {
    kind: 'pglite',
    ...db,
    tx: async (fn) => {
      current = [];
      txs.push(current);
      return fn(db);
    },
    exec: async () => {
      throw new Error('migrate is expected to run statements in transactions');
    },
    close: async () => {},
    clientRowsVersion: () => null,
    principalRowsVersion: () => null,
  };
  await migrate(recorder);
  return txs;
}

/** Runs initdb and the migrations into the directory `dir`, then dumps it as the tarball `tar`, in a child process. */
async function initdbInChild(dir: string, tar: string, migrations: Recorded): Promise<void> {
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  mkdirSync(dir, { recursive: true });
  const statements = `${tar}.json`;
  writeFileSync(statements, JSON.stringify(migrations));
  try {
    await new Promise<void>((resolve, reject) => {
      const child = execFile(process.execPath, ['-e', INITDB, pglite, dir, tar, statements], { maxBuffer: 16 * 2 ** 20 }, (err, _stdout, stderr) => {
        process.off('exit', stop);
        if (err) reject(new Error(`initdb in ${dir} failed: ${stderr.trim() || err.message}`));
        else resolve();
      });
      const stop = () => child.kill('SIGKILL'); // this process stopping (SIGTERM during a first start) stops it too
      process.on('exit', stop);
    });
  } finally {
    rmSync(statements, { force: true });
  }
}

/**
 * What `openStore` says about a new embedded data directory: `creating` when it must run initdb and the migrations
 * (seconds: `template` is `building` when the install's template is being made, `none` when there is no writable
 * cache for one), and `created` once the directory is in place (also when it was a fast copy of the template). An
 * in-memory store (`dir` is `memory`) only says `creating`, when it builds the template it loads.
 */
export type NewDataDirNote = (what: 'creating' | 'created', fields: { dir: string; template?: 'building' | 'none'; ms?: number }) => void;

interface Template {
  /** An initialised, migrated data directory, to copy. */
  dir: string;
  /** The same as a tarball, for an in-memory store. */
  tar: string;
}

/**
 * A new, migrated PGlite data directory for the installed PGlite and the current migrations, made once (initdb
 * takes seconds) into the provider's cache, next to the bundle of its sources. Undefined when that cache cannot be
 * written.
 */
async function pgliteTemplate(migrations: Recorded, building: () => void = () => {}): Promise<Template | undefined> {
  const root = fileURLToPath(new URL('../../node_modules/.cache/instant-provider/', import.meta.url));
  try {
    mkdirSync(root, { recursive: true });
    accessSync(root, constants.W_OK);
  } catch {
    return undefined;
  }
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const { size, mtimeMs } = statSync(pglite);
  const key = createHash('sha256').update(`${pglite}\0${size}\0${mtimeMs}\0${JSON.stringify(migrations)}`).digest('hex');
  const name = `pgdata-${key.slice(0, 12)}`;
  const t: Template = { dir: join(root, name), tar: join(root, `${name}.tar`) };
  if (existsSync(join(t.dir, 'PG_VERSION')) && existsSync(t.tar)) return t;
  // Made aside, then renamed into place: the directory's presence says both are complete.
  const tmp = join(root, `${name}.${process.pid}.tmp`);
  building();
  try {
    await initdbInChild(tmp, `${tmp}.tar`, migrations);
    renameSync(`${tmp}.tar`, t.tar);
    try {
      renameSync(tmp, t.dir);
    } catch (err) {
      if (!existsSync(join(t.dir, 'PG_VERSION'))) throw err; // else another process made it first
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(`${tmp}.tar`, { force: true });
  }
  // Templates of other PGlite installs or migrations, and leftovers of processes killed while making one.
  const cutoff = Date.now() - 10 * 60_000;
  for (const f of readdirSync(root)) {
    if (!f.startsWith('pgdata-') || f === name || f === `${name}.tar`) continue;
    const p = join(root, f);
    const stale = !f.includes('.tmp') || (statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) < cutoff;
    if (stale) rmSync(p, { recursive: true, force: true });
  }
  return t;
}

function copyDir(from: string, to: string): void {
  mkdirSync(to);
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyDir(join(from, e.name), join(to, e.name));
    else copyFileSync(join(from, e.name), join(to, e.name), constants.COPYFILE_FICLONE);
  }
}

/**
 * A new embedded store's data directory: a copy of the cached template (else made by a child process), made in a
 * sibling directory and renamed into place, so a first start killed midway leaves no directory that looks
 * initialised, and the provider never holds initdb's memory.
 */
async function initPgliteDataDir(pgdata: string, note: NewDataDirNote = () => {}): Promise<void> {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return;
  const t0 = performance.now();
  if (existsSync(pgdata)) {
    if (readdirSync(pgdata).length) throw new Error(`${pgdata} is not empty but holds no database (no PG_VERSION); move it away`);
    rmdirSync(pgdata);
  }
  const parent = dirname(pgdata);
  const prefix = `${basename(pgdata)}.initdb-`;
  mkdirSync(parent, { recursive: true });
  // Left by a first start that was killed (one process at a time holds the data directory).
  for (const d of readdirSync(parent)) if (d.startsWith(prefix)) rmSync(join(parent, d), { recursive: true, force: true });
  const tmp = join(parent, `${prefix}${process.pid}`);
  try {
    const migrations = await recordMigrations();
    const template = await pgliteTemplate(migrations, () => note('creating', { dir: pgdata, template: 'building' }));
    if (template) copyDir(template.dir, tmp);
    else {
      note('creating', { dir: pgdata, template: 'none' });
      await initdbInChild(tmp, `${tmp}.tar`, migrations);
    }
    renameSync(tmp, pgdata);
    note('created', { dir: pgdata, ms: Math.round(performance.now() - t0) });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(`${tmp}.tar`, { force: true });
  }
}

/**
 * A store usable at once whose every call waits for `opening`: the server can bind and answer
 * requests that need no database (discovery) while the embedded store initialises.
 */
export function deferredStore(kind: Store['kind'], opening: Promise<Store>): Store {
  let opened: Store | undefined;
  opening.then((s) => (opened = s)).catch(() => {}); // the caller observes the failure through `opening` itself
  return {
    kind,
    query: async (sql, params) => (await opening).query(sql, params),
    one: async (sql, params) => (await opening).one(sql, params),
    tx: async (fn) => (await opening).tx(fn),
    exec: async (sql) => (await opening).exec(sql),
    close: async () => (await opening.catch(() => undefined))?.close(),
    // Until the store is open there is nothing to cache from.
    clientRowsVersion: () => opened?.clientRowsVersion() ?? null,
    principalRowsVersion: () => opened?.principalRowsVersion() ?? null,
    collectIdleGarbage: async () => (await opened?.collectIdleGarbage?.()) ?? false,
  };
}

export function storeKind(databaseUrl: string | undefined): Store['kind'] {
  return databaseUrl && databaseUrl !== 'memory' ? 'postgres' : 'pglite';
}
