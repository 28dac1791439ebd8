import type { Context } from 'hono';

/** The CLI's login (docs/instant-compat.md §5) is domain/platform/cli-login.ts; this is its one header-reading part. */

/** What the CLI says it is, from its own headers: shown to the user, never trusted for anything else. */
export function clientLabel(c: Context): string {
  const clean = (v: string | undefined) => (v && /^[A-Za-z0-9._@/+-]{1,40}$/.test(v) ? v : undefined);
  const source = clean(c.req.header('x-instant-source'));
  const version = clean(c.req.header('x-instant-version'));
  if (!source) return 'a command-line client';
  return version ? `${source} ${version}` : source;
}
