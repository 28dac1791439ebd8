/** @jsxImportSource hono/jsx */
import type { User } from '../../domain/accounts/users.ts';
import { Csrf, FlashMessages } from '../dashboard/components.tsx';
import type { Flash } from '../dashboard/forms.ts';
import { Layout } from '../dashboard/layout.tsx';

/**
 * `GET /dash?ticket=…`: the page Instant's CLI sends the user to (docs/instant-compat.md §5). It names the client as
 * it described itself, says what the token it gets can do, and asks to Confirm or Cancel. Like every page it is
 * served with `frame-ancestors 'none'` and `X-Frame-Options: DENY` (web/http/security-headers.ts), so it cannot be
 * framed to trick a click; both buttons are CSRF-protected form posts.
 */
export function ConfirmCliLoginPage({ user, csrf, ticket, clientLabel, expiresAt }: { user: User; csrf: string; ticket: string; clientLabel: string; expiresAt: Date }) {
  const minutes = Math.max(1, Math.round((expiresAt.getTime() - Date.now()) / 60_000));
  return (
    <Layout title="Log in to the CLI" user={user} csrf={csrf}>
      <section class="card" aria-labelledby="cli-title">
        <h1 id="cli-title">Log in to the Instant CLI?</h1>
        <p>
          A command-line client that calls itself <strong>{clientLabel}</strong> asks to sign in as <strong>{user.email}</strong>.
          Confirm only if you just ran <code>instant-cli login</code> (or <code>init</code>) yourself.
        </p>
        <p>It will get a personal access token that can do everything you can do in your Instant account:</p>
        <ul>
          <li>list, create, rename and delete your apps;</li>
          <li>read and push their schema and permission rules;</li>
          <li>manage your account settings, such as tokens and OAuth apps.</li>
        </ul>
        <p class="hint">
          The token is listed under <a href="/dash/settings/tokens">Settings → Personal access tokens</a> with a name starting with “CLI
          login”, where you can revoke it at any time. This request expires in about {minutes} minute{minutes === 1 ? '' : 's'}.
        </p>
        <div class="actions">
          <form method="post" action="/dash/cli/auth/claim" class="inline">
            <Csrf token={csrf} />
            <input type="hidden" name="ticket" value={ticket} />
            <button type="submit">Confirm</button>
          </form>
          <form method="post" action="/dash/cli/auth/void" class="inline">
            <Csrf token={csrf} />
            <input type="hidden" name="ticket" value={ticket} />
            <button type="submit" class="secondary">Cancel</button>
          </form>
        </div>
      </section>
    </Layout>
  );
}

/** After Confirm or Cancel: what happens next, in words. */
export function CliLoginDonePage({ user, csrf, flash }: { user: User; csrf: string; flash: Flash }) {
  return (
    <Layout title="CLI login" user={user} csrf={csrf}>
      <section class="card" aria-labelledby="cli-done-title">
        <h1 id="cli-done-title">CLI login</h1>
        <FlashMessages flash={flash} />
        {flash.notice || flash.error ? null : <p>There is no CLI login to show here.</p>}
        <p>
          <a href="/dash/settings/tokens">Your personal access tokens</a>
        </p>
      </section>
    </Layout>
  );
}
