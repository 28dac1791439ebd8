import { BlockList, isIP } from 'node:net';

/**
 * `TRUST_PROXY` (docs/rate-limits.md §1): how many proxies in front of the provider append to `X-Forwarded-For`
 * (`hops`), or which addresses are trusted proxies (`proxies`, addresses or CIDR ranges). Neither → the header is
 * ignored and the socket's peer is the client.
 */
export type TrustProxy = { hops: number } | { proxies: string[] };

/** Parses `TRUST_PROXY`: off (`false`/`0`/unset), `true` (one hop), a hop count, or a comma list of addresses/CIDRs. */
export function parseTrustProxy(v: string): TrustProxy | string {
  const s = v.trim().toLowerCase();
  if (['', 'false', 'no', '0'].includes(s)) return { hops: 0 };
  if (['true', 'yes'].includes(s)) return { hops: 1 };
  if (/^\d+$/.test(s)) return Number(s) <= 10 ? { hops: Number(s) } : 'a hop count must be at most 10';
  const proxies = s.split(',').map((p) => p.trim()).filter(Boolean);
  for (const p of proxies) if (!cidr(p)) return `"${p.slice(0, 60)}" is neither an IP address nor a CIDR range`;
  return { proxies };
}

function cidr(p: string): { address: string; prefix: number; type: 'ipv4' | 'ipv6' } | null {
  const [address = '', bits, extra] = p.split('/');
  const v = isIP(address);
  if (!v || extra !== undefined) return null;
  const max = v === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d+$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return null;
  return { address, prefix, type: v === 4 ? 'ipv4' : 'ipv6' };
}

export function blockList(proxies: string[]): BlockList {
  const list = new BlockList();
  for (const p of proxies) {
    const r = cidr(p)!;
    list.addSubnet(r.address, r.prefix, r.type);
  }
  return list;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) compares as `10.0.0.1`. */
export function normal(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The client's address: walking from the socket's peer towards the left of `X-Forwarded-For`, the first hop that is
 * not a trusted proxy. Entries left of it were written by the client and are never used. An entry that is not an
 * IP address stops the walk at the last trusted hop, so garbage never becomes an address (docs/rate-limits.md §1).
 */
export function resolveClientAddress(peer: string | undefined, forwardedFor: string | undefined, trust: TrustProxy, isTrusted?: (a: string) => boolean): string {
  let address = normal(peer ?? 'local');
  if (!forwardedFor) return address;
  const chain = forwardedFor.split(',').map((e) => normal(e.trim()));
  const trusted = 'hops' in trust ? (_: string, hop: number) => hop < trust.hops : (a: string) => isTrusted!(a);
  for (let hop = 0; hop < chain.length + 1 && trusted(address, hop); hop++) {
    const next = chain[chain.length - 1 - hop];
    if (next === undefined || !isIP(next)) break;
    address = next;
  }
  return address;
}
