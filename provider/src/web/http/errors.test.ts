import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../domain/log.ts';
import { API_STYLE, errorHandler, OAUTH_STYLE } from './errors.ts';
import { ApiError, OAuthError } from '../../domain/errors.ts';

/** Two surfaces mounted as the provider mounts them: the root in the API style, a sub-app in the OAuth style. */
function surfaces(logged: string[]) {
  const log = createLogger('error', (l) => logged.push(l));
  const oauth = new Hono();
  oauth.onError(errorHandler(OAUTH_STYLE, log));
  const root = new Hono();
  root.onError(errorHandler(API_STYLE, log));
  for (const [app, prefix] of [[root, '/api'], [oauth, '/oauth']] as const) {
    app.get(`${prefix}/api-error`, (c) => {
      c.header('Access-Control-Allow-Origin', '*');
      throw ApiError.missingScope('apps-write');
    });
    app.get(`${prefix}/oauth-error`, () => {
      throw new OAuthError('consent_required', 'ask the user', 400);
    });
    app.get(`${prefix}/hono`, () => {
      throw new HTTPException(400, { message: 'bad' });
    });
    app.get(`${prefix}/bug`, () => {
      throw new Error('secret detail at /provider/src/x.ts:1:1');
    });
  }
  root.route('/', oauth);
  return root;
}

describe('errors render themselves; each surface picks its style where it is mounted', () => {
  it('renders ApiError and OAuthError in their own shape on any surface, keeping headers set before the throw', async () => {
    const app = surfaces([]);
    for (const prefix of ['/api', '/oauth']) {
      const a = await app.request(`${prefix}/api-error`);
      expect(a.status).toBe(403);
      expect(a.headers.get('access-control-allow-origin')).toBe('*');
      expect(a.headers.get('cache-control')).toBe('no-store');
      expect(await a.json()).toEqual({ type: 'permission-denied', message: 'This token lacks the apps-write scope', hint: { 'required-scope': 'apps-write' } });
      const o = await app.request(`${prefix}/oauth-error`);
      expect(o.status).toBe(400);
      expect(await o.json()).toEqual({ error: 'consent_required', error_description: 'ask the user' });
    }
  });

  it("answers Hono's own HTTPException and unexpected errors in the surface's style, logging only the latter, never leaking detail", async () => {
    const logged: string[] = [];
    const app = surfaces(logged);
    expect(await (await app.request('/api/hono')).json()).toEqual({ type: 'param-malformed', message: 'bad', hint: {} });
    expect(await (await app.request('/oauth/hono')).json()).toEqual({ error: 'invalid_request', error_description: 'bad' });
    expect(logged).toEqual([]);
    const api = await app.request('/api/bug');
    const oauth = await app.request('/oauth/bug');
    expect([api.status, oauth.status]).toEqual([500, 500]);
    expect(await api.json()).toEqual({ type: 'server-error', message: 'The server could not complete the request', hint: {} });
    expect(await oauth.json()).toEqual({ error: 'server_error', error_description: 'The server could not complete the request' });
    expect(logged).toHaveLength(2);
  });
});
