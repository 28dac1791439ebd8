/** @jsxImportSource hono/jsx */
import type { AuthorizedApp } from '../../domain/accounts/authorized-apps.ts';
import type { PersonalToken } from '../../domain/accounts/personal-tokens.ts';
import type { User } from '../../domain/accounts/users.ts';
import { LIMITS, isInlineLogo } from '../../domain/accounts/validation.ts';
import { SCOPE_DESCRIPTIONS, isScope } from '../../domain/oauth/scopes.ts';
import { AppAccessForm, type AppChoice } from './app-access.tsx';
import { Csrf, FlashMessages, PostButton, SettingsTabs, Time } from './components.tsx';
import type { Flash } from './forms.ts';
import { Layout } from './layout.tsx';

interface Chrome {
  user: User;
  csrf: string;
  flash: Flash;
  now: Date;
}

/** `GET /dash/settings/tokens` */
export function TokensPage({ user, csrf, flash, now, tokens }: Chrome & { tokens: PersonalToken[] }) {
  return (
    <Layout title="Personal access tokens" user={user} csrf={csrf} current="settings">
      <h1>Settings</h1>
      <SettingsTabs current="tokens" />
      <FlashMessages flash={flash} />
      <section class="card" aria-labelledby="new-token">
        <h2 id="new-token">New personal access token</h2>
        <p class="muted">
          A <code>per_</code> token acts as you on the Platform API and with Instant's CLI. Treat it like a password.
        </p>
        <form method="post" action="/dash/settings/tokens">
          <Csrf token={csrf} />
          <div class="row top">
            <div>
              <label for="token-name">Name</label>
              <input id="token-name" name="name" type="text" required maxlength={LIMITS.name} placeholder="e.g. laptop CLI" />
            </div>
            <div>
              <label for="token-days">Expires after (days)</label>
              <input id="token-days" name="expires_in_days" type="number" min={1} max={LIMITS.tokenDays} step={1} placeholder="never" aria-describedby="days-hint" />
              {/* Under the field it explains (docs/pages.md §6), not under the row. */}
              <p class="hint" id="days-hint">
                Leave empty for a token that does not expire.
              </p>
            </div>
          </div>
          <div class="actions">
            <button type="submit">Create token</button>
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="token-list">
        <h2 id="token-list">Your tokens</h2>
        {tokens.length === 0 ? (
          <p class="muted">You have no personal access tokens.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="muted">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr>
                  <td>{t.name}</td>
                  <td>
                    <Time at={t.created_at} />
                  </td>
                  <td>
                    <Time at={t.last_used_at} empty="never" />
                  </td>
                  <td>
                    {t.expires_at && t.expires_at <= now ? <span class="badge warn">expired</span> : <Time at={t.expires_at} empty="never" />}
                  </td>
                  <td>
                    <PostButton action={`/dash/settings/tokens/${t.id}/revoke`} csrf={csrf} label="Revoke" confirm={`Revoke "${t.name}"? Scripts and tools that use this token lose access at once. This cannot be undone.`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>
  );
}

/** `GET /dash/settings/authorized-apps` */
export function AuthorizedAppsPage({ user, csrf, flash, apps, myApps = [] }: Chrome & { apps: AuthorizedApp[]; myApps?: AppChoice[] }) {
  return (
    <Layout title="Authorized apps" user={user} csrf={csrf} current="settings">
      <h1>Settings</h1>
      <SettingsTabs current="authorized-apps" />
      <FlashMessages flash={flash} />
      <section class="card" aria-labelledby="authorized-title">
        <h2 id="authorized-title">Apps with access to your account</h2>
        {apps.length === 0 ? (
          <p class="muted">You have not authorized any apps.</p>
        ) : (
          <ul class="plain">
            {apps.map((a) => (
              <li>
                <div>
                  {isInlineLogo(a.logo) ? <img class="logo" src={a.logo} alt="" /> : null}
                  <strong>{a.name}</strong> {a.dynamic ? <span class="badge warn">unverified</span> : null}
                  <ul class="hint can" aria-label={`What ${a.name} can do`}>
                    {a.scopes.length ? a.scopes.map((s) => <li data-scope={s}>{isScope(s) ? SCOPE_DESCRIPTIONS[s] : s}</li>) : <li>Nothing</li>}
                  </ul>
                  <div class="hint">
                    Authorized <Time at={a.granted_at} /> · last used <Time at={a.last_used_at} empty="never" />
                  </div>
                  <AppAccessForm app={a} csrf={csrf} apps={myApps} />
                </div>
                <PostButton
                  action={`/dash/settings/authorized-apps/${a.oauth_app_id}/revoke`}
                  csrf={csrf}
                  label="Revoke access"
                  confirm={`End the access of ${a.name}? Every token it holds for you stops working at once, and it must ask you again to get access. Your Instant apps are not changed.`}
                />
              </li>
            ))}
          </ul>
        )}
        <p class="hint">Revoking ends every token the app holds for you at once; it must ask you again to get access.</p>
      </section>
    </Layout>
  );
}
