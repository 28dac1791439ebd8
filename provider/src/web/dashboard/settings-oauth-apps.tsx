/** @jsxImportSource hono/jsx */
import type { OAuthAppWithClients, OAuthClient } from '../../domain/accounts/oauth-apps.ts';
import type { User } from '../../domain/accounts/users.ts';
import { LIMITS, isInlineLogo } from '../../domain/accounts/validation.ts';
import { Csrf, FlashMessages, PostButton, SettingsTabs, Time } from './components.tsx';
import type { Flash } from './forms.ts';
import { Layout } from './layout.tsx';

interface Chrome {
  user: User;
  csrf: string;
  flash: Flash;
}

const STATUS_TEXT: Record<OAuthAppWithClients['status'], string> = {
  test: 'In test mode: only you can authorize this app. Ask an operator to publish it when it is ready for everyone.',
  published: 'Published: any Instant user can authorize this app.',
  suspended: 'Suspended by an operator: nobody can authorize it and its tokens do not work.',
};

function AppFields({ app }: { app?: OAuthAppWithClients }) {
  return (
    <>
      <label for="app-name">Name</label>
      <input id="app-name" name="name" type="text" required maxlength={LIMITS.name} value={app?.name ?? ''} />
      <label for="app-home">Home page</label>
      <input id="app-home" name="home_page" type="url" maxlength={LIMITS.url} value={app?.home_page ?? ''} placeholder="https://example.com" />
      <label for="app-logo">Logo</label>
      {/* A file, checked by its bytes on the server (docs/pages.md §9): the browser's accept list only filters the picker. */}
      <input id="app-logo" name="logo" type="file" accept="image/png,image/jpeg,image/webp" aria-describedby="logo-hint" />
      <p class="hint" id="logo-hint">
        A PNG, JPEG or WebP image of at most {LIMITS.logoFileBytes / 1024} KiB (SVG is not accepted), shown on the consent page.
        {isInlineLogo(app?.logo) ? ' Leave empty to keep the current logo.' : null}
      </p>
      {isInlineLogo(app?.logo) ? (
        <p>
          <img class="logo" src={app.logo} alt="Current logo" />{' '}
          <input id="app-logo-remove" name="remove_logo" type="checkbox" value="1" /> <label for="app-logo-remove">Remove the logo</label>
        </p>
      ) : null}
      <label for="app-email">Support email</label>
      <input id="app-email" name="support_email" type="email" maxlength={254} value={app?.support_email ?? ''} />
    </>
  );
}

