import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../testing/index.ts';
import { listEvents, recordEvent } from '../domain/audit/events.ts';
import { acquireDataDir, dataDirHolder } from '../store/lock.ts';
import { runAdminCommand } from './commands.ts';
import { createTestUser } from '../testing/fixtures.ts';

let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

async function run(args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runAdminCommand(args, { out: (t) => (out += t), err: (t) => (err += t), env, open: p ? async () => p!.ctx.db : undefined });
  return { code, out, err };
}

describe('instant-provider operator / audit', () => {
  it('operator add and remove change the stored role and are audited', async () => {
    p = await createTestProvider();
    const u = await createTestUser(p, { email: 'ops@example.com' });
    expect(await run(['operator', 'add', 'OPS@example.com'])).toMatchObject({ code: 0, out: 'ops@example.com is now an operator\n' });
    expect((await p.ctx.db.one<{ is_operator: boolean }>('select is_operator from users where id = $1', [u.id]))!.is_operator).toBe(true);
    const removed = await run(['operator', 'remove', 'ops@example.com'], { OPERATOR_EMAILS: 'ops@example.com' });
    expect(removed.code).toBe(0);
    expect(removed.err).toContain('still an operator through OPERATOR_EMAILS');
    expect((await p.ctx.db.one<{ is_operator: boolean }>('select is_operator from users where id = $1', [u.id]))!.is_operator).toBe(false);
    expect((await listEvents(p.ctx)).map((r) => [r.event, r.actor, r.user_id])).toEqual([
      ['operator.role_revoked', 'cli', u.id],
      ['operator.role_granted', 'cli', u.id],
    ]);
    expect(await run(['operator', 'add', 'nobody@example.com'])).toMatchObject({ code: 1 });
    expect((await run(['operator', 'promote', 'x@example.com'])).code).toBe(2);
  });

  it('audit --since 1h --json prints the trail, oldest first, with filters', async () => {
    p = await createTestProvider();
    const clock = p.clock;
    await recordEvent(p.ctx, { event: 'login.success', userId: '11111111-1111-4111-8111-111111111111' });
    clock.advance(7200);
    await recordEvent(p.ctx, { event: 'token.issued', clientId: 'c1' });
    await recordEvent(p.ctx, { event: 'token.rotated', clientId: 'c1' });
    // The CLI reads the real clock; the test clock started at the real time and moved 2 h ahead.
    const json = await run(['audit', '--since', '3h', '--json']);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.out) as Array<{ event: string; at: string }>;
    expect(rows.map((r) => r.event)).toEqual(['login.success', 'token.issued', 'token.rotated']);
    expect(JSON.parse((await run(['audit', '--since', '3h', '--json', '--event', 'token.rotated'])).out)).toHaveLength(1);
    expect(JSON.parse((await run(['audit', '--since', '3h', '--json', '--client', 'c1'])).out)).toHaveLength(2);
    const text = await run(['audit', '--since', '3h']);
    expect(text.out.trim().split('\n')).toHaveLength(3);
    expect(text.out).toContain('client=c1');
    expect((await run(['audit', '--since', 'yesterday'])).code).toBe(2);
    expect((await run(['audit', '--bogus'])).code).toBe(2);
  });

  it('refuses to open the embedded store while a server holds it, and says to stop the server first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'instant-cli-'));
    try {
      writeFileSync(join(dir, 'provider.pid'), `${process.ppid}\n`);
      const held = await run(['audit', '--since', '1h'], { DATA_DIR: dir });
      expect(held.code).toBe(1);
      expect(held.err).toContain('stop the server first');
      expect(held.err).toContain('restart it with OPERATOR_EMAILS=EMAIL');
      // A lock left by a crashed process (no such pid) is stale: taken over, then released.
      writeFileSync(join(dir, 'provider.pid'), '999999999\n');
      expect(dataDirHolder(dir)).toBeNull();
      const release = acquireDataDir(dir);
      expect(dataDirHolder(dir)).toBeNull(); // held by this very process
      release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await run(['audit'], { DATABASE_URL: 'memory' })).code).toBe(1);
  });
});
