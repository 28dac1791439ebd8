// A new embedded store starts from a template made once by initdb in a child process (store/index.ts): a file-backed
// one copies it aside and renames it into place, an in-memory one loads its tarball.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openStore } from './index.ts';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'instant-init-'));
  dirs.push(d);
  return d;
};

// The file-backed store only exists on the embedded pass.
describe.skipIf(!!process.env.TEST_DATABASE_URL)('embedded store first start', () => {
  it(
    'creates the database in a sibling directory renamed into place, removing one left by a killed first start; a restart finds it',
    async () => {
      const dir = tempDir();
      mkdirSync(join(dir, 'pgdata.initdb-999999', 'base'), { recursive: true });
      mkdirSync(join(dir, 'pgdata')); // empty: as an older version left it before initdb
      const notes: [string, Record<string, unknown>][] = [];
      const first = await openStore(undefined, dir, { onNewDataDir: (what, fields) => void notes.push([what, fields]) });
      await first.exec('create table kept (v int); insert into kept values (7)');
      // `created` last, with the time it took; `creating` before it only when initdb had to run (no template yet).
      expect(notes.at(-1)).toEqual(['created', { dir: join(dir, 'pgdata'), ms: expect.any(Number) }]);
      expect(notes.slice(0, -1)).toEqual(notes.length > 1 ? [['creating', { dir: join(dir, 'pgdata'), template: 'building' }]] : []);
      await first.close();
      expect(existsSync(join(dir, 'pgdata', 'PG_VERSION'))).toBe(true);
      expect(readdirSync(dir).filter((n) => n.startsWith('pgdata.'))).toEqual([]);

      const again = await openStore(undefined, dir, { onNewDataDir: (what) => void notes.push([what, {}]) });
      expect(notes.filter(([what]) => what === 'created')).toHaveLength(1); // nothing new to make
      expect(await again.one('select v from kept')).toEqual({ v: 7 });
      expect(await migrate(again)).toEqual([]);
      await again.close();
    },
    120_000,
  );

  it('an in-memory store starts migrated from the template, and each is its own database', async () => {
    const a = await openStore('memory', '.');
    const b = await openStore('memory', '.');
    await a.exec('create table only_in_a (v int)');
    expect(await b.one("select to_regclass('only_in_a') as t")).toEqual({ t: null });
    expect(((await b.one('select count(*)::int as n from schema_migrations')) as { n: number }).n).toBeGreaterThan(0);
    expect(await migrate(b)).toEqual([]); // the template holds every migration
    await a.close();
    await b.close();
  }, 120_000);

  it('runs Postgres with fsync off, as docs/operations.md §4 tells operators (it survives the process, not the machine)', async () => {
    const store = await openStore(undefined, tempDir());
    expect(await store.one('show fsync')).toEqual({ fsync: 'off' });
    await store.close();
  }, 120_000);

  it('refuses a data directory that holds files but no database, before any initdb', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'pgdata'));
    writeFileSync(join(dir, 'pgdata', 'stray'), '');
    await expect(openStore(undefined, dir)).rejects.toThrow(/holds no database/);
  });
});

// What store/pglite-settings.ts sets reaches Postgres, in the database thread and in this one, on a data directory
// and in memory: shared_buffers is the embedded store's resident memory one for one (docs/operations.md §9).
describe.skipIf(!!process.env.TEST_DATABASE_URL)('embedded store settings', () => {
  const settings = async (store: Awaited<ReturnType<typeof openStore>>) =>
    Object.fromEntries(
      (await store.query<{ name: string; setting: string; unit: string | null }>(
        `select name, setting, unit from pg_settings where name in ('shared_buffers', 'huge_pages', 'max_connections') order by name`,
      )).map((r) => [r.name, r.unit === '8kB' ? `${(Number(r.setting) * 8) / 1024}MB` : r.setting]),
    );
  it(
    'starts with shared_buffers 8MB and huge_pages off unless told another size, in a thread or not',
    async () => {
      const dir = tempDir();
      const first = await openStore(undefined, dir, { pgliteThread: true });
      expect(await settings(first)).toEqual({ huge_pages: 'off', max_connections: '10', shared_buffers: '8MB' });
      await first.close();
      // The setting applies to an existing data directory too: it is passed at every start, not written to it.
      const again = await openStore(undefined, dir, { pgliteThread: false, pgliteSharedBuffersMb: 24 });
      expect(await settings(again)).toEqual({ huge_pages: 'off', max_connections: '10', shared_buffers: '24MB' });
      await again.close();
      const memory = await openStore('memory', dir, { pgliteThread: true, pgliteSharedBuffersMb: 12 });
      expect((await settings(memory)).shared_buffers).toBe('12MB');
      await memory.close();
    },
    120_000,
  );
});
