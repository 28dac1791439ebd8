// A new embedded store's data directory is made in a child process and renamed into place (store/index.ts).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from './index.ts';

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
      const first = await openStore(undefined, dir);
      await first.exec('create table kept (v int); insert into kept values (7)');
      await first.close();
      expect(existsSync(join(dir, 'pgdata', 'PG_VERSION'))).toBe(true);
      expect(readdirSync(dir).filter((n) => n.startsWith('pgdata.'))).toEqual([]);

      const again = await openStore(undefined, dir);
      expect(await again.one('select v from kept')).toEqual({ v: 7 });
      await again.close();
    },
    120_000,
  );

  it('refuses a data directory that holds files but no database, before any initdb', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'pgdata'));
    writeFileSync(join(dir, 'pgdata', 'stray'), '');
    await expect(openStore(undefined, dir)).rejects.toThrow(/holds no database/);
  });
});
