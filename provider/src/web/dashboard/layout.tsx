/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

export interface LayoutProps {
  title: string;
  /** The signed-in user's email, shown in the header with a sign-out button; operators also get an "Operator" link. */
  user?: { email: string; is_operator?: boolean } | null;
  /** CSRF token for the header's sign-out form. */
  csrf?: string;
  /** Which entry of the signed-in navigation is this page (marked `aria-current`). */
  current?: NavKey;
  children?: Child;
}

export type NavKey = 'home' | 'apps' | 'orgs' | 'settings' | 'operator';

/** The signed-in navigation. "Apps" is the Platform API apps page (platform/). */
export const NAV_LINKS: ReadonlyArray<{ key: NavKey; href: string; label: string }> = [
  { key: 'home', href: '/dash', label: 'Home' },
  { key: 'apps', href: '/dash/apps', label: 'Apps' },
  { key: 'orgs', href: '/dash/orgs', label: 'Orgs' },
  { key: 'settings', href: '/dash/settings', label: 'Settings' },
];
const OPERATOR_LINK = { key: 'operator' as const, href: '/dash/operator', label: 'Operator' };

/** The page chrome of every provider page: plain HTML, our own stylesheet, no inline scripts (only /assets/copy.js, docs/pages.md §7), no third-party assets. */
export function Layout({ title, user, csrf, current, children }: LayoutProps) {
  // The doctype keeps browsers in standards mode (without it, quirks mode adds margins to forms).
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${title} · Instant`}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/provider.css" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <a class="brand" href="/dash">Instant</a>
          {user ? (
            <nav aria-label="Dashboard" class="sections">
              {[...NAV_LINKS, ...(user.is_operator ? [OPERATOR_LINK] : [])].map((l) => (
                <a href={l.href} aria-current={l.key === current ? 'page' : undefined}>
                  {l.label}
                </a>
              ))}
            </nav>
          ) : null}
          {user ? (
            <nav aria-label="Account">
              <span class="who">{user.email}</span>
              <form method="post" action="/dash/logout" class="inline">
                <input type="hidden" name="_csrf" value={csrf ?? ''} />
                <button type="submit" class="link">Sign out</button>
              </form>
            </nav>
          ) : null}
        </header>
        <main id="main">{children}</main>
      </body>
      </html>
    </>
  );
}

/** A way on from an error page: a link. */
export interface NextStep {
  href: string;
  label: string;
}

/** The way on when nothing better is known: the dashboard (the login page when signed out). */
export const TO_DASHBOARD: NextStep = { href: '/dash', label: 'Go to your Instant dashboard' };

/**
 * A full page for an error the user must read (never a redirect): bad client, bad redirect URI, suspended app,
 * an unknown page. It says what went wrong and offers the next step (docs/pages.md §4).
 */
export function ErrorPage({ title, message, next = [TO_DASHBOARD] }: { title: string; message: string; next?: NextStep[] }) {
  return (
    <Layout title={title}>
      <section class="card" role="alert" aria-labelledby="error-title">
        <h1 id="error-title">{title}</h1>
        <p>{message}</p>
        <div class="actions">
          {next.map((n, i) => (
            <a class={i === 0 ? 'button' : 'button secondary'} href={n.href}>
              {n.label}
            </a>
          ))}
        </div>
      </section>
    </Layout>
  );
}

/** The provider's icon (an orange rounded square with a white "I"): `/favicon.svg`, and `/favicon.ico` for browsers that ask for that. */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#c2410c"/><path d="M11 8h10v3h-3.3v10H21v3H11v-3h3.3V11H11z" fill="#fff"/></svg>`;

export const STYLESHEET = `
/* WCAG 2.1 AA in both themes (docs/pages.md §1): text ≥ 4.5:1 on --bg and --card (--accent as link text too, --on-accent
   on --accent), controls and focus rings (--control, --accent) ≥ 3:1; --border only separates cards and is not a control. */
:root { color-scheme: light dark; --fg:#111; --bg:#fafafa; --card:#fff; --muted:#555; --accent:#c2410c; --on-accent:#fff; --border:#ddd; --control:#767676; --danger:#b91c1c; --on-danger:#fff; --ok:#15803d; }
@media (prefers-color-scheme: dark) { :root { --fg:#eee; --bg:#111; --card:#1b1b1b; --muted:#aaa; --accent:#fb923c; --on-accent:#111; --border:#333; --control:#8a8a8a; --danger:#f87171; --on-danger:#111; --ok:#4ade80; } }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header.top { display:flex; flex-wrap:wrap; gap:.5rem 1rem; justify-content:space-between; align-items:center; padding:.75rem 1.25rem; border-bottom:1px solid var(--border); background:var(--card); }
.brand { font-weight:700; text-decoration:none; color:var(--fg); }
nav { display:flex; gap:1rem; align-items:center; }
.who { color:var(--muted); }
main { max-width:46rem; margin:2rem auto; padding:0 1rem; }
.card { background:var(--card); border:1px solid var(--border); border-radius:10px; padding:1.5rem; margin-bottom:1.25rem; }
h1 { font-size:1.5rem; margin-top:0; }
h2 { font-size:1.15rem; }
label { display:block; font-weight:600; margin:.75rem 0 .25rem; }
input[type=text], input[type=email], input[type=password], input[type=url], input[type=number], textarea, select { width:100%; padding:.55rem .6rem; border:1px solid var(--control); border-radius:6px; font:inherit; background:var(--bg); color:var(--fg); }
button, .button { display:inline-block; padding:.55rem 1rem; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:var(--on-accent); font:inherit; font-weight:600; cursor:pointer; text-decoration:none; }
button.secondary, .button.secondary { background:transparent; color:var(--fg); border-color:var(--control); }
button.danger { background:var(--danger); border-color:var(--danger); color:var(--on-danger); }
button.link { background:none; border:none; color:var(--accent); padding:0; font-weight:400; text-decoration:underline; }
:focus-visible { outline:3px solid var(--accent); outline-offset:2px; }
form.inline { display:inline; }
.actions { display:flex; gap:.75rem; margin-top:1.25rem; flex-wrap:wrap; }
.muted { color:var(--muted); }
.error { color:var(--danger); font-weight:600; }
.notice { border-left:4px solid var(--accent); padding:.5rem .75rem; background:var(--bg); }
.badge { display:inline-block; font-size:.8rem; padding:.1rem .45rem; border-radius:99px; border:1px solid var(--border); }
.badge.warn { border-color:var(--danger); color:var(--danger); }
code, .secret { font-family: ui-monospace, monospace; word-break: break-all; }
/* A secret is copied whole: one line that scrolls, never broken mid-token. */
.once code.secret { display:block; white-space:nowrap; word-break:normal; overflow-x:auto; padding:.35rem .5rem; border:1px solid var(--control); border-radius:6px; background:var(--bg); }
/* The Copy button sits beside the secret; the secret takes the rest of the row and scrolls within it. */
.once .secret-row { display:flex; gap:.5rem; align-items:center; }
.once .secret-row code.secret { flex:1; min-width:0; }
.once button.copy[hidden] { display:none; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:.4rem .5rem; border-bottom:1px solid var(--border); vertical-align:top; }
ul.scopes li { margin:.25rem 0; }
img.logo { width:48px; height:48px; border-radius:8px; object-fit:cover; }
a { color:var(--accent); }
.card > h1:first-child, .card > h2:first-child { margin-top:0; }
button.link { line-height:inherit; vertical-align:baseline; font-size:inherit; }
header.top nav > form.inline { display:flex; align-items:center; }
.skip { position:absolute; left:-999px; top:0; background:var(--card); padding:.5rem 1rem; z-index:10; }
.skip:focus { left:.5rem; }
nav.sections { flex:1; margin-left:1.5rem; }
/* A phone: the sections get a row of their own under the brand and the account, so nothing runs off the screen. */
@media (max-width: 640px) { nav.sections { order:3; flex-basis:100%; margin-left:0; } }
nav.sections a { color:var(--fg); text-decoration:none; padding:.25rem .1rem; border-bottom:2px solid transparent; }
nav.sections a[aria-current=page] { border-bottom-color:var(--accent); font-weight:600; }
nav.tabs { display:flex; gap:.5rem; flex-wrap:wrap; margin:0 0 1.25rem; border-bottom:1px solid var(--border); }
nav.tabs a { padding:.45rem .8rem; color:var(--fg); text-decoration:none; border:1px solid transparent; border-bottom:none; border-radius:6px 6px 0 0; margin-bottom:-1px; }
nav.tabs a[aria-current=page] { background:var(--card); border-color:var(--border); font-weight:600; }
.success { border-left:4px solid var(--ok); padding:.5rem .75rem; background:var(--bg); }
.once { border:2px dashed var(--accent); border-radius:8px; padding:.75rem 1rem; margin:.75rem 0; }
.once code { display:block; font-size:1.05rem; margin:.35rem 0; user-select:all; }
.hint { font-size:.9rem; color:var(--muted); margin:.2rem 0 0; }
pre.mail-body { white-space:pre-wrap; overflow-wrap:anywhere; margin:0; font-size:.9rem; }
.row { display:flex; gap:.75rem; align-items:flex-end; flex-wrap:wrap; }
.row > div { flex:1; min-width:12rem; }
.row.top { align-items:flex-start; }
.checkbox { display:flex; gap:.5rem; align-items:center; font-weight:400; }
.checkbox input { width:auto; }
ul.plain { list-style:none; padding:0; margin:.25rem 0; }
ul.plain > li { display:flex; justify-content:space-between; gap:.75rem; align-items:center; padding:.3rem 0; border-bottom:1px solid var(--border); }
.client { border:1px solid var(--border); border-radius:8px; padding:1rem; margin:1rem 0; }
.client h3 { margin:.1rem 0 .5rem; font-size:1.05rem; }
.danger-zone { border-color:var(--danger); }
dl.meta { display:grid; grid-template-columns:max-content 1fr; gap:.25rem 1rem; margin:.5rem 0; }
dl.meta dt { color:var(--muted); }
dl.meta dd { margin:0; word-break:break-all; }
textarea { min-height:5rem; }
/* Confirm (components.tsx): the summary looks like the danger button it stands for; the body opens below it. */
details.confirm { display:inline-block; vertical-align:top; }
details.confirm > summary { list-style:none; display:inline-block; padding:.55rem 1rem; border-radius:6px; border:1px solid var(--danger); color:var(--danger); background:transparent; font-weight:600; cursor:pointer; }
details.confirm > summary::-webkit-details-marker { display:none; }
details.confirm[open] > summary { background:var(--bg); }
.confirm-body { border:1px solid var(--danger); border-radius:8px; padding:.25rem 1rem .75rem; margin-top:.5rem; background:var(--card); max-width:30rem; }
.table-scroll { overflow-x:auto; }
/* Wide enough to read; on a phone the box scrolls sideways rather than squeezing each cell to a column of letters. */
table.audit { min-width:60rem; }
table.audit td { font-size:.92rem; }
table.audit td:last-child { min-width:18rem; }
table.audit code.details { font-size:.85rem; word-break:break-word; }
.nowrap { white-space:nowrap; }
ul.can { margin:.25rem 0; padding-left:1.1rem; }
ul.can > li { margin:.1rem 0; }
/* Buttons of one form (Allow and Deny) as far apart as the form's neighbours. */
form.buttons { display:flex; gap:.75rem; flex-wrap:wrap; margin:0; }
.signed-in { display:flex; gap:.5rem 1rem; align-items:center; flex-wrap:wrap; margin:1rem 0; }
.signed-in p { margin:0; }
/* Which apps a grant reaches (app-access.tsx): the mode, then the apps to pick, set in under it. */
fieldset.app-access { border:1px solid var(--border); border-radius:8px; padding:.25rem 1rem .75rem; margin:1rem 0; flex-basis:100%; }
fieldset.app-access legend { font-weight:600; padding:0 .25rem; }
fieldset.app-access fieldset.pick { border:none; border-left:2px solid var(--border); margin:.25rem 0 .25rem 1.5rem; padding:0 0 0 .75rem; }
fieldset.app-access fieldset.pick legend { font-weight:400; color:var(--muted); }
`;
