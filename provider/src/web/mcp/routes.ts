import { Hono, type Context } from 'hono';
import { anyOriginCors } from '../http/cors.ts';
import type { Ctx } from '../../domain/context.ts';
import { authenticate, bearerToken } from '../http/auth.ts';
import { ApiError } from '../../domain/errors.ts';
import { FROM_MCP, mcpResource } from './audience.ts';

/** The provider's own fetch, for the MCP tools to call the Platform API routes in-process. */
export type AppFetch = (request: Request, env: unknown) => Response | Promise<Response>;

const PRM_PATH = '/.well-known/oauth-protected-resource/mcp';
/** The scopes the tools use (docs/mcp.md §3): MCP clients ask for these. */
const MCP_SCOPES = ['apps-read', 'apps-write'];

/** RFC 9728 §2: the MCP server's protected-resource metadata, from configuration alone (docs/security.md §9). */
export function protectedResourceMetadata(issuer: string) {
  return {
    resource: mcpResource(issuer),
    authorization_servers: [issuer],
    scopes_supported: MCP_SCOPES,
    bearer_methods_supported: ['header'],
    resource_name: 'Instant Platform MCP server',
    resource_documentation: `${issuer}/dash`,
  };
}

/** RFC 6750 §3 / RFC 9728 §5.1: the challenge that sends an MCP client to the metadata. */
function challenge(ctx: Ctx, c: Context, error?: { description: string }): Response {
  const params = [`resource_metadata="${ctx.config.issuer}${PRM_PATH}"`, `scope="${MCP_SCOPES.join(' ')}"`];
  if (error) params.unshift(`error="invalid_token"`, `error_description="${error.description.replace(/["\\]/g, '')}"`);
  return c.json({ type: 'record-not-found', message: error?.description ?? 'Missing Authorization: Bearer <token> header', hint: {} }, 401, {
    'WWW-Authenticate': `Bearer ${params.join(', ')}`,
  });
}

/**
 * The MCP SDK and the tools (~10 MB of JS heap, ~15 MB resident, bench/RESULTS.md): loaded at the first `/mcp`
 * call, not at start, so a provider nobody reaches over MCP never holds them (docs/operations.md §9).
 */
let mcpModules: Promise<[typeof import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'), typeof import('instant-kit/mcp')]> | undefined;
const loadMcp = () => (mcpModules ??= Promise.all([import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'), import('instant-kit/mcp')]));

/**
 * `/mcp`: the remote MCP server (streamable HTTP, stateless: each POST carries one JSON-RPC message and gets
 * JSON back) and its protected-resource metadata (docs/mcp.md §1). It is an OAuth 2.1 resource server: OAuth
 * access tokens are accepted only when issued for this resource (RFC 8707); `per_` and app admin tokens too.
 */
export function mcpRoutes(ctx: Ctx, appFetch: () => AppFetch): Hono {
  const r = new Hono();
  const anyOrigin = anyOriginCors({ allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'], allowHeaders: ['Authorization', 'Content-Type', 'Mcp-Protocol-Version', 'Mcp-Session-Id', 'Last-Event-ID'], exposeHeaders: ['WWW-Authenticate', 'Mcp-Session-Id'], maxAge: 600 });
  r.use(PRM_PATH, anyOrigin);
  r.get(PRM_PATH, (c) => c.json(protectedResourceMetadata(ctx.config.issuer), 200, { 'Cache-Control': 'public, max-age=300' }));
  r.use('/mcp', anyOrigin);
  r.all('/mcp', async (c) => {
    const token = bearerToken(c);
    if (!token) return challenge(ctx, c);
    try {
      await authenticate(ctx, c, { session: false, admin: true, audience: 'mcp' });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return challenge(ctx, c, { description: e.message });
      throw e;
    }
    // Stateless: no session to stream to or end (MCP streamable HTTP §"Listening for Messages from the Server").
    if (c.req.method !== 'POST') return c.json({ type: 'method-not-allowed', message: 'This MCP server is stateless: use POST', hint: {} }, 405, { Allow: 'POST' });
    const env = { ...(typeof c.env === 'object' && c.env ? c.env : {}), [FROM_MCP]: true };
    const [{ WebStandardStreamableHTTPServerTransport }, { createInstantMcpServer, platformCall }] = await loadMcp();
    const fetch = appFetch();
    // Each tool call goes through the Platform API's routes with the caller's token: the same checks, the same messages.
    const call = platformCall({ apiURI: ctx.config.issuer, token, fetch: (input, init) => Promise.resolve(fetch(new Request(input, init), env)) });
    const server = createInstantMcpServer(call, { name: 'instant-provider', version: '0.1.0' });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize: 2 * 1024 * 1024 });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      void server.close();
    }
  });
  return r;
}
