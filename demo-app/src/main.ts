import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createDemoApp } from './app.tsx';
import { DemoConfigError, loadDemoConfig } from './config.ts';

/**
 * Reads the environment, binds the port, then prints exactly one line on stdout:
 * `demo-app listening on <url>`. SIGTERM / SIGINT close the server.
 */
export async function main(): Promise<void> {
  let config;
  try {
    config = loadDemoConfig();
  } catch (err) {
    if (err instanceof DemoConfigError) fail(err.message);
    throw err;
  }
  if (!process.env.DEMO_SESSION_SECRET) process.stderr.write('demo-app: DEMO_SESSION_SECRET is not set; using a random one (sessions end when the app restarts)\n');

  // The app needs its own URL, known once the port is bound (PORT=0 picks one).
  const holder: { fetch?: (req: Request) => Response | Promise<Response> } = {};
  const server: ServerType = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: (req) => holder.fetch!(req), port: config.port, hostname: config.host }, () => resolve(s));
    s.once('error', reject);
  }).catch((err: NodeJS.ErrnoException) => fail(err.code === 'EADDRINUSE' ? `port ${config.port} is in use; set PORT to another port (0 picks a free one), or DEMO_PORT with npm start` : err.message));

  const port = (server.address() as AddressInfo).port;
  const publicUrl = config.publicUrl ?? `http://localhost:${port}`;
  const app = createDemoApp({ ...config, publicUrl });
  holder.fetch = (req) => app.fetch(req);
  process.stdout.write(`demo-app listening on ${publicUrl}\n`);

  const stop = () => {
    const force = setTimeout(() => process.exit(0), 5000);
    force.unref();
    server.close(() => process.exit(0));
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function fail(message: string): never {
  process.stderr.write(`demo-app: ${message}\n`);
  process.exit(1);
}
