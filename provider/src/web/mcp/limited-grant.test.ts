import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newClient, world, type OAuthWorld } from '../../testing/oauth.ts';
import { createApp } from '../../domain/platform/apps.ts';
import { appField } from '../../domain/platform/grant-apps.ts';
import { limitedTokens } from '../../testing/platform.ts';
import { callFails, callOk, TODO_PERMS, TODO_SCHEMA, TOOL_NAMES } from '../../../../client/src/testing/mcp-tools.ts';

/** Every MCP tool that names an app, with arguments it accepts (docs/mcp.md §3). */
const APP_TOOLS: Array<{ name: string; args: Record<string, unknown> }> = [
  { name: 'get_app', args: { include_schema: true, include_perms: true } },
  { name: 'rename_app', args: { title: 'Renamed' } },
  { name: 'plan_schema_push', args: { schema: TODO_SCHEMA } },
  { name: 'push_schema', args: { schema: TODO_SCHEMA } },
  { name: 'get_perms', args: {} },
  { name: 'push_perms', args: { perms: TODO_PERMS } },
  { name: 'delete_app', args: {} },
];
/** The tools that name no app. */
const OTHER_TOOLS = ['create_app', 'list_apps', 'token_info'];

describe('grants limited to chosen apps: the MCP tools (docs/mcp.md §8)', () => {
  let w: OAuthWorld;
  let other: string;
  beforeEach(async () => {
    w = await world();
    other = (await createApp(w.p.ctx, w.user.id, { title: 'Other', schema: TODO_SCHEMA, perms: TODO_PERMS })).app.id;
  });
  afterEach(async () => w.p.close());

  async function mcpWith(fields: Record<string, string>): Promise<Client> {
    const c = await newClient(w, { public: true });
    const { access_token } = await limitedTokens(w, c, fields, { resource: `${w.p.issuer}/mcp` });
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', w.p.issuer), { fetch: w.p.fetch, requestInit: { headers: { authorization: `Bearer ${access_token}` } } }));
    return client;
  }

  it('the table names every tool', () => {
    expect([...APP_TOOLS.map((t) => t.name), ...OTHER_TOOLS].sort()).toEqual([...TOOL_NAMES].sort());
  });

  it('"only apps it creates": every app tool is a tool error 404 for the user\'s other app, and works on the app it created', async () => {
    const client = await mcpWith({ app_access: 'created' });
    expect(await callOk(client, 'list_apps')).toEqual({ apps: [] });
    for (const t of APP_TOOLS) {
      expect(await callFails(client, t.name, { app_id: other, ...t.args }), t.name).toMatch(/^App not found \(HTTP 404, record-not-found\)/);
    }
    const { app } = await callOk<{ app: { id: string } }>(client, 'create_app', { title: 'Agent app' });
    expect((await callOk<{ apps: Array<{ id: string }> }>(client, 'list_apps')).apps.map((a) => a.id)).toEqual([app.id]);
    expect(await callOk(client, 'token_info')).toMatchObject({ app_access: { mode: 'created', app_ids: [app.id] } });
    for (const t of APP_TOOLS) await callOk(client, t.name, { app_id: app.id, ...t.args });
    // The other app is untouched: its title, schema and rules as they were.
    const per = await mcpWith({});
    const seen = await callOk<{ app: { title: string; perms: unknown } }>(per, 'get_app', { app_id: other, include_perms: true });
    expect(seen.app).toMatchObject({ title: 'Other', perms: TODO_PERMS });
  });

  it('"apps I pick": the picked app is reached, the rest is not', async () => {
    const picked = (await createApp(w.p.ctx, w.user.id, { title: 'Picked' })).app.id;
    const client = await mcpWith({ app_access: 'selected', [appField(picked)]: '1' });
    expect((await callOk<{ apps: Array<{ id: string }> }>(client, 'list_apps')).apps.map((a) => a.id)).toEqual([picked]);
    await callOk(client, 'rename_app', { app_id: picked, title: 'Picked, renamed' });
    expect(await callFails(client, 'get_app', { app_id: other })).toContain('HTTP 404');
    expect(await callOk(client, 'token_info')).toMatchObject({ app_access: { mode: 'selected', app_ids: [picked] } });
  });
});
