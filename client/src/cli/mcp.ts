/**
 * `instant-kit mcp`: the Instant Platform MCP server over stdio, for agents on the builder's machine
 * (docs/mcp.md §5). The tools are the provider's `/mcp` tools (one definition, `../mcp/tools.ts`); here they
 * call the Platform API over HTTP with the given `per_`, `pat_` or app admin token.
 *
 * @module
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createInstantMcpServer, platformCall } from '../mcp/index.ts';
import type { ParsedArgs } from './args.ts';
import { UsageError } from './args.ts';
import type { CliIO } from './io.ts';

/** Serves MCP on stdin/stdout until stdin ends; stdout carries only JSON-RPC, so nothing else is printed there. */
export async function mcp(args: ParsedArgs, io: CliIO): Promise<void> {
  if (!args.token) throw new UsageError('mcp needs a token: --token per_… (a personal access token) or an app admin token (or env INSTANT_CLI_AUTH_TOKEN)');
  const server = createInstantMcpServer(platformCall({ apiURI: args.apiUri, token: args.token }), { name: 'instant-kit', version: '0.1.0' });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once('end', () => void server.close());
  });
  await server.connect(transport);
  io.stderr(`instant-kit mcp: serving the Instant Platform tools for ${args.apiUri} on stdio`);
  await closed;
}
