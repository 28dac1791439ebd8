import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestProvider, type TestProvider } from '../../testing/index.ts';
import { createObservability } from './metrics.ts';

let p: TestProvider | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

describe('health and metrics', () => {
  it('GET /healthz answers 200 while the store is reachable and 503 when it is not', async () => {
    p = await createTestProvider();
    const ok = await p.app.request('/healthz');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok' });
    await p.ctx.db.close();
    const down = await p.app.request('/healthz');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable' });
    p = undefined;
  });

  it('GET /metrics is off unless METRICS=1', async () => {
    p = await createTestProvider();
    expect((await p.app.request('/metrics')).status).toBe(404);
  });

  it('counts requests by route pattern and status, with latency histograms, in Prometheus text format', async () => {
    p = await createTestProvider({ metrics: true });
    await p.app.request('/healthz');
    await p.app.request('/healthz');
    await p.app.request('/no/such/path/123');
    await p.app.request('/dash/operator/users/11111111-1111-4111-8111-111111111111');
    await p.app.request('/superadmin/apps'); // a thrown 401, rendered by onError
    const res = await p.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE instant_http_requests_total counter');
    expect(text).toContain('instant_http_requests_total{route="/healthz",method="GET",status="200"} 2');
    expect(text).toContain('instant_http_requests_total{route="unmatched",method="GET",status="404"} 1');
    expect(text).toContain('instant_http_requests_total{route="/dash/operator/users/:id",method="GET",status="403"} 1');
    expect(text).not.toContain('11111111-1111');
    expect(text).toContain('instant_http_requests_total{route="/superadmin/apps",method="GET",status="401"} 1');
    expect(text).toContain('# TYPE instant_http_request_duration_seconds histogram');
    expect(text).toMatch(/instant_http_request_duration_seconds_bucket\{route="\/healthz",method="GET",le="\+Inf"\} 2/);
    expect(text).toMatch(/instant_http_request_duration_seconds_count\{route="\/healthz",method="GET"\} 2/);
    expect(text).toContain('# TYPE instant_group_commit_rows_total counter');
    expect(text).toContain('instant_group_commit_batches_total{write="refresh"} 0');
  });

  it('counts token endpoint outcomes by error code and 429s as rate-limit hits', async () => {
    p = await createTestProvider({ metrics: true });
    const obs = createObservability(p.ctx);
    const app = new Hono();
    app.use('*', obs.middleware);
    let n = 0;
    app.post('/platform/oauth/token', (c) => (++n === 1 ? c.json({ access_token: 'x' }) : c.json({ error: 'invalid_grant', error_description: 'no' }, 400)));
    app.post('/dash/login', (c) => c.json({ type: 'rate-limited', message: 'slow down', hint: {} }, 429));
    app.route('/', obs.routes);
    for (let i = 0; i < 3; i++) await app.request('/platform/oauth/token', { method: 'POST' });
    await app.request('/dash/login', { method: 'POST' });
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('instant_oauth_token_requests_total{outcome="success"} 1');
    expect(text).toContain('instant_oauth_token_requests_total{outcome="invalid_grant"} 2');
    expect(text).toContain('instant_rate_limit_hits_total{route="/dash/login"} 1');
  });
});
