import type { Context } from 'hono';

/**
 * Audience binding of tokens (RFC 8707, docs/mcp.md §2). A token is issued for one resource:
 * - the Platform API: no `resource` parameter (Instant's own clients and every client before MCP), or the issuer;
 * - the MCP server: `<issuer>/mcp`, which MCP clients send as their protected-resource metadata says.
 * Any other `resource` is refused with `invalid_target` at the authorization endpoint.
 */
export type Audience = 'platform' | 'mcp';

export function mcpResource(issuer: string): string {
  return `${issuer}/mcp`;
}

/** The audience a `resource` value names, or null when this server is not that resource. */
export function audienceOf(issuer: string, resource: string | null | undefined): Audience | null {
  if (resource === null || resource === undefined || resource === issuer || resource === `${issuer}/`) return 'platform';
  if (resource === mcpResource(issuer)) return 'mcp';
  return null;
}

/**
 * Marks an in-process request from the MCP server to the Platform API (web/mcp/routes.ts): the tools call the
 * Platform API's own routes, so its checks run unchanged, and those routes then accept the caller's
 * MCP-audience token. It rides in Hono's `env`, which only `app.fetch(request, env)` callers set: no HTTP
 * request can carry it.
 */
export const FROM_MCP = Symbol('instant-provider.from-mcp');

export function calledFromMcp(c: Context): boolean {
  const env: unknown = c.env;
  return typeof env === 'object' && env !== null && (env as Record<symbol, unknown>)[FROM_MCP] === true;
}
