import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { pgliteBackend, type PgliteBackend } from './pglite-exec.ts';
import { startPglite } from './pglite.ts';

/**
 * The backend reads the answer's bytes itself (pglite-exec.ts readAnswer): the values it gives must be those PGlite's
 * own `query` gives, for every kind of column the store reads, NULLs, a long answer and a Postgres error.
 */
let pg: PGlite;
let db: PgliteBackend;
beforeAll(async () => {
  pg = await startPglite({});
  db = pgliteBackend(pg);
});
afterAll(async () => {
  await pg.close();
});

describe('the embedded backend reads answers as PGlite does', { skip: !!process.env.TEST_DATABASE_URL }, () => {
  it('values of each type, NULLs, and odd column names, as PGlite.query gives them', async () => {
    const sql = `select 1::int as i, 9007199254740993::int8 as big, 1.5::float8 as f, 12.30::numeric as n, true as b, 'é ✓ 𝄞'::text as t,
      null::text as nothing, '2026-12-02T08:00:00.123Z'::timestamptz as at, array['a', null, 'c'] as arr, array[1, 2]::int[] as ints,
      '{"x": [1, {"y": null}]}'::json as j, '{"k": 1}'::jsonb as jb, '\\x00ff'::bytea as bin, gen_random_uuid() is not null as has_uuid,
      'x' as "__proto__", 'y' as "with space", 2 as "dup", 3 as "dup"`;
    const ours = await db.run<Record<string, unknown>>(sql, []);
    const theirs = (await pg.query<Record<string, unknown>>(sql)).rows;
    expect(ours).toEqual(theirs);
    expect(Object.keys(ours[0]!)).toEqual(Object.keys(theirs[0]!));
    expect(Object.getPrototypeOf(ours[0])).toBe(Object.prototype);
    expect(ours[0]!.nothing).toBeNull();
    expect(ours[0]!.at).toEqual(new Date('2026-12-02T08:00:00.123Z'));
  });

  it('parameters in, many rows out (an answer longer than one buffer), and rows of an update … returning', async () => {
    await db.run('create table big (id int primary key, body text)', []);
    await db.run("insert into big select g, repeat('x', 2000) || g from generate_series(1, 600) g", []);
    const rows = await db.run<{ id: number; body: string }>('select id, body from big where id > $1 order by id', ['100']);
    expect(rows).toHaveLength(500);
    expect(rows[499]).toEqual({ id: 600, body: 'x'.repeat(2000) + '600' });
    expect(await db.run('update big set body = $2 where id = $1 returning id, body', ['7', 'seven'])).toEqual([{ id: 7, body: 'seven' }]);
    expect(await db.run('update big set body = body where id = $1', ['-1'])).toEqual([]);
  });

  it('a Postgres error is PGlite’s DatabaseError with its fields, and the statement can run again after it', async () => {
    await db.run('create table u (k text primary key)', []);
    await db.run('insert into u values ($1)', ['a']);
    const err = (await db.run('insert into u values ($1)', ['a']).catch((e: unknown) => e)) as Record<string, unknown>;
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'error', code: '23505', constraint: 'u_pkey', table: 'u' });
    expect(await db.run('insert into u values ($1) returning k', ['b'])).toEqual([{ k: 'b' }]);
    // A statement that fails to parse is prepared again next time (its name is not kept).
    await expect(db.run('select nope from u', [])).rejects.toMatchObject({ code: '42703' });
    await db.run('alter table u add column nope int', []);
    expect(await db.run('select nope from u order by k', [])).toEqual([{ nope: null }, { nope: null }]);
  });
});
