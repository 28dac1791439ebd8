import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { blockList, normal, resolveClientAddress, type TrustProxy } from '../../domain/trust-proxy.ts';


declare module 'hono' {
  interface ContextVariableMap {
    clientAddress: string;
  }
}

/** The peer of the connection (the socket); injectable so in-process tests (no socket) can say who is calling. */
export type PeerAddress = (c: Context) => string | undefined;

export const socketPeer: PeerAddress = (c) => {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // in-process requests (app.request) carry no socket
  }
};

/** Resolves the client address once per request (`clientAddress(c)` reads it). */
export function clientAddressMiddleware(trust: TrustProxy, peer: PeerAddress = socketPeer): MiddlewareHandler {
  const list = 'proxies' in trust ? blockList(trust.proxies) : null;
  const isTrusted = list ? (a: string) => isIP(a) !== 0 && list.check(a, isIP(a) === 4 ? 'ipv4' : 'ipv6') : undefined;
  const off = 'hops' in trust && trust.hops === 0;
  return async (c, next) => {
    const from = peer(c);
    c.set('clientAddress', off ? normal(from ?? 'local') : resolveClientAddress(from, c.req.header('x-forwarded-for'), trust, isTrusted));
    await next();
  };
}

/** The caller's address, for rate limits and the audit trail (resolved by `clientAddressMiddleware`). */
export function clientAddress(c: Context): string {
  return c.get('clientAddress') ?? normal(socketPeer(c) ?? 'local');
}
