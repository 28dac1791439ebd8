/**
 * Test helpers for real-browser flows: the provider served on a loopback port, and Chromium
 * through playwright-core.
 *
 * @module
 */
import { serve, type ServerType } from '@hono/node-server';
import { createServer } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { createTestProvider, type TestProvider } from 'instant-provider/testing';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** Serves a fetch handler on 127.0.0.1; returns its origin and a close function. */
export async function serveOnLoopback(fetch: (req: Request) => Response | Promise<Response>, port?: number): Promise<{ origin: string; close: () => Promise<void> }> {
  const p = port ?? (await freePort());
  const server: ServerType = await new Promise((ok) => {
    const s = serve({ fetch, port: p, hostname: '127.0.0.1' }, () => ok(s));
  });
  return {
    origin: `http://127.0.0.1:${p}`,
    close: () =>
      new Promise((ok) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

/** A real provider whose issuer is its loopback URL. */
export async function providerOnLoopback(): Promise<{ p: TestProvider; origin: string; close: () => Promise<void> }> {
  const port = await freePort();
  const p = await createTestProvider({ publicUrl: `http://127.0.0.1:${port}` });
  const srv = await serveOnLoopback(p.app.fetch, port);
  return {
    p,
    origin: srv.origin,
    close: async () => {
      await srv.close();
      await p.close();
    },
  };
}

/** Debian's Chromium through playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/**
 * The page script of a browser-only app using the popup flow: `#go` starts it, `#result` gets a JSON summary (token
 * prefixes, app count, whether the refresh token rotated, or the error's name and code). `from` is where
 * `OAuthHandler` is imported from: the kit's source, or `instant-kit/browser` in an installed package.
 */
export function popupPageScript(from: string, clientId: string, apiURI: string): string {
  return `import { OAuthHandler } from ${JSON.stringify(from)};
const out = document.getElementById('result');
const handler = new OAuthHandler({ clientId: ${JSON.stringify(clientId)}, redirectUri: location.origin + '/redirect.html', apiURI: ${JSON.stringify(apiURI)} });
if (location.pathname === '/redirect.html') handler.handleClientRedirect();
else document.getElementById('go').onclick = async () => {
  try {
    const r = await handler.startClientOnlyFlow(['apps-read', 'apps-write']);
    const { apps } = await r.api.getApps();
    const next = await r.api.refreshToken();
    out.textContent = JSON.stringify({ ok: true, token: r.token.slice(0, 4), refreshToken: r.refreshToken.slice(0, 4), apps: apps.length, rotated: next.refreshToken !== r.refreshToken });
  } catch (e) {
    out.textContent = JSON.stringify({ ok: false, name: e.name, error: e.error });
  }
};`;
}
