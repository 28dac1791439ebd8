/** @jsxImportSource hono/jsx */
import type { Context, Hono } from 'hono';
import { accountFootprint, changePassword, deleteAccount, type AccountFootprint } from '../../domain/accounts/account-lifecycle.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../domain/accounts/passwords.ts';
import { endSession, sessionIdHash } from '../http/session-cookie.ts';
import type { User } from '../../domain/accounts/users.ts';
import type { Ctx } from '../../domain/context.ts';
import { clientAddress } from '../http/client-address.ts';
import { Confirm, Csrf, FlashMessages, NewPasswordField, SettingsTabs } from './components.tsx';
import { seeOther, setFlash, type Flash } from './forms.ts';
import { Layout } from './layout.tsx';

const PATH = '/dash/settings/account';

/** The dashboard's page and form-post wrappers (web/dashboard/routes.tsx): session, CSRF, flash. */
export interface SettingsHelpers {
  page: (render: (c: Context, user: User, csrf: string, flash: Flash) => Promise<Response>) => (c: Context) => Promise<Response>;
  post: (back: (c: Context) => string, handler: (c: Context, user: User, form: Record<string, string>) => Promise<Response>) => (c: Context) => Promise<Response>;
}

/**
 * Settings → Account: change password, delete account (docs/security-lifecycle.md §3–§4). Both posts carry the CSRF
 * token (the `post` wrapper checks it first) and the current password, checked under the login rate limits.
 */
export function accountSettingsRoutes(app: Hono, ctx: Ctx, { page, post }: SettingsHelpers): void {
  app.get(PATH, page(async (c, user, csrf, flash) => c.html(<AccountPage user={user} csrf={csrf} flash={flash} footprint={await accountFootprint(ctx, user.id)} />)));

  app.post(`${PATH}/password`, post(() => PATH, async (c, user, form) => {
    if ((form.new_password ?? '') !== (form.new_password_again ?? '')) {
      await setFlash(ctx, c, { error: 'The two new passwords differ; type the same one twice' });
      return seeOther(c, PATH);
    }
    const { sessionsEnded } = await changePassword(ctx, clientAddress(c), user, await sessionIdHash(ctx, c), form.current_password ?? '', form.new_password ?? '');
    const others = sessionsEnded === 0 ? 'You had no other sessions.' : `Signed out of ${sessionsEnded} other session${sessionsEnded === 1 ? '' : 's'}; this one stays signed in.`;
    await setFlash(ctx, c, { notice: `Password changed. ${others}` });
    return seeOther(c, PATH);
  }));

  app.post(`${PATH}/delete`, post(() => PATH, async (c, user, form) => {
    await deleteAccount(ctx, clientAddress(c), user, form.password ?? '');
    await endSession(ctx, c);
    await setFlash(ctx, c, { notice: `The account ${user.email} has been deleted, with its tokens, grants and apps.` });
    return seeOther(c, '/dash/login');
  }));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `GET /dash/settings/account` */
export function AccountPage({ user, csrf, flash, footprint: f }: { user: User; csrf: string; flash: Flash; footprint: AccountFootprint }) {
  return (
    <Layout title="Account" user={user} csrf={csrf} current="settings">
      <h1>Settings</h1>
      <SettingsTabs current="account" />
      <FlashMessages flash={flash} />
      <section class="card" aria-labelledby="password-title">
        <h2 id="password-title">Change password</h2>
        <p class="muted">Every other browser signed in as {user.email} is signed out; this one stays signed in.</p>
        <form method="post" action={`${PATH}/password`}>
          <Csrf token={csrf} />
          {/* For password managers: which account the new password belongs to. */}
          <input type="text" name="username" autocomplete="username" value={user.email} hidden readonly />
          <label for="current-password">Current password</label>
          <input id="current-password" name="current_password" type="password" autocomplete="current-password" required maxlength={MAX_PASSWORD_LENGTH} />
          <NewPasswordField id="new-password" name="new_password" label="New password" />
          <label for="new-password-again">New password, again</label>
          <input id="new-password-again" name="new_password_again" type="password" autocomplete="new-password" required minlength={MIN_PASSWORD_LENGTH} maxlength={MAX_PASSWORD_LENGTH} />
          <div class="actions">
            <button type="submit">Change password</button>
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete account</h2>
        <p>Deleting {user.email} ends at once, and for good:</p>
        <ul id="delete-consequences">
          <li>every session, this one included ({plural(f.sessions, 'session')});</li>
          <li>every personal access token ({plural(f.personal_tokens, 'token')});</li>
          <li>
            every app's access to your account: its grant and tokens ({plural(f.grants, 'authorized app')}, {plural(f.oauth_tokens, 'OAuth token')});
          </li>
          <li>
            the OAuth apps you registered, with their clients and secrets, and the access every user gave them ({plural(f.oauth_apps, 'OAuth app')});
          </li>
          <li>the Instant apps you created, with their admin tokens, schema and data ({plural(f.apps, 'Instant app')}).</li>
        </ul>
        <p class="muted">Nothing is transferred to anyone. The audit trail keeps a record that the account was deleted.</p>
        <Confirm label="Delete account" consequence="This cannot be undone. Type your password to delete the account.">
          <form method="post" action={`${PATH}/delete`}>
            <Csrf token={csrf} />
            <input type="text" name="username" autocomplete="username" value={user.email} hidden readonly />
            <label for="delete-password">Password</label>
            <input id="delete-password" name="password" type="password" autocomplete="current-password" required maxlength={MAX_PASSWORD_LENGTH} aria-describedby="delete-consequences" />
            <div class="actions">
              <button type="submit" class="danger">
                Yes, delete my account
              </button>
            </div>
          </form>
        </Confirm>
      </section>
    </Layout>
  );
}
