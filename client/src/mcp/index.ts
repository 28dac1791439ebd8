/**
 * The Instant Platform MCP tools (docs/mcp.md §3), shared by the provider's remote `/mcp` and `instant-kit mcp`.
 *
 * @module
 */
export { createInstantMcpServer } from './tools.ts';
export { platformCall, type PlatformCall } from './platform-call.ts';