/** `GET /dash/settings/oauth-apps` */
export function OAuthAppsPage({ user, csrf, flash, apps }: Chrome & { apps: OAuthAppWithClients[] }) {
  return (
    <Layout title="OAuth apps" user={user} csrf={csrf} current="settings">
      <h1>Settings</h1>
      <SettingsTabs current="oauth-apps" />
      <FlashMessages flash={flash} />
      <section class="card" aria-labelledby="apps-title">
        <h2 id="apps-title">Your OAuth apps</h2>
        {apps.length === 0 ? (
          <p class="muted">No OAuth apps yet. Register one to offer "Sign in with Instant" in your product.</p>
        ) : (
          <ul class="plain">
            {apps.map((a) => (
              <li>
                <span>
                  {isInlineLogo(a.logo) ? <img class="logo" src={a.logo} alt="" /> : null} <a href={`/dash/settings/oauth-apps/${a.id}`}>{a.name}</a>{' '}
                  <span class={a.status === 'published' ? 'badge' : 'badge warn'}>{a.status === 'test' ? 'test mode' : a.status}</span>
                </span>
                <span class="muted">
                  {a.clients.length} client{a.clients.length === 1 ? '' : 's'}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="card" aria-labelledby="new-app">
        <h2 id="new-app">Register an OAuth app</h2>
        <p class="notice">New apps start in test mode: only you can authorize them until an operator publishes them.</p>
        <form method="post" action="/dash/settings/oauth-apps" enctype="multipart/form-data">
          <Csrf token={csrf} />
          <AppFields />
          <div class="actions">
            <button type="submit">Register app</button>
          </div>
        </form>
      </section>
    </Layout>
  );
}

function ClientCard({ app, client, csrf }: { app: OAuthAppWithClients; client: OAuthClient; csrf: string }) {
  const base = `/dash/settings/oauth-apps/${app.id}/clients/${encodeURIComponent(client.client_id)}`;
  const headingId = `client-${client.client_id}`;
  return (
    <article class="client" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {client.name} <span class="badge">{client.is_public ? 'public' : 'confidential'}</span>
      </h3>
      <dl class="meta">
        <dt>Client ID</dt>
        <dd>
          <code>{client.client_id}</code>
        </dd>
        <dt>Authentication</dt>
        <dd>{client.is_public ? 'none (PKCE required)' : 'client_secret_basic or client_secret_post'}</dd>
        <dt>Created</dt>
        <dd>
          <Time at={client.created_at} />
        </dd>
      </dl>
      <h4>Redirect URIs</h4>
      <ul class="plain">
        {client.redirect_uris.map((uri) => (
          <li>
            <code>{uri}</code>
            {client.redirect_uris.length > 1 ? <PostButton action={`${base}/redirect-uris/remove`} csrf={csrf} label="Remove" fields={{ redirect_uri: uri }} /> : null}
          </li>
        ))}
      </ul>
      {client.redirect_uris.length < LIMITS.redirectUris ? (
        <form method="post" action={`${base}/redirect-uris`} class="row">
          <Csrf token={csrf} />
          <div>
            <label for={`add-uri-${client.client_id}`}>Add a redirect URI</label>
            <input id={`add-uri-${client.client_id}`} name="redirect_uri" type="text" required maxlength={LIMITS.url} placeholder="https://example.com/callback" />
          </div>
          <button type="submit" class="secondary">
            Add
          </button>
        </form>
      ) : (
        <p class="hint">This client has the most redirect URIs allowed ({LIMITS.redirectUris}).</p>
      )}
      {client.is_public ? null : (
        <>
          <h4>Client secrets</h4>
          <ul class="plain">
            {client.secrets.map((s, i) => (
              <li>
                <span>
                  Secret created <Time at={s.created_at} />
                  {client.secrets.length > 1 ? <span class="muted">{i === 0 ? ' (older)' : ' (newer)'}</span> : null}
                </span>
                {client.secrets.length > 1 ? <PostButton action={`${base}/secrets/${s.id}/revoke`} csrf={csrf} label="Revoke" confirm="Revoke this secret? Servers still using it can no longer get tokens with it. Tokens already issued keep working." /> : null}
              </li>
            ))}
          </ul>
          {client.secrets.length < 2 ? (
            <PostButton action={`${base}/secrets`} csrf={csrf} label="Rotate secret" />
          ) : (
            <p class="hint">Both secrets work now. Once your deployment uses the newer one, revoke the older one.</p>
          )}
        </>
      )}
      <div class="actions">
        <PostButton
          action={`${base}/delete`}
          csrf={csrf}
          label="Delete client"
          confirm={`Delete the client "${client.name}"? Its secrets and every token it was issued stop working at once, and sign-ins through it fail. This cannot be undone.`}
        />
      </div>
    </article>
  );
}

/** `GET /dash/settings/oauth-apps/:id` */
export function OAuthAppPage({ user, csrf, flash, app }: Chrome & { app: OAuthAppWithClients }) {
  return (
    <Layout title={app.name} user={user} csrf={csrf} current="settings">
      <p>
        <a href="/dash/settings/oauth-apps">← OAuth apps</a>
      </p>
      <h1>
        {isInlineLogo(app.logo) ? <img class="logo" src={app.logo} alt="" /> : null} {app.name}
      </h1>
      <FlashMessages flash={flash} />
      <p class={app.status === 'published' ? 'success' : 'notice'}>{STATUS_TEXT[app.status]}</p>
      <section class="card" aria-labelledby="clients-title">
        <h2 id="clients-title">Clients</h2>
        {app.clients.length === 0 ? <p class="muted">No clients yet. Add one for each place your product runs (web server, CLI, mobile app).</p> : null}
        {app.clients.map((c) => (
          <ClientCard app={app} client={c} csrf={csrf} />
        ))}
      </section>
      <section class="card" aria-labelledby="new-client">
        <h2 id="new-client">Add a client</h2>
        <form method="post" action={`/dash/settings/oauth-apps/${app.id}/clients`}>
          <Csrf token={csrf} />
          <label for="client-name">Name</label>
          <input id="client-name" name="name" type="text" required maxlength={LIMITS.name} placeholder="e.g. production web" />
          <label for="client-uris">Redirect URIs (one per line)</label>
          <textarea id="client-uris" name="redirect_uris" required aria-describedby="uris-hint"></textarea>
          <p class="hint" id="uris-hint">
            Exact URIs, at most {LIMITS.redirectUris}: https, or http only on 127.0.0.1, [::1] or localhost. A public client may also use a
            reverse-domain scheme like <code>com.example.app:/callback</code>.
          </p>
          <label class="checkbox">
            <input type="checkbox" name="public" value="1" /> Public client (runs on the user's device or in a browser; no secret, PKCE required)
          </label>
          <div class="actions">
            <button type="submit">Add client</button>
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="edit-app">
        <h2 id="edit-app">Details</h2>
        <form method="post" action={`/dash/settings/oauth-apps/${app.id}`} enctype="multipart/form-data">
          <Csrf token={csrf} />
          <AppFields app={app} />
          <div class="actions">
            <button type="submit">Save</button>
          </div>
        </form>
      </section>
      <section class="card danger-zone" aria-labelledby="delete-app">
        <h2 id="delete-app">Delete this app</h2>
        <p>Deletes the app and its clients, and ends every token they issued. This cannot be undone.</p>
        <PostButton
          action={`/dash/settings/oauth-apps/${app.id}/delete`}
          csrf={csrf}
          label="Delete app"
          confirm={`Delete ${app.name}? Its clients, their secrets and every token they issued end at once, and nobody can sign in to it any more. This cannot be undone.`}
        />
      </section>
    </Layout>
  );
}
