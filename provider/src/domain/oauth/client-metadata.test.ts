import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMetadataClientId, isPublicAddress, parseDocument } from './client-metadata.ts';
import { world, type OAuthWorld } from '../../testing/oauth.ts';

const ID = 'https://agent.example/oauth/client.json';

describe('Client ID Metadata Documents: checks before and after the fetch (docs/mcp.md §7)', () => {
  it('recognises only https URLs with a path, without fragment or credentials', () => {
    expect(isMetadataClientId(ID)).toBe(true);
    for (const id of ['http://agent.example/c.json', 'https://agent.example/', 'https://agent.example', 'https://u:p@agent.example/c', 'https://agent.example/c#x', 'a-uuid', undefined]) {
      expect(isMetadataClientId(id), String(id)).toBe(false);
    }
  });

  it('treats loopback, private, link-local, CGNAT, multicast and mapped addresses as non-public', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a00:1', 'not-an-ip']) {
      expect(isPublicAddress(a), a).toBe(false);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:808:808']) expect(isPublicAddress(a), a).toBe(true);
  });

  it('validates the document: JSON object, its own client_id, public client, good redirect URIs', () => {
    const doc = (o: Record<string, unknown>) => JSON.stringify({ client_id: ID, redirect_uris: ['http://127.0.0.1:3000/cb'], client_name: 'Agent', ...o });
    expect(parseDocument(ID, doc({}))).toEqual({ name: 'Agent', redirectUris: ['http://127.0.0.1:3000/cb'], homePage: null });
    expect(parseDocument(ID, 'nope')).toBe('the client metadata document is not JSON');
    expect(parseDocument(ID, '[]')).toBe('the client metadata document is not a JSON object');
    expect(parseDocument(ID, doc({ client_id: 'https://other.example/c.json' }))).toBe('the client metadata document names another client_id');
    expect(parseDocument(ID, doc({ token_endpoint_auth_method: 'client_secret_basic' }))).toContain('only public clients');
    expect(parseDocument(ID, doc({ redirect_uris: [] }))).toContain('redirect_uris');
    expect(parseDocument(ID, doc({ redirect_uris: ['javascript:alert(1)'] }))).toContain('javascript:alert(1)');
  });
});

describe('Client ID Metadata Documents at the authorization endpoint', () => {
  let w: OAuthWorld;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(async () => w.p.close());

  const start = (clientId: string) =>
    w.p.fetch(`${w.p.issuer}/platform/oauth/start?client_id=${encodeURIComponent(clientId)}&redirect_uri=${encodeURIComponent('http://127.0.0.1:3000/cb')}&response_type=code&scope=apps-read&state=s&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`, {
      headers: { cookie: w.cookie },
      redirect: 'manual',
    });

  it('is advertised in the authorization server metadata', async () => {
    expect(await (await w.p.fetch(`${w.p.issuer}/.well-known/oauth-authorization-server`)).json()).toMatchObject({ client_id_metadata_document_supported: true });
  });

  it('never fetches from loopback or private addresses, by IP or by name, and says so on an error page (no redirect)', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      for (const [id, why] of [
        [`https://127.0.0.1:${port}/c.json`, '127.0.0.1 is not a public address'],
        [`https://[::1]:${port}/c.json`, '::1 is not a public address'],
        [`https://[::ffff:7f00:1]:${port}/c.json`, '::ffff:7f00:1 is not a public address'],
        [`https://localhost:${port}/c.json`, 'localhost resolves to no public address'],
      ] as const) {
        const res = await start(id);
        expect(res.status, id).toBe(400);
        expect(res.headers.get('location')).toBeNull();
        expect(await res.text()).toContain(why);
      }
      expect(hits).toBe(0);
      expect(await w.p.ctx.db.one(`select count(*)::int as n from oauth_clients where client_id like 'https://%'`)).toEqual({ n: 0 });
    } finally {
      server.close();
    }
  });
});
