// The ceiling: a bare Hono hello-world on @hono/node-server, the same HTTP stack the provider uses.
// Prints `hono-hello listening on <url>` once bound (PORT=0 picks a free port; HOST defaults to 127.0.0.1).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';

const app = new Hono();
app.get('/', (c) => c.text('Hello Hono!'));

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: process.env.HOST ?? '127.0.0.1' }, (info: AddressInfo) => {
  process.stdout.write(`hono-hello listening on http://127.0.0.1:${info.port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
