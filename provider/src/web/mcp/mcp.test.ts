import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePersonalToken } from '../../testing/platform.ts';
import { authorizeInBrowser } from '../../testing/fixtures.ts';
import { codeExchange, newClient, postToken, world, type OAuthWorld } from '../../testing/oauth.ts';
import { pkcePair, type TestClient } from '../../testing/fixtures.ts';
import { adminToolScenario, callOk, deleteScenario, resultText, userToolScenario } from '../../../../client/src/testing/mcp-tools.ts';

/** Tokens for the resource `resource` (undefined: none asked, i.e. the Platform API) through the real flow. */
async function tokensFor(w: OAuthWorld, c: TestClient, resource: string | undefined) {
  const { verifier, challenge } = pkcePair();
  const { res } = await codeExchange(w, c, { scope: 'apps-read apps-write', codeChallenge: challenge, verifier, extra: resource ? { resource } : {} });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

async function mcpClient(w: OAuthWorld, token: string): Promise<Client> {
  const client = new Client({ name: 'test', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', w.p.issuer), { fetch: w.p.fetch, requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  return client;
}

const text = resultText;

describe('MCP resource server (docs/mcp.md §1–§3)', () => {
  let w: OAuthWorld;
  let c: TestClient;
  beforeEach(async () => {
    w = await world();
    c = await newClient(w, { public: true });
  });
  afterEach(async () => w.p.close());

  it('answers 401 with a resource_metadata challenge, and serves RFC 9728 metadata naming the provider', async () => {
    const res = await w.p.fetch(new URL('/mcp', w.p.issuer), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${w.p.issuer}/.well-known/oauth-protected-resource/mcp", scope="apps-read apps-write"`);
    const bad = await w.p.fetch(new URL('/mcp', w.p.issuer), { method: 'POST', headers: { authorization: 'Bearer pat_' + '0'.repeat(64) } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="/);
    const prm = await w.p.fetch(new URL('/.well-known/oauth-protected-resource/mcp', w.p.issuer));
    expect(await prm.json()).toEqual({
      resource: `${w.p.issuer}/mcp`,
      authorization_servers: [w.p.issuer],
      scopes_supported: ['apps-read', 'apps-write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Instant Platform MCP server',
      resource_documentation: `${w.p.issuer}/dash`,
    });
  });

  it('binds tokens to their audience: MCP tokens only at /mcp, Platform API tokens (no resource) only at the API', async () => {
    const mcp = await tokensFor(w, c, `${w.p.issuer}/mcp`);
    const api = await tokensFor(w, c, undefined);
    const get = (token: string) => w.p.fetch(new URL('/superadmin/apps', w.p.issuer), { headers: { authorization: `Bearer ${token}` } });
    expect((await get(api.access_token)).status).toBe(200);
    const refused = await get(mcp.access_token);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { message: string }).message).toContain('issued for another resource');
    // A Platform API token at /mcp: the challenge again.
    const atMcp = await w.p.fetch(new URL('/mcp', w.p.issuer), { method: 'POST', headers: { authorization: `Bearer ${api.access_token}` } });
    expect(atMcp.status).toBe(401);
    expect(atMcp.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // The MCP token works at /mcp, and a refresh keeps its audience.
    expect((await (await mcpClient(w, mcp.access_token)).listTools()).tools.length).toBeGreaterThan(5);
    const refreshed = (await (await postToken(w, c, { grant_type: 'refresh_token', refresh_token: mcp.refresh_token, resource: `${w.p.issuer}/mcp` })).json()) as { access_token: string; refresh_token: string };
    expect((await get(refreshed.access_token)).status).toBe(401);
    await (await mcpClient(w, refreshed.access_token)).listTools();
    // RFC 8707: another resource at refresh is invalid_target.
    const other = await postToken(w, c, { grant_type: 'refresh_token', refresh_token: refreshed.refresh_token, resource: w.p.issuer });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: 'invalid_target' });
  });

  it('introspection reports the audience: the MCP resource, or the issuer for Platform API tokens', async () => {
    const conf = await newClient(w);
    const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(conf.clientId)}:${encodeURIComponent(conf.clientSecret!)}`).toString('base64');
    const aud = async (resource: string | undefined) => {
      const { access_token } = await tokensFor(w, conf, resource);
      const res = await w.p.fetch(new URL('/platform/oauth/introspect', w.p.issuer), { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${access_token}` });
      return ((await res.json()) as { active: boolean; aud: string }).aud;
    };
    expect(await aud(`${w.p.issuer}/mcp`)).toBe(`${w.p.issuer}/mcp`);
    expect(await aud(undefined)).toBe(w.p.issuer);
  });

  it('refuses unknown resources at authorize and a resource at the token endpoint unlike the request', async () => {
    const { verifier, challenge } = pkcePair();
    await expect(codeExchange(w, c, { codeChallenge: challenge, verifier, extra: { resource: 'https://elsewhere.example/mcp' } })).rejects.toThrow(/no code/);
    const { challenge: ch2, verifier: v2 } = pkcePair();
    const r = await authorizeInBrowser(w.p, w.cookie, { clientId: c.clientId, redirectUri: c.redirectUri, codeChallenge: ch2, extra: { resource: `${w.p.issuer}/mcp` } });
    const res = await postToken(w, c, { grant_type: 'authorization_code', code: r.code!, redirect_uri: c.redirectUri, code_verifier: v2, resource: w.p.issuer });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_target' });
  });

  it('tools: the shared tool scenario with an MCP OAuth token (create, plan, push schema and perms, bad input, unknown app, delete)', async () => {
    const mcp = await tokensFor(w, c, `${w.p.issuer}/mcp`);
    const client = await mcpClient(w, mcp.access_token);
    const app = await userToolScenario(client, 'From MCP');
    expect(await callOk(client, 'token_info')).toMatchObject({ client_id: c.clientId, scopes: 'apps-read apps-write' });
    await deleteScenario(client, app.id);
  });

  it('a read-only grant gets the missing scope as a tool error; temporary apps need no scope', async () => {
    const { verifier, challenge } = pkcePair();
    const { res } = await codeExchange(w, c, { scope: 'apps-read', codeChallenge: challenge, verifier, extra: { resource: `${w.p.issuer}/mcp` } });
    const client = await mcpClient(w, ((await res.json()) as { access_token: string }).access_token);
    const r = await client.callTool({ name: 'create_app', arguments: { title: 'x' } });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('apps-write');
    const temp = await client.callTool({ name: 'create_app', arguments: { title: 'Temp', temporary: true } });
    expect(temp.isError).toBeFalsy();
    expect(JSON.parse(text(temp)).expires_ms).toBeGreaterThan(0);
  });

  it('accepts per_ tokens, and admin tokens that reach only their app', async () => {
    const per = await makePersonalToken(w.p.ctx, w.user.id);
    const client = await mcpClient(w, per);
    const a = await userToolScenario(client, 'A');
    const b = (await callOk<{ app: { id: string; 'admin-token': string } }>(client, 'create_app', { title: 'B' })).app;
    await adminToolScenario(await mcpClient(w, b['admin-token']), b.id, a.id);
  });
});
