/**
 * `instant-kit login` / `logout`: the authorization code flow for a native app (RFC 8252):
 * a public client registered dynamically (RFC 7591) and remembered, PKCE S256, and a one-shot
 * loopback redirect listener on `127.0.0.1`, port chosen by the OS (RFC 8252 §7.3).
 *
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as o from 'oauth4webapi';
import { InstantOAuth } from '../oauth.ts';
import { toOAuthError, transportOptions } from '../oauth-core.ts';
import type { ParsedArgs } from './args.ts';
import { CliError } from './auth.ts';
import { readConfig, updateProvider } from './config.ts';
import type { CliIO } from './io.ts';

/** Scopes the CLI asks for. */
export const CLI_SCOPES = ['apps-read', 'apps-write', 'openid', 'email'];
/** How long `login` waits for the browser. */
const LOGIN_TIMEOUT_MS = 5 * 60_000;
/** Registered once; the port of a loopback redirect may vary (RFC 8252 §7.3). */
const REGISTERED_REDIRECT = 'http://127.0.0.1/callback';

/** Registers the CLI as a public client (RFC 7591 §3.1) and returns its client id. */
async function register(args: ParsedArgs, io: CliIO): Promise<string> {
  try {
    const issuer = new URL(args.apiUri);
    const opts = transportOptions(issuer, io.fetch);
    const as = await o.processDiscoveryResponse(issuer, await o.discoveryRequest(issuer, { ...opts, algorithm: 'oauth2' }));
    const res = await o.dynamicClientRegistrationRequest(
      as,
      { client_name: 'instant-kit CLI', redirect_uris: [REGISTERED_REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
      opts,
    );
    return (await o.processDynamicClientRegistrationResponse(res)).client_id;
  } catch (e) {
    throw toOAuthError(e);
  }
}

/** True when the authorization endpoint answers 400 (unknown client or redirect URI) instead of redirecting. */
async function unknownClient(url: URL, io: CliIO): Promise<boolean> {
  try {
    const res = await (io.fetch ?? globalThis.fetch)(url.href, { redirect: 'manual' });
    await res.body?.cancel();
    return res.status === 400;
  } catch {
    return false;
  }
}

function listen(): Promise<Server> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok(server));
  });
}

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:system-ui;margin:4rem auto;max-width:32rem"><h1>${title}</h1><p>${text}</p></body>`;

/** Runs the browser sign-in and saves the tokens (mode 0600), or prints the access token with `--print`. */
export async function login(args: ParsedArgs, io: CliIO): Promise<void> {
  const server = await listen();
  try {
    const port = (server.address() as AddressInfo).port;
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    let clientId = readConfig(io.env).providers[args.apiUri]?.clientId;
    let oauth: InstantOAuth | null = null;
    let req: Awaited<ReturnType<InstantOAuth['authorizationUrl']>> | null = null;
    for (let attempt = 0; attempt < 2 && !req; attempt++) {
      if (!clientId) {
        io.stderr(`Registering instant-kit with ${args.apiUri}…`);
        const id = await register(args, io);
        updateProvider(io.env, args.apiUri, (e) => ({ ...e, clientId: id, redirectUri: REGISTERED_REDIRECT }));
        clientId = id;
      }
      oauth = new InstantOAuth({ issuer: args.apiUri, clientId, redirectUri, fetch: io.fetch });
      const candidate = await oauth.authorizationUrl({ scopes: CLI_SCOPES });
      // A remembered client the provider no longer knows gets an error page, never a redirect
      // (docs/api.md §2): find out before sending the user there, and register afresh.
      if (attempt === 0 && (await unknownClient(candidate.url, io))) {
        clientId = undefined;
        continue;
      }
      req = candidate;
    }
    if (!oauth || !req) throw new CliError('Could not register instant-kit with the provider');
    const result = new Promise<URL>((ok, fail) => {
      const timer = setTimeout(() => fail(new CliError('Timed out waiting for the browser sign-in')), LOGIN_TIMEOUT_MS);
      server.on('request', (rq, rs) => {
        const url = new URL(rq.url ?? '/', redirectUri);
        if (url.pathname !== '/callback') {
          rs.writeHead(404).end();
          return;
        }
        clearTimeout(timer);
        const denied = url.searchParams.get('error');
        rs.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        rs.end(denied ? page('Sign-in cancelled', 'You can close this tab and return to the terminal.') : page('Signed in', 'instant-kit is signed in. You can close this tab.'));
        ok(url);
      });
    });
    io.stderr(`Open this URL to sign in:\n  ${req.url.href}`);
    if (!args.noBrowser) io.openBrowser(req.url.href);
    io.stderr('Waiting for you to sign in in the browser…');
    const callback = await result;
    const tokens = await oauth.exchangeCallback(callback, req);
    const user = { id: tokens.idTokenClaims?.sub, email: typeof tokens.idTokenClaims?.email === 'string' ? tokens.idTokenClaims.email : undefined };
    if (args.print) {
      io.stderr(`Signed in as ${user.email ?? user.id}. Access token (not saved):`);
      io.stdout(args.json ? JSON.stringify({ token: tokens.accessToken, expiresAt: tokens.expiresAt.toISOString() }) : tokens.accessToken);
      return;
    }
    updateProvider(io.env, args.apiUri, (e) => ({
      ...e,
      user,
      tokens: { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt.getTime(), scopes: tokens.scopes },
    }));
    io.stderr(`Logged in as ${user.email ?? user.id}.`);
    if (args.json) io.stdout(JSON.stringify({ user }));
  } finally {
    server.closeAllConnections?.();
    server.close();
  }
}

/** Revokes the saved refresh token at the provider (RFC 7009) and forgets the tokens. */
export async function logout(args: ParsedArgs, io: CliIO): Promise<void> {
  const entry = readConfig(io.env).providers[args.apiUri];
  if (!entry?.tokens) {
    io.stderr(`Not logged in to ${args.apiUri}.`);
    if (args.json) io.stdout(JSON.stringify({ loggedOut: false }));
    return;
  }
  let revoked = false;
  if (entry.clientId) {
    const oauth = new InstantOAuth({ issuer: args.apiUri, clientId: entry.clientId, redirectUri: entry.redirectUri ?? REGISTERED_REDIRECT, fetch: io.fetch });
    revoked = await oauth.revoke(entry.tokens.refreshToken, 'refresh_token').then(
      () => true,
      (e: unknown) => {
        io.stderr(`Warning: could not revoke the token at the provider (${e instanceof Error ? e.message : String(e)}); forgetting it locally.`);
        return false;
      },
    );
  }
  updateProvider(io.env, args.apiUri, (e) => ({ ...e, tokens: undefined, user: undefined }));
  io.stderr('Logged out.');
  if (args.json) io.stdout(JSON.stringify({ loggedOut: true, revoked }));
}
