/**
 * The MCP tool tests both transports pass (docs/mcp.md §3): the provider's `/mcp` (provider/src/web/mcp/mcp.test.ts,
 * e2e/mcp.spec.ts) and `instant-kit mcp` over stdio (client/src/cli/mcp.int.test.ts). Not exported by the package.
 *
 * @module
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'vitest';

export const TOOL_NAMES = ['create_app', 'delete_app', 'get_app', 'get_perms', 'list_apps', 'plan_schema_push', 'push_perms', 'push_schema', 'rename_app', 'token_info'];

export const TODO_SCHEMA = { entities: { todos: { attrs: { title: { valueType: 'string', required: true, config: { indexed: true, unique: false } } } } }, links: {} };
export const TODO_PERMS = { todos: { allow: { view: 'auth.id != null', create: 'auth.id != null' } } };

/** The text of a tool result's first content item. */
export function resultText(r: unknown): string {
  return (r as { content: Array<{ text: string }> }).content[0]!.text;
}

/** Calls a tool that must succeed and returns its JSON answer. */
export async function callOk<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const r = await client.callTool({ name, arguments: args });
  if (r.isError) throw new Error(`${name} failed: ${resultText(r)}`);
  return JSON.parse(resultText(r)) as T;
}

/** Calls a tool that must fail as a tool error (never a protocol error) and returns its message. */
export async function callFails(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const r = await client.callTool({ name, arguments: args });
  expect(r.isError, `${name} should be a tool error, got ${resultText(r)}`).toBe(true);
  return resultText(r);
}

/** The tool list: every tool, described, with JSON-schema inputs; delete marked destructive. */
export async function checkToolList(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(TOOL_NAMES);
  for (const t of tools) {
    expect(t.description!.length).toBeGreaterThan(20);
    expect(t.inputSchema.type).toBe('object');
  }
  expect(tools.find((t) => t.name === 'delete_app')!.annotations).toMatchObject({ destructiveHint: true });
  expect(tools.find((t) => t.name === 'list_apps')!.annotations).toMatchObject({ readOnlyHint: true });
}

/**
 * A user token's journey: create an app, plan and push a schema (the plan it applied is shown), push perms,
 * read them back, rename; bad arguments and an unknown app are tool errors with the Platform API's message.
 * Returns the app (not deleted: callers check it in the dashboard, then `deleteScenario`).
 */
export async function userToolScenario(client: Client, title: string): Promise<{ id: string; adminToken: string }> {
  await checkToolList(client);
  const { app } = await callOk<{ app: { id: string; 'admin-token': string } }>(client, 'create_app', { title });
  const plan = await callOk<{ plan: string[] }>(client, 'plan_schema_push', { app_id: app.id, schema: TODO_SCHEMA });
  expect(plan.plan).toContain('add-attr todos.title');
  const pushed = await callOk<{ applied: string[] }>(client, 'push_schema', { app_id: app.id, schema: TODO_SCHEMA });
  expect(pushed.applied).toContain('add-attr todos.title');
  expect((await callOk<{ plan: string[] }>(client, 'plan_schema_push', { app_id: app.id, schema: TODO_SCHEMA })).plan).toEqual([]);
  await callOk(client, 'push_perms', { app_id: app.id, perms: TODO_PERMS });
  expect(await callOk(client, 'get_perms', { app_id: app.id })).toEqual({ perms: TODO_PERMS });
  const got = await callOk<{ app: { title: string; schema: { blobs: Record<string, unknown> } } }>(client, 'get_app', { app_id: app.id, include_schema: true });
  expect(Object.keys(got.app.schema.blobs)).toContain('todos');
  expect((await callOk<{ app: { title: string } }>(client, 'rename_app', { app_id: app.id, title: `${title} (renamed)` })).app.title).toBe(`${title} (renamed)`);
  const listed = await callOk<{ apps: Array<{ id: string }> }>(client, 'list_apps');
  expect(listed.apps.map((a) => a.id)).toContain(app.id);

  // Bad arguments: the SDK's input check, and the Platform API's validation naming the path.
  expect(await callFails(client, 'create_app', {})).toMatch(/title/);
  expect(await callFails(client, 'push_perms', { app_id: app.id, perms: { todos: { allow: { view: 42 } } } })).toContain('Invalid rules at code.todos.allow.view: must be a string');
  expect(await callFails(client, 'push_schema', { app_id: app.id, schema: { entities: { todos: { attrs: { n: { valueType: 'float' } } } } } })).toContain('schema.entities.todos.attrs.n.valueType');
  expect(await callFails(client, 'get_app', { app_id: '00000000-0000-4000-8000-000000000000' })).toContain('HTTP 404');
  // Temporary apps need no account.
  const temp = await callOk<{ app: { id: string }; expires_ms: number }>(client, 'create_app', { title: 'Scratch', temporary: true });
  expect(temp.expires_ms).toBeGreaterThan(0);
  return { id: app.id, adminToken: app['admin-token'] };
}

/** Deleting through the tool: the app is gone from the list, and a second delete is a tool error. */
export async function deleteScenario(client: Client, appId: string): Promise<void> {
  await callOk(client, 'delete_app', { app_id: appId });
  expect((await callOk<{ apps: Array<{ id: string }> }>(client, 'list_apps')).apps.map((a) => a.id)).not.toContain(appId);
  expect(await callFails(client, 'delete_app', { app_id: appId })).toContain('HTTP 404');
}

/** An app admin token: its own app's schema and perms work; another app, listing and creating are tool errors. */
export async function adminToolScenario(client: Client, ownAppId: string, otherAppId: string): Promise<void> {
  await checkToolList(client);
  await callOk(client, 'get_app', { app_id: ownAppId });
  expect((await callOk<{ applied: string[] }>(client, 'push_schema', { app_id: ownAppId, schema: TODO_SCHEMA })).applied).toContain('add-attr todos.title');
  await callOk(client, 'push_perms', { app_id: ownAppId, perms: TODO_PERMS });
  expect(await callOk(client, 'get_perms', { app_id: ownAppId })).toEqual({ perms: TODO_PERMS });
  expect(await callFails(client, 'get_app', { app_id: otherAppId })).toMatch(/HTTP 40[34]/);
  expect(await callFails(client, 'push_perms', { app_id: otherAppId, perms: TODO_PERMS })).toMatch(/HTTP 40[34]/);
  expect(await callFails(client, 'list_apps')).toContain('admin token');
  expect(await callFails(client, 'create_app', { title: 'nope' })).toContain('admin token');
}
