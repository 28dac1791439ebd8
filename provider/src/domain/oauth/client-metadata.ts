import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { Ctx } from '../context.ts';
import { nowDate } from '../context.ts';
import { CLIENT_ID } from './clients.ts';
import { redirectUriProblem } from './redirect-uris.ts';
import { clientMetadata } from './registration.ts';
import { insertDynamicClient, lockClientApp, refreshDynamicClient } from '../../store/clients.ts';

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the MCP authorization spec's
 * preferred registration, docs/mcp.md §7): a `client_id` that is an https URL names a JSON document, fetched at
 * the authorization endpoint, that describes the client. It becomes (or refreshes) a public, dynamic
 * ("unverified") client whose id is the URL.
 *
 * The fetch is a request this server makes on a stranger's say-so (SSRF): https only, no redirects, at most
 * MAX_BYTES within TIMEOUT_MS, and never to a loopback, private, link-local or otherwise non-public address
 * (checked on the address actually connected to, so DNS rebinding cannot slip past), unless
 * CLIENT_METADATA_ALLOW_PRIVATE is set (tests, private deployments).
 */
export const MAX_BYTES = 5 * 1024;
export const TIMEOUT_MS = 5_000;

const NON_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(net, bits, 'ipv4');
// (IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry: a ::ffff:0:0/96 rule here would also match
// every plain IPv4 address in BlockList.)
for (const [net, bits] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) NON_PUBLIC.addSubnet(net, bits, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  // The same in hex, as URL parsing writes it: ::ffff:7f00:1 is 127.0.0.1.
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return isPublicAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A client_id that names a metadata document: an https URL with a path, no fragment, no credentials. */
export function isMetadataClientId(clientId: string | undefined): clientId is string {
  if (!clientId?.startsWith('https://') || !CLIENT_ID.test(clientId)) return false;
  try {
    const u = new URL(clientId);
    return u.pathname !== '/' && !u.hash && !u.username && !u.password && u.href === clientId;
  } catch {
    return false;
  }
}

class MetadataProblem extends Error {}

/** GET the document: https, no redirects, bounded in size and time, only to allowed addresses. */
function fetchDocument(url: URL, allowPrivate: boolean): Promise<string> {
  // An address in the URL itself is connected to without a lookup: checked here.
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && !allowPrivate && !isPublicAddress(literal)) return Promise.reject(new MetadataProblem(`${literal} is not a public address`));
  return new Promise((resolve, reject) => {
    const fail = (m: string) => reject(new MetadataProblem(m));
    const req = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json' },
        timeout: TIMEOUT_MS,
        // Checked at connect time, on the very address used.
        lookup: (host, opts, cb) =>
          dnsLookup(host, { ...opts, all: true }, (err, addresses: LookupAddress[]) => {
            if (err) return cb(err, '', 0);
            const usable = addresses.filter((a) => allowPrivate || isPublicAddress(a.address));
            if (usable.length === 0) return cb(new MetadataProblem(`${host} resolves to no public address`), '', 0);
            if (opts.all) return cb(null, usable);
            cb(null, usable[0]!.address, usable[0]!.family);
          }),
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.destroy();
          return fail(`the client metadata document answered HTTP ${res.statusCode}${res.statusCode && res.statusCode >= 300 && res.statusCode < 400 ? ' (redirects are not followed)' : ''}`);
        }
        let size = 0;
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > MAX_BYTES) {
            res.destroy();
            fail(`the client metadata document is larger than ${MAX_BYTES} bytes`);
          } else chunks.push(d);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', (e) => fail(`the client metadata document could not be read: ${e.message}`));
      },
    );
    const timer = setTimeout(() => req.destroy(new MetadataProblem(`the client metadata document did not arrive within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    req.on('timeout', () => req.destroy(new MetadataProblem(`the client metadata document did not arrive within ${TIMEOUT_MS} ms`)));
    req.on('error', (e) => fail(e instanceof MetadataProblem ? e.message : `the client metadata document could not be fetched: ${e.message}`));
    req.on('close', () => clearTimeout(timer));
    req.end();
  });
}

/** Validates a document for `clientId`: the reason it is not usable, or its name and redirect URIs. */
export function parseDocument(clientId: string, text: string): { name: string; redirectUris: string[]; homePage: string | null } | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'the client metadata document is not JSON';
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return 'the client metadata document is not a JSON object';
  if ((raw as { client_id?: unknown }).client_id !== clientId) return 'the client metadata document names another client_id';
  const parsed = clientMetadata.safeParse(raw);
  if (!parsed.success) return `the client metadata document is invalid at ${parsed.error.issues[0]?.path.join('.') || 'its top level'}: ${parsed.error.issues[0]?.message}`;
  const m = parsed.data;
  if ((m.token_endpoint_auth_method ?? 'none') !== 'none') return 'only public clients may use a client metadata document: token_endpoint_auth_method must be none';
  for (const uri of m.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem) return `${problem}: ${uri.slice(0, 200)}`;
  }
  let homePage: string | null = null;
  if (m.client_uri) {
    try {
      const u = new URL(m.client_uri);
      if (u.protocol === 'https:') homePage = u.toString();
    } catch {
      /* not shown */
    }
  }
  return { name: m.client_name ?? new URL(clientId).host, redirectUris: m.redirect_uris, homePage };
}

/**
 * Fetches and applies the document of `clientId`: creates the client (a dynamic, published OAuth app with one
 * public client whose id is the URL) or refreshes its name and redirect URIs. Returns the problem, or null.
 */
export async function resolveMetadataClient(ctx: Ctx, clientId: string): Promise<string | null> {
  let text: string;
  try {
    text = await fetchDocument(new URL(clientId), ctx.config.clientMetadataAllowPrivate === true);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  const doc = parseDocument(clientId, text);
  if (typeof doc === 'string') return doc;
  const now = nowDate(ctx);
  await ctx.db.tx(async (db) => {
    const known = await lockClientApp(db, clientId);
    const client = { clientId, name: doc.name, homePage: doc.homePage, redirectUris: doc.redirectUris };
    if (known) await refreshDynamicClient(db, { ...client, appId: known });
    else await insertDynamicClient(db, { ...client, appId: ctx.random.uuid(), now }, true);
  });
  return null;
}
