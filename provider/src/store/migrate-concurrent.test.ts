import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../testing/global-setup.ts';
import { migrate } from './migrate.ts';
import { openPostgres } from './postgres.ts';

const url = process.env.TEST_DATABASE_URL;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

// Several providers starting at once on a new Postgres database (scale-out, rolling deploys) must all migrate it.
describe.skipIf(!url)('migrations from several processes at once (Postgres)', () => {
  it('two stores migrating one fresh database at the same time both succeed, and every migration runs once', async () => {
    for (let round = 0; round < 4; round++) {
      const name = `instant_migrate_race_${process.pid}_${Date.now().toString(36)}_${round}`;
      await admin((c) => c.query(`create database ${name}`));
      const [a, b] = await Promise.all([openPostgres(withDatabase(url!, name), { max: 2 }), openPostgres(withDatabase(url!, name), { max: 2 })]);
      try {
        const [da, db] = await Promise.all([migrate(a), migrate(b)]);
        expect([...da, ...db].sort()).toEqual([...new Set([...da, ...db])].sort());
        expect(da.length + db.length).toBeGreaterThan(0);
      } finally {
        await Promise.all([a.close(), b.close()]);
        await admin((c) => c.query(`drop database if exists ${name} with (force)`));
      }
    }
  });
});
