/** @jsxImportSource hono/jsx */
import { isIP } from 'node:net';
import { Hono, type Context } from 'hono';
import type { Ctx } from '../domain/context.ts';
import type { PeerAddress } from './http/client-address.ts';
import { Layout } from './dashboard/layout.tsx';
import type { OutboxEntry } from '../domain/mail/mailer.ts';

export const OUTBOX_PATH = '/dev/outbox';

/** 127.0.0.0/8 and ::1 (also as `::ffff:127.x.y.z` on a dual-stack socket). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1';
}

/**
 * Whether this request may see the dev outbox (docs/security-accounts.md §8). Only the connection's peer decides
 * (the injected PeerAddress: the socket), never a header; headers can only refuse:
 * - a request that came through a proxy (`X-Forwarded-For` / `Forwarded`) is refused, since a proxy on this
 *   machine makes every client look like loopback;
 * - a `Host` that is neither a loopback name nor the issuer's host is refused, so a page that rebinds its own
 *   DNS name to 127.0.0.1 cannot read the outbox through the visitor's browser.
 */
function mayOpen(ctx: Ctx, c: Context, peer: PeerAddress): boolean {
  if (!isLoopback(peer(c))) return false;
  if (c.req.header('x-forwarded-for') !== undefined || c.req.header('forwarded') !== undefined) return false;
  let host: string;
  try {
    host = new URL(`http://${c.req.header('host') ?? ''}`).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host === new URL(ctx.config.issuer).hostname;
}

function OutboxPage({ entries }: { entries: OutboxEntry[] }) {
  return (
    <Layout title="Dev outbox">
      <h1>Dev outbox</h1>
      <p class="notice">
        No <code>SMTP_URL</code> is set, so the provider sends no mail: each message is printed in its log and kept here (newest first, the last 50,
        until it restarts). Only this machine can open this page; with <code>SMTP_URL</code> set it does not exist.
      </p>
      {entries.length === 0 ? <p>No messages yet.</p> : null}
      {entries.map((m, i) => (
        <section class="card" aria-labelledby={`mail-${i}`} data-testid="mail">
          <h2 id={`mail-${i}`}>{m.subject}</h2>
          <dl class="meta">
            <dt>To</dt>
            <dd>{m.to}</dd>
            <dt>From</dt>
            <dd>{m.from}</dd>
            <dt>Sent</dt>
            <dd>{m.at.toISOString()}</dd>
          </dl>
          <pre class="mail-body">{m.text}</pre>
        </section>
      ))}
    </Layout>
  );
}

/** `GET /dev/outbox`: the dev mailer's messages; 404 whenever SMTP_URL is set or the caller is not this machine. */
export function outboxRoutes(ctx: Ctx, peer: PeerAddress): Hono {
  const app = new Hono();
  app.get(OUTBOX_PATH, (c) => {
    const entries = ctx.mailer.outbox;
    if (!entries || !mayOpen(ctx, c, peer)) return c.notFound();
    return c.html(<OutboxPage entries={entries} />, 200, { 'Cache-Control': 'no-store' });
  });
  return app;
}
