import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writesPrincipalRows } from './principal-rows.ts';

// docs/architecture.md §9: which statements move the embedded store's principal rows version.

describe('writesPrincipalRows', () => {
  it('matches what can change a cached principal: revocations, deletions, user and app changes, upserts, DDL', () => {
    for (const sql of [
      `update access_tokens set revoked_at = $2 where grant_id = $1 and revoked_at is null`,
      `update access_tokens t set grant_id = m.keep from grant_merge m where t.grant_id = m.drop`,
      `update grants set revoked_at = coalesce(revoked_at, $3) where id = $1`,
      `update grants set last_used_at = $2, revoked_at = $2 where id = $1`,
      `update grants set last_used_at = (select max(x) from y where z), revoked_at = $2 where id = $1`,
      `update grants set (last_used_at, revoked_at) = ($2, $2) where id = $1`,
      `update grants set app_access = $2 where id = $1`,
      `UPDATE "users" SET locked_at = now() WHERE id = $1`,
      `update public.oauth_apps a set status = $2 from (select id from oauth_apps where id = $1 for update) p where a.id = p.id`,
      `update only oauth_clients set redirect_uris = $2`,
      `delete from access_tokens where expires_at < $1`,
      `with d as (delete from oauth_clients where client_id = $1 returning 1) select count(*) from d`,
      `delete from users where id = $1`,
      `insert into grants (id) values ($1) on conflict (user_id, oauth_app_id) where revoked_at is null do update set scopes = excluded.scopes`,
      `merge into grants g using x on x.id = g.id when matched then update set revoked_at = now()`,
      `truncate access_tokens`,
      `alter table grants add column x int`,
    ]) {
      expect(writesPrincipalRows(sql), sql).toBe(true);
    }
  });

  it('leaves reads, inserts, other tables and the last-use touch of a grant alone', () => {
    for (const sql of [
      `select u.id from access_tokens t join users u on u.id = t.user_id join grants g on g.id = t.grant_id where t.token_hash = $1`,
      `select id from grants where id = $1 for no key update skip locked`,
      `select * from users where id = $1 for update`,
      `insert into access_tokens (id, token_hash) values ($1, $2)`,
      `insert into grants (id, user_id) values ($1, $2) on conflict do nothing`,
      `update refresh_tokens set revoked_at = $2 where family_id = $1`,
      `update personal_tokens set last_used_at = $2 where id = $1`,
      `delete from sessions where user_id = $1`,
      `update grants set last_used_at = $2 where id = $1 and (last_used_at is null or last_used_at < $3)`,
      `with r as (update refresh_tokens r set rotated_at = t.now from t where r.id = t.id returning r.grant_id),
            g as (update grants g set last_used_at = t.now from t where g.id = any(array(select grant_id from r)) returning 1)
       insert into access_tokens (id) select id from t`,
      `select 1 -- update users set locked_at = now()`,
      `select /* delete from access_tokens */ 1`,
    ]) {
      expect(writesPrincipalRows(sql), sql).toBe(false);
    }
  });

  it('classifies every statement in store/: the only writes to those tables it lets pass are grant last-use touches', () => {
    const dir = import.meta.dirname;
    const texts = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'principal-rows.ts' && f !== 'client-rows.ts') // those two only quote SQL in comments
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/`([^`]*)`/g)].map((m) => m[1]!));
    const writes = texts.filter((t) => /\b(?:update\s+(?:only\s+)?|delete\s+from\s+)(?:access_tokens|users|grants|oauth_apps|oauth_clients)\b/i.test(t));
    expect(writes.length).toBeGreaterThan(30);
    const passed = writes.filter((t) => !writesPrincipalRows(t));
    for (const t of passed) {
      const flat = t.replace(/\s+/g, ' ');
      expect(flat, 'only `update grants … set last_used_at = …`').not.toMatch(/\b(?:update\s+(?:only\s+)?(?:access_tokens|users|oauth_apps|oauth_clients)\b|delete\s+from\s+(?:access_tokens|users|grants|oauth_apps|oauth_clients)\b)/i);
      expect(flat).toMatch(/\bupdate grants(?: g)? set last_used_at = [^,]*? (?:from|where)\b/);
    }
    // grants.ts (a grant's last use), codes.ts (the code exchange) and tokens.ts (the grouped refresh).
    expect(passed.length).toBe(3);
  });
});
