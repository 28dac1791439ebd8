import { createServer } from 'node:net';
import * as o from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { AccessDeniedError, InstantOAuthError, ProviderUnavailableError, StateMismatchError } from './errors.ts';
import { checkState, refreshTokenGrant, staticAuthorizationServer, toOAuthError } from './oauth-core.ts';

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const refreshWith = (as: o.AuthorizationServer, fetch?: typeof globalThis.fetch) => refreshTokenGrant({ as, clientId: 'c', clientSecret: 's', refreshToken: 'prt_x', fetch });
const answering = (status: number, body: string, type = 'application/json') => (async () => new Response(body, { status, headers: { 'content-type': type } })) as typeof fetch;

describe("the kit's error mapping: by oauth4webapi's classes and codes, never by message text", () => {
  it('reports a provider that cannot be reached as ProviderUnavailableError, whatever the error says', async () => {
    const down = staticAuthorizationServer(`http://127.0.0.1:${await closedPort()}`);
    await expect(refreshWith(down)).rejects.toBeInstanceOf(ProviderUnavailableError);
    // A failure whose message names no network word at all (the old regex missed these).
    const as = staticAuthorizationServer('http://127.0.0.1:1');
    const odd = (async () => {
      throw new TypeError('boom');
    }) as typeof fetch;
    const e = await refreshWith(as, odd).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProviderUnavailableError);
    expect((e as ProviderUnavailableError).cause).toBeInstanceOf(TypeError);
  });

  it('maps token endpoint answers by status and error code', async () => {
    const as = staticAuthorizationServer('http://127.0.0.1:1');
    const grant = await refreshWith(as, answering(400, '{"error":"invalid_grant","error_description":"gone"}')).catch((x: unknown) => x);
    expect(grant).toBeInstanceOf(InstantOAuthError);
    expect(grant).toMatchObject({ error: 'invalid_grant', errorDescription: 'gone', reason: 'invalid_grant' });
    expect(await refreshWith(as, answering(400, '{"error":"invalid_client"}')).catch((x: unknown) => x)).toMatchObject({ error: 'invalid_client', reason: 'oauth_error' });
    expect(await refreshWith(as, answering(503, '{"error":"temporarily_unavailable"}')).catch((x: unknown) => x)).toBeInstanceOf(ProviderUnavailableError);
    expect(await refreshWith(as, answering(502, '<html>Bad gateway</html>', 'text/html')).catch((x: unknown) => x)).toBeInstanceOf(ProviderUnavailableError);
    expect(await refreshWith(as, answering(200, 'not json', 'text/plain')).catch((x: unknown) => x)).toMatchObject({ reason: 'invalid_response' });
  });

  it('maps authorization responses by their error code, and checks state itself', () => {
    const as = { ...staticAuthorizationServer('http://127.0.0.1:1'), authorization_response_iss_parameter_supported: true };
    const client = { client_id: 'c' };
    const back = (q: Record<string, string>) => {
      try {
        o.validateAuthResponse(as, client, new URLSearchParams({ iss: as.issuer, state: 's', ...q }), 's');
      } catch (e) {
        return toOAuthError(e);
      }
      throw new Error('no error');
    };
    expect(back({ error: 'access_denied' })).toBeInstanceOf(AccessDeniedError);
    expect(back({ error: 'login_required', error_description: 'sign in' })).toMatchObject({ error: 'login_required', errorDescription: 'sign in', reason: 'oauth_error' });
    expect(back({ error: 'server_error' })).toBeInstanceOf(ProviderUnavailableError);
    expect(back({ iss: 'https://evil.example', code: 'x' })).toMatchObject({ reason: 'invalid_response' });
    // oauth4webapi's own state complaint is not recognised by its words: the kit's checkState runs first.
    expect(toOAuthError(new o.OperationProcessingError('unexpected "state" response parameter value', { code: o.INVALID_RESPONSE }))).toMatchObject({ reason: 'invalid_response' });
    expect(() => checkState(new URLSearchParams({ state: 't' }), 's')).toThrow(StateMismatchError);
    expect(() => checkState(new URLSearchParams(), 's')).toThrow(StateMismatchError);
    expect(() => checkState(new URLSearchParams({ state: 's' }), undefined)).toThrow(StateMismatchError);
    expect(() => checkState(new URLSearchParams({ state: 's' }), 's')).not.toThrow();
  });
});
