import { serve, type ServerType } from '@hono/node-server';

export type { ServerType } from '@hono/node-server';

/** Binds `hostname:port` and serves `fetch` on Node's HTTP server; resolves once listening, rejects on a bind error. */
export function listen(fetch: (req: Request, env: unknown) => Promise<Response>, port: number, hostname: string): Promise<ServerType> {
  return new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch, port, hostname }, () => resolve(s));
    s.once('error', reject);
  });
}
