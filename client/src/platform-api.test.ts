import { describe, expect, it, vi } from 'vitest';
import { InstantAPIError, InstantOAuthError } from './errors.ts';
import { PlatformApi, type RefreshedTokens } from './platform-api.ts';

const API = 'http://localhost:9999';

/** A fake provider: accepts one current access token; the token endpoint rotates (or not). */
function fakeProvider(opts: { rotate?: boolean; refreshStatus?: number; expiresIn?: number } = {}) {
  const state = { access: 'pat_new0', refresh: 'prt_0', refreshCalls: 0, apiCalls: 0, seen: [] as string[] };
  let n = 0;
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    if (url.pathname === '/platform/oauth/token') {
      state.refreshCalls++;
      const body = new URLSearchParams(String(init?.body));
      await new Promise((r) => setTimeout(r, 20));
      if (opts.refreshStatus) return Response.json({ error: 'invalid_grant', error_description: 'revoked' }, { status: opts.refreshStatus });
      if (body.get('refresh_token') !== state.refresh) return Response.json({ error: 'invalid_grant' }, { status: 400 });
      state.access = `pat_new${++n}`;
      const res: Record<string, unknown> = { access_token: state.access, token_type: 'Bearer', expires_in: opts.expiresIn ?? 600, scope: 'apps-read' };
      if (opts.rotate) res.refresh_token = state.refresh = `prt_${n}`;
      return Response.json(res);
    }
    state.apiCalls++;
    const auth = headers.get('authorization') ?? '';
    state.seen.push(auth);
    if (auth !== `Bearer ${state.access}`) {
      return Response.json({ type: 'record-not-found', message: 'revoked', hint: { 'record-type': 'access-token' } }, { status: 401 });
    }
    return Response.json({ apps: [{ id: 'a1', title: 'T', created_at: '2026-01-01T00:00:00Z', org_id: null }] });
  });
  return { state, fetch: fetch as unknown as typeof globalThis.fetch, spy: fetch };
}

function api(p: ReturnType<typeof fakeProvider>, onRefresh?: (t: RefreshedTokens) => void) {
  return new PlatformApi({
    apiURI: API,
    fetch: p.fetch,
    auth: { accessToken: 'pat_stale', refreshToken: 'prt_0', clientId: 'c1', clientSecret: 's', onRefresh },
  });
}

describe('PlatformApi refresh', () => {
  it('refreshes once on a 401, retries, and returns the SDK result shape', async () => {
    const p = fakeProvider();
    const onRefresh = vi.fn();
    const { apps } = await api(p, onRefresh).getApps();
    expect(apps).toEqual([{ id: 'a1', title: 'T', createdAt: new Date('2026-01-01T00:00:00Z'), orgId: null }]);
    expect(p.state.refreshCalls).toBe(1);
    expect(onRefresh).toHaveBeenCalledTimes(1);
    // not rotated: the old refresh token is kept
    expect(onRefresh.mock.calls[0]![0].refreshToken).toBe('prt_0');
  });

  it('shares one refresh between concurrent calls', async () => {
    const p = fakeProvider({ rotate: true });
    const a = api(p);
    const results = await Promise.all([a.getApps(), a.getApps(), a.getApps(), a.getApps()]);
    expect(results.every((r) => r.apps.length === 1)).toBe(true);
    expect(p.state.refreshCalls).toBe(1);
  });

  it('stores a rotated refresh token and uses it for the next refresh', async () => {
    const p = fakeProvider({ rotate: true });
    const seen: RefreshedTokens[] = [];
    const a = api(p, (t) => void seen.push(t));
    await a.getApps();
    expect(a.currentRefreshToken()).toBe('prt_1');
    p.state.access = 'pat_revoked_elsewhere';
    await a.getApps(); // the fake revoked our access token: a second refresh must present prt_1
    expect(p.state.refreshCalls).toBe(2);
    expect(seen.map((t) => t.refreshToken)).toEqual(['prt_1', 'prt_2']);
  });

  it('computes expiresAt from now, not from the epoch', async () => {
    const p = fakeProvider({ expiresIn: 600 });
    const before = Date.now();
    const t = await api(p).refreshToken();
    expect(t!.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 600_000);
    expect(t!.expiresAt.getTime()).toBeLessThan(Date.now() + 600_000 + 1000);
  });

  it('checks the refresh response status: a failed refresh throws invalid_grant and keeps the old tokens', async () => {
    const p = fakeProvider({ refreshStatus: 400 });
    const onRefresh = vi.fn();
    const a = api(p, onRefresh);
    const err = await a.getApps().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstantOAuthError);
    expect((err as InstantOAuthError).reason).toBe('invalid_grant');
    expect(onRefresh).not.toHaveBeenCalled();
    expect(a.token()).toBe('pat_stale');
  });

  it('does not refresh with a plain token and surfaces the API error', async () => {
    const p = fakeProvider();
    const a = new PlatformApi({ apiURI: API, fetch: p.fetch, auth: { token: 'per_x' } });
    const err = (await a.getApps().catch((e: unknown) => e)) as InstantAPIError;
    expect(err).toBeInstanceOf(InstantAPIError);
    expect(err).toMatchObject({ status: 401, type: 'record-not-found', hint: { 'record-type': 'access-token' } });
    expect(p.state.refreshCalls).toBe(0);
  });

  it('refreshes before the call when the known expiry has passed', async () => {
    const p = fakeProvider();
    const a = new PlatformApi({
      apiURI: API,
      fetch: p.fetch,
      auth: { accessToken: 'pat_stale', refreshToken: 'prt_0', clientId: 'c1', expiresAt: new Date(Date.now() - 1000) },
    });
    await a.getApps();
    expect(p.state.seen).toEqual(['Bearer pat_new1']);
  });

  it('reports a network failure as an InstantAPIError with status 0', async () => {
    const a = new PlatformApi({ apiURI: API, fetch: (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch, auth: { token: 'per_x' } });
    await expect(a.getOrgs()).rejects.toMatchObject({ status: 0, type: 'network-error' });
  });
});

describe('PlatformApi refresh across instances', () => {
  it('instances built from the same stored tokens share one refresh, concurrent or just after', async () => {
    const p = fakeProvider({ rotate: true });
    const make = () => api(p);
    await Promise.all([make().getApps(), make().getApps(), make().getApps()]);
    expect(p.state.refreshCalls).toBe(1);
    // a request that still carries the old cookie gets the already-rotated tokens, not a second refresh
    const late = make();
    await late.getApps();
    expect(p.state.refreshCalls).toBe(1);
    expect(late.currentRefreshToken()).toBe('prt_1');
  });

  it('a failed refresh is not remembered', async () => {
    const p = fakeProvider({ refreshStatus: 503 });
    await expect(api(p).getApps()).rejects.toBeTruthy();
    await expect(api(p).getApps()).rejects.toBeTruthy();
    expect(p.state.refreshCalls).toBe(2);
  });
});
