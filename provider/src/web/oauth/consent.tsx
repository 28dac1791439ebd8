/** @jsxImportSource hono/jsx */
import { ErrorPage, Layout, TO_DASHBOARD, type NextStep } from '../dashboard/layout.tsx';
import { AppAccessFields, type AppChoice } from '../dashboard/app-access.tsx';
import type { StoredAppAccess } from '../../domain/platform/grant-apps.ts';
import { SCOPE_DESCRIPTIONS, isScope } from '../../domain/oauth/scopes.ts';

export function ErrorHtml(props: { title: string; message: string; next?: NextStep[] | undefined }) {
  return <ErrorPage title={props.title} message={props.message} next={props.next ?? [TO_DASHBOARD]} />;
}

/** Where the browser will be sent after the decision, as the user should read it. */
export function redirectTarget(uri: string): string {
  try {
    const u = new URL(uri);
    return u.origin !== 'null' ? u.origin : `${u.protocol}//${u.host}`;
  } catch {
    return uri;
  }
}

/** Only inline `data:` images render (CSP `img-src 'self' data:`, no third-party resources: docs/security.md §8). */
function safeLogo(logo: string | null): string | null {
  return logo && /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(logo) && logo.length < 200_000 ? logo : null;
}

/** The app's home page when it is an http(s) URL (never `javascript:` and the like), else null. */
export function safeHomePage(home: string | null): string | null {
  if (!home) return null;
  try {
    const u = new URL(home);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

export interface ConsentProps {
  requestId: string;
  csrf: string;
  userEmail: string;
  appName: string;
  homePage: string | null;
  logo: string | null;
  redirectUri: string;
  scopes: string[];
  /** Registered through RFC 7591: nobody has reviewed it (docs/security.md §12). */
  unverified: boolean;
  testMode: boolean;
  /** The request is for the MCP server (`resource`, docs/mcp.md §4): an AI agent is asking. */
  agent?: boolean;
  /** Set when this account may not authorize the app: shown instead of Allow. */
  blocked?: string;
  /** Set when `prompt=login` asks the user to sign in again first. */
  reauthenticate?: boolean;
  /** The relative URL of this page, to come back to after switching account. */
  returnTo: string;
  /** Set when the scopes reach apps: which apps the grant may reach (docs/mcp.md §8), the stored choice preselected. */
  appAccess?: { current: StoredAppAccess; apps: AppChoice[] };
}

/** "Use another account": ends the session and returns here through the login page. */
function SwitchAccount({ csrf, returnTo, label }: { csrf: string; returnTo: string; label: string }) {
  return (
    <form method="post" action="/dash/logout" class="inline">
      <input type="hidden" name="_csrf" value={csrf} />
      <input type="hidden" name="next" value={returnTo} />
      <button type="submit" class="secondary">{label}</button>
    </form>
  );
}

export function ConsentPage(p: ConsentProps) {
  const home = safeHomePage(p.homePage);
  const logo = safeLogo(p.logo);
  return (
    <Layout title={`Authorize ${p.appName}`}>
      <section class="card" aria-labelledby="consent-title">
        {logo ? <img class="logo" src={logo} alt="" width="48" height="48" /> : null}
        <h1 id="consent-title">
          <span class="app-name">{p.appName}</span> wants to access your Instant account
        </h1>
        {p.agent ? (
          <p class="notice" role="note" data-agent>
            <span class="badge">AI agent</span> This is an agent (an MCP client) asking to act for you through Instant's MCP server
            {p.unverified ? ', and it named itself: the name above is not checked' : ''}. It can do what is listed below without asking you each time.
          </p>
        ) : null}
        {p.unverified ? (
          <p class="notice" role="note">
            <span class="badge warn">Unverified</span> This app registered itself and has not been reviewed. Only continue if you trust it.
          </p>
        ) : null}
        {p.testMode ? (
          <p class="muted">
            <span class="badge">Test mode</span> Only the app's developer can authorize it.
          </p>
        ) : null}
        {home ? (
          <p>
            App home page: <a href={home} rel="noopener noreferrer">{home}</a>
          </p>
        ) : null}
        {/* The form sits beside the paragraph, not in it (a <form> inside a <p> is invalid HTML). */}
        <div class="signed-in">
          <p>
            Signed in as <strong class="account">{p.userEmail}</strong>.
          </p>
          <SwitchAccount csrf={p.csrf} returnTo={p.returnTo} label="Use another account" />
        </div>
        {p.blocked ? (
          <p class="error" role="alert">{p.blocked}</p>
        ) : p.reauthenticate ? (
          <p class="notice">The app asked you to sign in again before continuing.</p>
        ) : (
          <>
            <h2>It will be able to:</h2>
            <ul class="scopes">
              {p.scopes.map((s) => (
                <li data-scope={s}>{isScope(s) ? SCOPE_DESCRIPTIONS[s] : s}</li>
              ))}
            </ul>
          </>
        )}
        <p class="muted">
          You will be sent back to <code>{redirectTarget(p.redirectUri)}</code>.
        </p>
        <div class="actions">
          {p.reauthenticate ? <SwitchAccount csrf={p.csrf} returnTo={p.returnTo} label="Sign in again" /> : null}
          <form method="post" action="/platform/oauth/consent" class="buttons">
            <input type="hidden" name="_csrf" value={p.csrf} />
            <input type="hidden" name="request" value={p.requestId} />
            {/* Asked only when the scopes reach apps and Allow is offered; a row of its own above the buttons. */}
            {p.appAccess && !p.blocked && !p.reauthenticate ? <AppAccessFields current={p.appAccess.current} apps={p.appAccess.apps} idPrefix="consent-apps" /> : null}
            {p.blocked || p.reauthenticate ? null : (
              <button type="submit" name="decision" value="allow">
                Allow
              </button>
            )}
            <button type="submit" name="decision" value="deny" class="secondary">
              {p.blocked || p.reauthenticate ? 'Cancel' : 'Deny'}
            </button>
          </form>
        </div>
      </section>
    </Layout>
  );
}
