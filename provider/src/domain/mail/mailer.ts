import type { Transporter } from 'nodemailer';
import type { Logger } from '../log.ts';

/** One message the provider sends: plain text only (no HTML to get wrong, nothing remote to load). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** A message the dev mailer kept for the outbox page. */
export interface OutboxEntry extends MailMessage {
  from: string;
  at: Date;
}

/**
 * How the provider sends mail, made once per provider (createProvider, the operator CLI) and carried as
 * `ctx.mailer`, never module state. docs/security-accounts.md §8.
 */
export interface Mailer {
  /** `smtp` with SMTP_URL; `dev` without: messages are printed and kept in `outbox`. */
  kind: 'smtp' | 'dev';
  from: string;
  /** Delivers one message; rejects when the SMTP server refuses it. */
  send(message: MailMessage): Promise<void>;
  /**
   * Sends without making the caller wait or fail: for answers that must look the same whether or not a
   * message went out (sign-up, forgot password), so neither their timing nor an SMTP error tells anything.
   */
  sendLater(message: MailMessage): void;
  /** The dev mailer's messages, newest first (at most OUTBOX_MAX); null with SMTP. */
  outbox: OutboxEntry[] | null;
  close(): void;
}

export const OUTBOX_MAX = 50;

export interface MailerOptions {
  smtpUrl?: string | undefined;
  mailFrom?: string | undefined;
  issuer: string;
  log: Logger;
  /** Where the dev mailer prints a message (default: the log, at `info`); the CLI prints to its own output. */
  print?: (text: string) => void;
}

export function createMailer(o: MailerOptions): Mailer {
  const from = o.mailFrom ?? `Instant <no-reply@${new URL(o.issuer).hostname}>`;
  let send: (m: MailMessage) => Promise<void>;
  let close = () => {};
  let outbox: OutboxEntry[] | null = null;
  if (o.smtpUrl) {
    // nodemailer reads host, port, TLS (smtps:) and credentials from the URL. Bounded waits: a dead server
    // must not hold a request's background send for minutes.
    // nodemailer (~10 MB resident) is loaded at the first message, not at start (docs/operations.md §9).
    const url = o.smtpUrl;
    let transport: Promise<Transporter> | undefined;
    const open = () =>
      (transport ??= import('nodemailer').then(({ createTransport }) =>
        createTransport({ url, connectionTimeout: 15_000, greetingTimeout: 10_000, socketTimeout: 30_000 }, { from }),
      ));
    send = async (m) => {
      await (await open()).sendMail({ from, to: m.to, subject: m.subject, text: m.text });
    };
    close = () => void transport?.then((t) => t.close());
  } else {
    const box: OutboxEntry[] = (outbox = []);
    const print = o.print ?? ((text: string) => o.log.info('mail (dev mailer: no SMTP_URL)', { mail: text }));
    send = async (m) => {
      box.unshift({ ...m, from, at: new Date() });
      box.length = Math.min(box.length, OUTBOX_MAX);
      print(`To: ${m.to}\nSubject: ${m.subject}\n\n${m.text}`);
    };
  }
  return {
    kind: o.smtpUrl ? 'smtp' : 'dev',
    from,
    send,
    sendLater(m) {
      // The address is the user's own; the log names the subject, not the body (it holds a one-time link).
      send(m).catch((err: unknown) => o.log.error('mail not sent', { subject: m.subject, error: err instanceof Error ? err.message : String(err) }));
    },
    outbox,
    close,
  };
}
