import { afterEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { sweepOnce } from '../sweep.ts';
import { listEvents, pruneAuditEvents, recordEvent, AUDIT_EVENTS, type AuditEvent } from './events.ts';
import { scrubDetails, REDACTED } from './scrub.ts';
import { parseSince } from './since.ts';

let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';

describe('audit trail', () => {
  it('records an event with its actor, user, client, address and outcome, and filters by each', async () => {
    p = await createTestProvider();
    await recordEvent(p.ctx, { event: 'login.success', actor: U1, userId: U1, address: '10.0.0.1' });
    await recordEvent(p.ctx, { event: 'login.failure', address: '10.0.0.2', details: { email: 'nobody@example.com', reason: 'bad-password' } });
    await recordEvent(p.ctx, { event: 'token.issued', actor: 'client:c1', userId: U2, clientId: 'c1', details: { scopes: ['apps-read'] } });
    await recordEvent(p.ctx, { event: 'token.rotated', actor: 'client:c1', userId: U2, clientId: 'c1' });

    const all = await listEvents(p.ctx);
    expect(all.map((r) => r.event)).toEqual(['token.rotated', 'token.issued', 'login.failure', 'login.success']);
    expect(all[2]).toMatchObject({ outcome: 'failure', address: '10.0.0.2', user_id: null, details: { email: 'nobody@example.com' } });
    expect(all[3]).toMatchObject({ outcome: 'success', actor: U1, user_id: U1 });
    expect(all[3]!.at).toBeInstanceOf(Date);

    expect((await listEvents(p.ctx, { user: U2 })).map((r) => r.event)).toEqual(['token.rotated', 'token.issued']);
    expect((await listEvents(p.ctx, { user: 'Nobody@Example.com' })).map((r) => r.event)).toEqual(['login.failure']);
    expect((await listEvents(p.ctx, { clientId: 'c1', event: 'token.issued' })).map((r) => r.event)).toEqual(['token.issued']);
    expect((await listEvents(p.ctx, { event: 'token' })).map((r) => r.event)).toEqual(['token.rotated', 'token.issued']);
    expect((await listEvents(p.ctx, { event: 'login', limit: 1 })).map((r) => r.event)).toEqual(['login.failure']);
    p.clock.advance(3600);
    await recordEvent(p.ctx, { event: 'pat.created', userId: U1 });
    expect((await listEvents(p.ctx, { since: parseSince('30m', p.clock.now())! })).map((r) => r.event)).toEqual(['pat.created']);
  });

  it('stores text with NUL bytes or lone surrogates (which Postgres refuses) with them replaced', async () => {
    p = await createTestProvider();
    await recordEvent(p.ctx, { event: 'login.failure', address: 'a\u0000b', details: { email: 'x\u0000@example.com', ['k\u0000']: 1, odd: '\ud800x\udc00', ok: '😀' } });
    const [row] = await listEvents(p.ctx);
    expect(row).toMatchObject({ address: 'a\uFFFDb', details: { email: 'x\uFFFD@example.com', 'k\uFFFD': 1, odd: '\uFFFDx\uFFFD', ok: '😀' } });
  });

  it('refuses an unknown event kind', async () => {
    p = await createTestProvider();
    await expect(recordEvent(p.ctx, { event: 'token.stolen' as AuditEvent })).rejects.toThrow(/unknown audit event/);
  });

  it('never stores a secret: secret-named fields are dropped and secret-shaped values replaced', async () => {
    p = await createTestProvider();
    const access = 'pat_' + 'a'.repeat(64);
    const refresh = 'prt_' + 'b'.repeat(64);
    const personal = 'per_' + 'c'.repeat(64);
    const code = 'Q'.repeat(43);
    const password = 'correct horse battery staple';
    await recordEvent(p.ctx, {
      event: 'token.refreshed',
      actor: `client:${access}`,
      clientId: 'c1',
      details: {
        password,
        access_token: access,
        refreshToken: refresh,
        client_secret: 'pcs_' + 'd'.repeat(64),
        code,
        code_verifier: 'v'.repeat(50),
        note: `used ${personal} from a script`,
        nested: { list: [refresh, 'fine'], state: 'xyz' },
        token_id: U1,
        token_type_hint: 'refresh_token',
        client_id: 'client-' + 'e'.repeat(36),
      },
    });
    const rows = await p.ctx.db.query<Record<string, unknown>>('select * from audit_events');
    const stored = JSON.stringify(rows);
    for (const secret of [access, refresh, personal, code, password, 'v'.repeat(50), 'pcs_']) expect(stored).not.toContain(secret);
    expect(rows[0]!.details).toEqual({
      note: `used ${REDACTED} from a script`,
      nested: { list: [REDACTED, 'fine'] },
      token_id: U1,
      token_type_hint: 'refresh_token',
      client_id: 'client-' + 'e'.repeat(36),
    });
    expect(rows[0]!.actor).toBe(`client:${REDACTED}`);
  });

  it('scrubDetails reports what it removed, by path only', () => {
    const { value, removed } = scrubDetails({ password: 'x', deep: { admin_token: 'uuid-here' }, ok: 1 });
    expect(value).toEqual({ deep: {}, ok: 1 });
    expect(removed).toEqual(['password', 'deep.admin_token']);
  });

  it('is append-only in the database: updates, deletes and truncation are refused', async () => {
    p = await createTestProvider();
    await recordEvent(p.ctx, { event: 'user.signup', userId: U1 });
    await expect(p.ctx.db.query(`update audit_events set outcome = 'failure'`)).rejects.toThrow(/append-only/);
    await expect(p.ctx.db.query(`delete from audit_events`)).rejects.toThrow(/append-only/);
    await expect(p.ctx.db.query(`truncate audit_events`)).rejects.toThrow(/append-only/);
    expect(await listEvents(p.ctx)).toHaveLength(1);
  });

  it('prunes events older than AUDIT_RETENTION_DAYS, through the sweeper', async () => {
    p = await createTestProvider({ auditRetentionDays: 7 });
    await recordEvent(p.ctx, { event: 'login.success', userId: U1 });
    p.clock.advance(6 * 86_400);
    await recordEvent(p.ctx, { event: 'login.success', userId: U2 });
    p.clock.advance(2 * 86_400);
    await sweepOnce(p.ctx);
    expect((await listEvents(p.ctx)).map((r) => r.user_id)).toEqual([U2]);
    expect(await pruneAuditEvents(p.ctx)).toBe(0);
    // The pruning permission does not outlive its transaction.
    await expect(p.ctx.db.query(`delete from audit_events`)).rejects.toThrow(/append-only/);
  });

  it('has the event kinds the issue lists, each once', () => {
    expect(new Set(AUDIT_EVENTS).size).toBe(AUDIT_EVENTS.length);
    for (const k of ['user.signup', 'login.success', 'login.failure', 'consent.granted', 'consent.denied', 'code.issued', 'code.redeemed', 'code.replay', 'token.issued', 'token.refreshed', 'token.rotated', 'token.reuse_detected', 'token.revoked', 'pat.created', 'pat.revoked', 'admin_token.other_app', 'rate_limit.hit']) {
      expect(AUDIT_EVENTS).toContain(k);
    }
  });

  it('parses --since durations and dates', () => {
    const now = Date.UTC(2026, 0, 2);
    expect(parseSince('1h', now)!.getTime()).toBe(now - 3_600_000);
    expect(parseSince('7d', now)!.getTime()).toBe(now - 7 * 86_400_000);
    expect(parseSince('2026-01-01', now)!.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(parseSince('yesterday', now)).toBeNull();
    expect(parseSince('1y', now)).toBeNull();
  });
});
