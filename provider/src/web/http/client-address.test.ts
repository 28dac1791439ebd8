// TRUST_PROXY and the client address (docs/rate-limits.md §1), incl. the regression test of issue 15's finding F4:
// the left-most X-Forwarded-For entry is chosen by the client, so it must never be the address.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser } from '../../testing/accounts.ts';
import { loadConfig } from '../../domain/config.ts';
import { RATE_LIMITS } from '../../domain/limits/rate-limit.ts';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { parseTrustProxy, resolveClientAddress, type TrustProxy } from '../../domain/trust-proxy.ts';

const hops = (n: number): TrustProxy => ({ hops: n });

describe('resolveClientAddress', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    expect(resolveClientAddress('198.51.100.7', '203.0.113.9', hops(0))).toBe('198.51.100.7');
  });

  it('takes the right-most untrusted entry with a hop count, never the left-most', () => {
    expect(resolveClientAddress('10.0.0.2', '1.1.1.1, 203.0.113.9', hops(1))).toBe('203.0.113.9');
    expect(resolveClientAddress('10.0.0.2', '1.1.1.1, 203.0.113.9, 10.0.0.1', hops(2))).toBe('203.0.113.9');
    // Fewer entries than hops: the furthest one there is.
    expect(resolveClientAddress('10.0.0.2', '203.0.113.9', hops(3))).toBe('203.0.113.9');
    expect(resolveClientAddress('10.0.0.2', undefined, hops(1))).toBe('10.0.0.2');
  });

  it('walks a trusted proxy list from the socket and stops at the first untrusted hop', () => {
    const trust = { proxies: ['10.0.0.0/8', '2001:db8::1'] };
    const list = (a: string) => a.startsWith('10.') || a === '2001:db8::1';
    expect(resolveClientAddress('10.0.0.2', '6.6.6.6, 203.0.113.9, 10.1.1.1', trust, list)).toBe('203.0.113.9');
    // The socket's peer is not a trusted proxy: the header is the client's own and is ignored.
    expect(resolveClientAddress('198.51.100.7', '203.0.113.9', trust, list)).toBe('198.51.100.7');
    expect(resolveClientAddress('2001:db8::1', '2001:db8::77', trust, list)).toBe('2001:db8::77');
  });

  it('never takes an entry that is not an IP address, and compares IPv4-mapped peers as IPv4', () => {
    expect(resolveClientAddress('10.0.0.2', '203.0.113.9, evil"; drop', hops(1))).toBe('10.0.0.2');
    expect(resolveClientAddress('10.0.0.2', '203.0.113.9, unknown', hops(2))).toBe('10.0.0.2');
    expect(resolveClientAddress('::ffff:10.0.0.2', '::ffff:203.0.113.9', hops(1))).toBe('203.0.113.9');
  });
});

describe('TRUST_PROXY', () => {
  it('takes off, true (one hop), a hop count or a proxy list, and names what is wrong otherwise', () => {
    expect(loadConfig({}).trustProxy).toEqual({ hops: 0 });
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toEqual({ hops: 0 });
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toEqual({ hops: 1 });
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toEqual({ hops: 2 });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy).toEqual({ proxies: ['10.0.0.0/8', '::1'] });
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY: "10.0.0.0\/33" is neither an IP address nor a CIDR range/);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.local' })).toThrow(/TRUST_PROXY/);
    expect(typeof parseTrustProxy('11')).toBe('string');
  });
});

describe('forged X-Forwarded-For behind one proxy (issue 15, F4)', () => {
  let p: TestProvider;
  beforeEach(async () => {
    p = await createTestProvider({ trustProxy: { hops: 1 } });
  });
  afterEach(async () => {
    await p.close();
  });

  it('limits 25 logins from one client that forges a new left-most entry each time, and audits only its real address', async () => {
    const real = '203.0.113.50';
    const proxy = new Browser(p, '10.0.0.1'); // the socket's peer is the proxy
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      // The proxy appends the address it saw to whatever the client sent.
      const headers = { 'x-forwarded-for': `192.0.2.${i}, ${real}` };
      const r = await proxy.json('POST', '/dash/login', { email: `f4-${i}@example.com`, password: 'whatever1' }, headers);
      statuses.push(r.status);
    }
    expect(statuses.slice(0, RATE_LIMITS.loginPerAddress.limit).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(RATE_LIMITS.loginPerAddress.limit).every((s) => s === 429)).toBe(true);
    const rows = await p.ctx.db.query<{ address: string | null }>(`select distinct address from audit_events where address is not null`);
    expect(rows.map((r) => r.address)).toEqual([real]);
  });
});
