import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { openThreadTestStore } from '../testing/index.ts';
import { isUniqueViolation } from './db.ts';
import { openPglite, type PgliteStore } from './pglite.ts';

// What is particular to PGlite in a thread of its own (store/pglite-thread.ts); the store's common behaviour runs on
// it too, in store.test.ts.

let store: PgliteStore | undefined;
afterEach(async () => {
  await store?.close().catch(() => {});
  store = undefined;
});

// PGlite only: the Postgres pass (TEST_DATABASE_URL) has no PGlite snapshot, and its store is another.
describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))('PGlite in a thread of its own', () => {
  it('answers statements sent before earlier ones answered, each with its own outcome, in order', async () => {
    store = await openThreadTestStore();
    await store.exec('create table t (x int primary key)');
    // 200 at once: every 10th inserts a key taken by an earlier one (a unique violation of its own only).
    const outcomes = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => store!.query<{ x: number }>('insert into t values ($1) returning x', [i % 10 === 9 ? i - 9 : i])));
    outcomes.forEach((o, i) => {
      if (i % 10 === 9) {
        expect(o.status).toBe('rejected');
        expect(isUniqueViolation((o as PromiseRejectedResult).reason)).toBe(true);
      } else expect(o).toEqual({ status: 'fulfilled', value: [{ x: i }] });
    });
    expect((await store.one<{ n: number }>('select count(*)::int as n from t'))!.n).toBe(180);
  });

  it("raises Postgres' errors with their fields (SQLSTATE, constraint, table, detail) and this thread's stack", async () => {
    store = await openThreadTestStore();
    await store.exec('create table t (x int constraint t_x_key unique)');
    await store.query('insert into t values (1)');
    const err = (await store.query('insert into t values (1)').catch((e: unknown) => e)) as Record<string, unknown> & Error;
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: '23505', constraint: 't_x_key', table: 't', severity: 'ERROR' });
    expect(err.message).toContain('duplicate key value violates unique constraint "t_x_key"');
    expect(String(err.detail)).toContain('(x)=(1)');
    expect(err.stack).toContain('pglite-thread');
    const syntax = (await store.query('select from where').catch((e: unknown) => e)) as Record<string, unknown>;
    expect(syntax.code).toBe('42601');
  });

  it("collects its thread's heap when asked (the idle watch), once it has grown, and answers statements after", async () => {
    store = await openThreadTestStore();
    await store.exec('create table t (x int)');
    // PGlite's start-up alone commits far more than the growth that makes a collection worth it.
    expect(await store.collectIdleGarbage!()).toBe(true);
    expect(await store.collectIdleGarbage!()).toBe(false); // nothing grew since
    await store.query('insert into t values (1)');
    expect(await store.query('select x from t')).toEqual([{ x: 1 }]);
  });

  it('dumps a snapshot another store starts from, and answers what was sent before close', async () => {
    store = await openThreadTestStore();
    await store.exec('create table t (x int)');
    const sent = store.query('insert into t values (1) returning x');
    const dump = store.dumpSnapshot();
    const closing = store.close();
    await expect(sent).resolves.toEqual([{ x: 1 }]);
    const tar = await dump;
    await closing;
    await expect(store.query('select 1')).rejects.toThrow('PGlite is closed');
    store = await openPglite({ snapshot: tar, thread: true });
    expect(await store.query('select x from t')).toEqual([{ x: 1 }]);
  });

  it('fails every waiting and later statement with the reason when the thread dies', async () => {
    let worker: Worker | undefined;
    store = await openThreadTestStore({ onWorker: (w) => (worker = w) });
    expect(await store.one('select 1 as one')).toEqual({ one: 1 });
    const waiting = store.query('select pg_sleep(0.5)');
    await worker!.terminate();
    await expect(waiting).rejects.toThrow("the embedded database's thread stopped");
    await expect(store.query('select 1')).rejects.toThrow("the embedded database's thread stopped");
    await expect(store.tx((db) => db.query('select 1'))).rejects.toThrow("the embedded database's thread stopped");
  });

  it('does not keep a process alive once nothing waits for it (a command that forgets to close still ends)', async () => {
    // A separate node process on the built store: it opens a store, runs a statement and returns without closing.
    const dist = fileURLToPath(new URL('../../dist/store/pglite.js', import.meta.url));
    const script = `import { openPglite } from ${JSON.stringify(dist)};
      import { readFileSync } from 'node:fs';
      const s = await openPglite({ snapshot: new Blob([readFileSync(process.env.TEST_PGLITE_SNAPSHOT)]), thread: true });
      console.log(JSON.stringify(await s.one('select 41 + 1 as n')));`;
    const t0 = Date.now();
    const out = await new Promise<string>((resolve, reject) =>
      // A V8 flag and --input-type, as a user's command line may have them: the thread starts under both.
      execFile(process.execPath, ['--max-old-space-size=512', '--input-type=module', '-e', script], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    expect(JSON.parse(out)).toEqual({ n: 42 });
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('starts under node flags a worker may not be given (a V8 flag) as a provider is run with them', async () => {
    const dist = fileURLToPath(new URL('../../dist/store/pglite.js', import.meta.url));
    const file = join(mkdtempSync(join(tmpdir(), 'pglite-thread-')), 'main.mjs');
    writeFileSync(file, `import { openPglite } from ${JSON.stringify(dist)};
      import { readFileSync } from 'node:fs';
      const s = await openPglite({ snapshot: new Blob([readFileSync(process.env.TEST_PGLITE_SNAPSHOT)]), thread: true });
      console.log(JSON.stringify(await s.one('select 6 * 7 as n')));
      await s.close();`);
    try {
      const out = await new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['--max-old-space-size=512', '--stack-size=2000', file], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
      );
      expect(JSON.parse(out)).toEqual({ n: 42 });
    } finally {
      rmSync(dirname(file), { recursive: true, force: true });
    }
  });
});
