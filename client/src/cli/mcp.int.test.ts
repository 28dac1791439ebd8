import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminToolScenario, callFails, callOk, deleteScenario, userToolScenario } from '../testing/mcp-tools.ts';
import { personalToken, world, type TestProvider } from '../testing/provider.ts';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/instant-kit.mjs');

/** `instant-kit mcp` as an MCP client would start it: a child process speaking JSON-RPC on stdio. */
async function stdioClient(token: string, apiUri: string): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--token', token, '--api-uri', apiUri], stderr: 'pipe', env: { PATH: process.env.PATH ?? '' } });
  let err = '';
  transport.stderr?.on('data', (d) => (err += String(d)));
  const client = new Client({ name: 'stdio-test', version: '1' });
  await client.connect(transport);
  return { client, stderr: () => err };
}

describe('instant-kit mcp over stdio against the provider over real HTTP (docs/mcp.md §5)', () => {
  let w: Awaited<ReturnType<typeof world>>;
  let p: TestProvider;
  let server: ServerType;
  let url: string;
  const clients: Client[] = [];
  beforeEach(async () => {
    w = await world();
    p = w.p;
    await new Promise<void>((ready) => {
      server = serve({ fetch: p.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready());
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await new Promise((r) => server.close(r));
    await p.close();
  });

  it('passes the tool scenario with a per_ token, then with an admin token that reaches only its app', async () => {
    const per = await stdioClient(await personalToken(p, w.cookie), url);
    clients.push(per.client);
    const a = await userToolScenario(per.client, 'Over stdio');
    const b = (await callOk<{ app: { id: string; 'admin-token': string } }>(per.client, 'create_app', { title: 'Admin-bound' })).app;
    const admin = await stdioClient(b['admin-token'], url);
    clients.push(admin.client);
    await adminToolScenario(admin.client, b.id, a.id);
    await deleteScenario(per.client, a.id);
    expect(per.stderr()).toContain('serving the Instant Platform tools');
  }, 90_000);

  it('a revoked or unknown token is a tool error, not a crash; a provider that is down is a tool error naming it', async () => {
    const bad = await stdioClient('per_' + 'x'.repeat(43), url);
    clients.push(bad.client);
    expect(await callFails(bad.client, 'list_apps')).toContain('HTTP 401');
    const down = await stdioClient('per_' + 'x'.repeat(43), 'http://127.0.0.1:9');
    clients.push(down.client);
    expect(await callFails(down.client, 'list_apps')).toContain('Could not reach http://127.0.0.1:9');
  }, 60_000);

  it('refuses to start without a token', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [BIN, 'mcp'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('mcp needs a token');
    expect(r.stdout).toBe('');
  });
});
