import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writesClientRows } from './client-rows.ts';
import type { Store } from './db.ts';
import { openTestStore } from '../testing/index.ts';

// docs/architecture.md §6: which statements move a store's client rows version, and when.

describe('writesClientRows', () => {
  it('matches every kind of write to the cached tables, and a user deletion', () => {
    for (const sql of [
      `insert into oauth_apps (id, owner_id, name) values ($1, $2, $3)`,
      `insert into oauth_apps as a (id) values ($1) on conflict do nothing`,
      `INSERT INTO "oauth_clients" (client_id) VALUES ($1)`,
      `insert into public.client_secrets (id) values ($1)`,
      `update oauth_apps a set status = $2 from (select id from oauth_apps where id = $1 for update) p where a.id = p.id`,
      `update client_secrets set revoked_at = $3 where id = $1`,
      `update only oauth_clients set redirect_uris = $2`,
      `delete from oauth_clients where client_id = $1 and oauth_app_id = $2`,
      `with d as (delete from oauth_apps where id = $1 returning id) select count(*) from d`,
      `delete from users where id = $1`,
      `DELETE FROM users u USING sessions s WHERE s.user_id = u.id`,
      `truncate oauth_clients cascade`,
      `alter table oauth_apps add column x int`,
    ]) {
      expect(writesClientRows(sql), sql).toBe(true);
    }
  });

  it('leaves reads, locks and the hot paths’ writes alone', () => {
    for (const sql of [
      `select c.client_id from oauth_clients c join oauth_apps a on a.id = c.oauth_app_id where c.client_id = $1`,
      `select oauth_app_id from oauth_clients where client_id = $1 for update`,
      `select u.email from oauth_apps a join users u on u.id = a.owner_id where a.id = $1 for update of u`,
      `with r as (update refresh_tokens r set rotated_at = $3 where r.token_hash = $1 and r.client_id = $2 returning r.*) select * from r join oauth_clients c on c.client_id = r.client_id`,
      `update users set email_verified_at = $2 where id = $1`,
      `update cli_logins l set status = 'used' from users u where u.id = l.user_id`,
      `insert into grants (id, oauth_app_id) select $1, id from oauth_apps where id = $2 on conflict (user_id) do update set scopes = excluded.scopes`,
      `delete from sessions where user_id = $1`,
      `delete from app_oauth_clients where app_id = $1`,
      `select 1 -- update oauth_apps`,
      `select /* delete from users */ 1`,
    ]) {
      expect(writesClientRows(sql), sql).toBe(false);
    }
  });
});

describe('a store’s client rows version', () => {
  let store: Store;
  let appId: string;
  beforeAll(async () => {
    store = await openTestStore();
    appId = crypto.randomUUID();
    await store.query(`insert into oauth_apps (id, owner_id, name, status, created_at) values ($1, null, 'App', 'published', now())`, [appId]);
  });
  afterAll(async () => {
    await store?.close();
  });
  // On Postgres this process's own writes are also notified back through its LISTEN connection, a moment later
  // (one more move of the version): let them arrive before a test reads the version.
  const settled = () => new Promise((r) => setTimeout(r, store.kind === 'postgres' ? 200 : 0));

  it('is known once the store is open, and stays put through reads and other tables’ writes', async () => {
    await settled();
    const v = store.clientRowsVersion();
    expect(v).not.toBeNull();
    await store.query(`select * from oauth_apps where id = $1 for update`, [appId]);
    await store.query(`delete from sessions where user_id = $1`, [crypto.randomUUID()]);
    await store.tx(async (db) => db.query(`select name from oauth_apps where id = $1`, [appId]));
    expect(store.clientRowsVersion()).toBe(v);
  });

  it('moves when a write outside a transaction returns, even one that failed', async () => {
    const v = store.clientRowsVersion()!;
    await store.query(`update oauth_apps set name = 'Renamed' where id = $1`, [appId]);
    const w = store.clientRowsVersion()!;
    expect(w).not.toBe(v);
    await expect(store.query(`update oauth_apps set status = 'nonsense' where id = $1`, [appId])).rejects.toThrow();
    expect(store.clientRowsVersion()).not.toBe(w);
  });

  it('is unknown from a transaction’s first client write until it ends, then moves (commit or rollback)', async () => {
    for (const outcome of ['commit', 'rollback'] as const) {
      await settled();
      const before = store.clientRowsVersion();
      const inside: (number | null)[] = [];
      const run = store.tx(async (db) => {
        inside.push(store.clientRowsVersion());
        await db.query(`update oauth_apps set name = $2 where id = $1`, [appId, outcome]);
        inside.push(store.clientRowsVersion());
        if (outcome === 'rollback') throw new Error('roll back');
      });
      if (outcome === 'rollback') await expect(run).rejects.toThrow('roll back');
      else await run;
      expect(inside).toEqual([before, null]);
      const after = store.clientRowsVersion();
      expect(after).not.toBeNull();
      expect(after).not.toBe(before);
    }
  });
});
