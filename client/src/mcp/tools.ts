import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { InstantAPIError } from '../errors.ts';
import type { PlatformCall } from './platform-call.ts';

/**
 * The MCP tools over the Platform API (docs/mcp.md §3): one definition serving both transports. The provider's
 * `/mcp` passes a {@link PlatformCall} that runs its own Platform API routes in-process; `instant-kit mcp`
 * passes one over HTTP. Either way every rule (scopes, which apps a token reaches, schema and rules
 * validation) is the Platform API's, and its error message becomes the tool error the model reads.
 */

const appId = z.string().min(1).max(100).describe('The app id (a UUID), as list_apps or create_app return it');
const schema = z
  .record(z.string(), z.unknown())
  .describe(
    'Instant schema JSON, the JSON of i.schema(...): {"entities": {"todos": {"attrs": {"title": {"valueType": "string", "required": true, "config": {"indexed": true, "unique": false}}}}}, ' +
      '"links": {"todoOwner": {"forward": {"on": "todos", "label": "owner", "has": "one"}, "reverse": {"on": "$users", "label": "todos", "has": "many"}}}}. ' +
      'valueType is one of string, number, boolean, date, json, any. A push only adds and changes; it never deletes attributes.',
  );
const perms = z
  .record(z.string(), z.unknown())
  .describe(
    'Instant permission rules: namespace → {"allow": {"view"|"create"|"update"|"delete"|"$default": CEL expression string}, "bind"?: [name, expression, ...]}. ' +
      'Example: {"todos": {"allow": {"view": "auth.id == data.creatorId", "create": "auth.id != null"}}}. Expressions are CEL over auth, data, newData and ref().',
  );

function ok(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] };
}

/** A Platform API failure as a tool error (the model reads it and can fix its call), never a protocol error. */
function failure(e: unknown): CallToolResult {
  if (!(e instanceof InstantAPIError)) throw e;
  const hint = Object.keys(e.hint).length ? `\n${JSON.stringify(e.hint)}` : '';
  return { isError: true, content: [{ type: 'text', text: `${e.message} (HTTP ${e.status}${e.type ? `, ${e.type}` : ''})${hint}` }] };
}

const id = (s: string) => encodeURIComponent(s);

/** The steps of a plan or push, in words a model can relay: "add-attr todos.title", … */
function describeSteps(steps: unknown): string[] {
  if (!Array.isArray(steps)) return [];
  return steps.map((s) => {
    const [kind, arg] = Array.isArray(s) ? (s as [string, Record<string, unknown>]) : ['step', {}];
    const fwd = (arg?.['forward-identity'] as unknown[] | undefined) ?? [];
    return fwd.length >= 3 ? `${kind} ${String(fwd[1])}.${String(fwd[2])}` : String(kind);
  });
}

/** A new MCP server with the Instant Platform tools, each calling `call`. */
export function createInstantMcpServer(call: PlatformCall, info: { name: string; version: string }): McpServer {
  const server = new McpServer(info, {
    instructions:
      'Tools to manage Instant apps through the Platform API: list, create, rename and delete apps, plan and push their schema, read and push their permission rules. ' +
      'Plan a schema push before pushing it and show the user the plan. Deleting an app cannot be undone.',
  });
  const tool = <S extends z.ZodRawShape>(
    name: string,
    config: { title: string; description: string; inputSchema: S; annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean } },
    run: (args: z.infer<z.ZodObject<S>>) => Promise<unknown>,
  ) =>
    server.registerTool(name, { ...config, annotations: { openWorldHint: false, ...config.annotations } }, (async (args: z.infer<z.ZodObject<S>>) => {
      try {
        return ok(await run(args));
      } catch (e) {
        return failure(e);
      }
    }) as never);

  tool('list_apps', { title: 'List apps', description: "Lists the Instant apps this token may reach: the user's apps (or, for an app admin token, none).", inputSchema: {}, annotations: { readOnlyHint: true } }, () =>
    call('GET', '/superadmin/apps'),
  );
  tool(
    'create_app',
    {
      title: 'Create app',
      description:
        "Creates an Instant app owned by the signed-in user, optionally with a schema and permission rules, and returns its id and admin token. With temporary: true it makes a temporary app instead (no account needed, deleted after 14 days, claimable into an account later).",
      inputSchema: { title: z.string().min(1).max(100).describe('The app title'), temporary: z.boolean().optional().describe('Make a temporary app (default false)'), schema: schema.optional(), perms: perms.optional() },
    },
    ({ title, temporary, schema, perms }) =>
      temporary
        ? call('POST', '/dash/apps/ephemeral', { title, ...(schema ? { schema } : {}), ...(perms ? { rules: { code: perms } } : {}) }, { anonymous: true })
        : call('POST', '/superadmin/apps', { title, ...(schema ? { schema } : {}), ...(perms ? { perms } : {}) }),
  );
  tool(
    'get_app',
    { title: 'Get app', description: "Fetches one app's details, and its schema and permission rules when asked.", inputSchema: { app_id: appId, include_schema: z.boolean().optional(), include_perms: z.boolean().optional() }, annotations: { readOnlyHint: true } },
    async ({ app_id, include_schema, include_perms }) => {
      const { app } = (await call('GET', `/superadmin/apps/${id(app_id)}`)) as { app: Record<string, unknown> };
      if (include_schema) app.schema = ((await call('GET', `/superadmin/apps/${id(app_id)}/schema`)) as { schema: unknown }).schema;
      if (include_perms) app.perms = ((await call('GET', `/superadmin/apps/${id(app_id)}/perms`)) as { perms: unknown }).perms;
      return { app };
    },
  );
  tool('rename_app', { title: 'Rename app', description: "Changes an app's title.", inputSchema: { app_id: appId, title: z.string().min(1).max(100) }, annotations: { idempotentHint: true } }, ({ app_id, title }) =>
    call('POST', `/superadmin/apps/${id(app_id)}`, { title }),
  );
  tool(
    'delete_app',
    { title: 'Delete app', description: 'Deletes an app with all its data, schema and permissions. This cannot be undone: ask the user first.', inputSchema: { app_id: appId }, annotations: { destructiveHint: true, idempotentHint: true } },
    ({ app_id }) => call('DELETE', `/superadmin/apps/${id(app_id)}`),
  );
  tool(
    'plan_schema_push',
    { title: 'Plan schema push', description: 'Dry-runs pushing a schema to an app: the steps that push_schema would apply, changing nothing.', inputSchema: { app_id: appId, schema }, annotations: { readOnlyHint: true } },
    async ({ app_id, schema }) => {
      const plan = (await call('POST', `/superadmin/apps/${id(app_id)}/schema/push/plan`, { schema, check_types: true, supports_background_updates: true })) as { steps: unknown; 'new-schema': unknown };
      return { plan: describeSteps(plan.steps), steps: plan.steps, 'new-schema': plan['new-schema'] };
    },
  );
  tool(
    'push_schema',
    { title: 'Push schema', description: "Applies a schema to an app (adds and changes attributes and links; never deletes) and returns the plan it applied and the app's new schema.", inputSchema: { app_id: appId, schema }, annotations: { idempotentHint: true } },
    async ({ app_id, schema }) => {
      const res = (await call('POST', `/superadmin/apps/${id(app_id)}/schema/push/apply`, { schema, check_types: true, supports_background_updates: true })) as { steps: unknown; 'new-schema': unknown; 'indexing-jobs': unknown };
      return { applied: describeSteps(res.steps), steps: res.steps, 'new-schema': res['new-schema'], 'indexing-jobs': res['indexing-jobs'] ?? null };
    },
  );
  tool('get_perms', { title: 'Get permissions', description: "An app's permission rules (null when it has none).", inputSchema: { app_id: appId }, annotations: { readOnlyHint: true } }, ({ app_id }) =>
    call('GET', `/superadmin/apps/${id(app_id)}/perms`),
  );
  tool(
    'push_perms',
    { title: 'Push permissions', description: "Replaces an app's permission rules. Invalid rules are refused with the path of the problem.", inputSchema: { app_id: appId, perms }, annotations: { idempotentHint: true } },
    ({ app_id, perms }) => call('POST', `/superadmin/apps/${id(app_id)}/perms`, { code: perms }),
  );
  tool('token_info', { title: 'Token info', description: 'Describes the OAuth access token in use: its scopes, client and seconds until it expires.', inputSchema: {}, annotations: { readOnlyHint: true } }, () =>
    call('GET', '/platform/oauth/token-info'),
  );
  return server;
}
