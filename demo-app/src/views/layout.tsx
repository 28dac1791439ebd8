/** @jsxImportSource hono/jsx */
import type { Child } from 'hono/jsx';

/** The name of the app builder's site, as its visitors see it. */
/** The name of the app builder's site, as its visitors see it: the seeded OAuth app's name, so the consent page matches. */
export const SITE_NAME = 'Instant Demo App';

export interface LayoutProps {
  title: string;
  /** The signed-in user's email, shown in the header with the Disconnect button. */
  email?: string | null;
  /** A notice (`role=status`) or an error (`role=alert`) shown above the page. */
  notice?: string | null;
  error?: string | null;
  children?: Child;
}

/** Page chrome: our own stylesheet, no scripts, no third-party assets. */
export function Layout({ title, email, notice, error, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${SITE_NAME}`}</title>
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/demo.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            <span class="mark" aria-hidden="true">
              ✓
            </span>{' '}
            {SITE_NAME}
          </a>
          <span class="tag">a demo app builder's site, built on instant-kit</span>
          {email ? (
            <nav aria-label="Account" class="account">
              <span class="who" data-testid="user-email">
                {email}
              </span>
              {/* Two steps, without scripts: the first says what ends (docs/pages.md §5). */}
              <details class="confirm">
                <summary>Disconnect</summary>
                <div class="confirm-body">
                  <p>This signs you out here and ends {SITE_NAME}'s access to your Instant account. Your Instant apps stay in your account.</p>
                  <form method="post" action="/auth/instant/logout" class="inline">
                    <button type="submit" class="danger small">
                      Yes, disconnect
                    </button>
                  </form>
                </div>
              </details>
            </nav>
          ) : null}
        </header>
        <main id="main">
          {notice ? (
            <p class="flash notice" role="status">
              {notice}
            </p>
          ) : null}
          {error ? (
            <p class="flash error" role="alert">
              {error}
            </p>
          ) : null}
          {children}
        </main>
        <footer>
          {SITE_NAME} is a demo of "Sign in with Instant": it creates Instant apps in your account through the Platform API, using only instant-kit.
        </footer>
      </body>
    </html>
  );
}

/** The site's icon (the purple tick of the header): `/favicon.svg`, and `/favicon.ico` for browsers that ask for that. */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#5b3df5"/><path d="M9 16.5l4.5 4.5L23 11.5" fill="none" stroke="#fff" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

export const STYLESHEET = `
/* WCAG 2.1 AA (docs/pages.md §1): text ≥ 4.5:1; --control (input and button borders) and the focus ring ≥ 3:1 on white. */
:root { --control:#7a8296; --fg:#1d2330; --muted:#5d6678; --bg:#f6f7fb; --card:#fff; --line:#dfe3ec; --accent:#5b3df5; --accent-dark:#4328d6; --ok:#0f7b4f; --ok-bg:#e7f6ee; --err:#b3261e; --err-bg:#fdecea; --warn-bg:#fff6e0; }
* { box-sizing: border-box; }
body { margin:0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
a { color: var(--accent-dark); }
.skip { position:absolute; left:-999px; } .skip:focus { left:8px; top:8px; background:#fff; padding:6px 10px; z-index:2; }
header.top { display:flex; align-items:center; gap:16px; flex-wrap:wrap; padding:14px 28px; background:#fff; border-bottom:1px solid var(--line); }
.brand { font-weight:700; font-size:1.15rem; color:var(--fg); text-decoration:none; }
.mark { display:inline-grid; place-items:center; width:26px; height:26px; border-radius:7px; background:var(--accent); color:#fff; font-size:.9rem; }
.tag { color:var(--muted); font-size:.85rem; }
.account { margin-left:auto; display:flex; align-items:center; gap:12px; }
.who { font-weight:600; }
main { max-width: 880px; margin: 28px auto; padding: 0 20px; }
footer { max-width:880px; margin: 40px auto 28px; padding: 0 20px; color:var(--muted); font-size:.85rem; }
h1 { font-size:1.8rem; margin:.2em 0 .5em; line-height:1.25; }
h2 { font-size:1.2rem; margin:0 0 .6em; }
.card { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:22px 24px; margin:0 0 20px; box-shadow:0 1px 2px rgba(20,30,60,.04); }
.hero { text-align:left; padding:34px 32px; }
.hero p.lead { font-size:1.1rem; color:var(--muted); margin-top:0; }
.muted, .hint { color:var(--muted); }
.hint { font-size:.88rem; }
button, .button { display:inline-flex; align-items:center; gap:8px; font:inherit; font-weight:600; border:1px solid transparent; border-radius:8px; padding:9px 16px; cursor:pointer; background:var(--accent); color:#fff; text-decoration:none; }
button:hover, .button:hover { background:var(--accent-dark); }
button:focus-visible, .button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline:3px solid var(--accent); outline-offset:2px; }
button.secondary, .button.secondary { background:#fff; color:var(--fg); border-color:var(--control); }
button.secondary:hover, .button.secondary:hover { background:#f0f1f6; }
button.danger { background:var(--err); } button.danger:hover { background:#8c1d17; }
button.small { padding:5px 12px; font-size:.9rem; }
.button.instant { background:#111; font-size:1.05rem; padding:12px 20px; }
.button.instant:hover { background:#333; }
.button.instant .logo { display:inline-grid; place-items:center; width:22px; height:22px; border-radius:5px; background:#fff; color:#111; font-weight:800; font-size:.8rem; }
form.inline { display:inline; margin:0; }
label { display:block; font-weight:600; margin:10px 0 4px; }
label.checkbox { display:flex; gap:8px; align-items:center; }
input[type=text], select { font:inherit; height:42px; padding:8px 10px; border:1px solid var(--control); border-radius:8px; width:100%; max-width:360px; background:#fff; }
.row { display:flex; gap:14px; flex-wrap:wrap; align-items:flex-end; }
.row > div { flex: 1 1 180px; }
.actions { display:flex; gap:10px; align-items:center; flex-wrap:wrap; margin-top:16px; }
.flash { padding:12px 16px; border-radius:10px; margin:0 0 18px; }
.flash.notice { background:var(--ok-bg); color:var(--ok); }
.flash.error { background:var(--err-bg); color:var(--err); }
.secret { background:var(--warn-bg); border:1px solid #f0d48a; }
dl.meta { display:grid; grid-template-columns: max-content 1fr; gap:6px 18px; margin:0; }
dl.meta dt { color:var(--muted); }
dl.meta dd { margin:0; overflow-wrap:anywhere; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:.88rem; }
code { background:#eef0f6; padding:1px 5px; border-radius:4px; overflow-wrap:anywhere; }
pre { background:#151a26; color:#e8ecf5; padding:14px 16px; border-radius:10px; overflow:auto; white-space:pre-wrap; overflow-wrap:anywhere; }
pre code { background:none; padding:0; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:8px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.85rem; color:var(--muted); font-weight:600; }
ul.apps { list-style:none; padding:0; margin:0; }
ul.apps li { display:flex; justify-content:space-between; align-items:center; gap:12px; padding:12px 0; border-bottom:1px solid var(--line); }
ul.apps li:last-child { border-bottom:0; }
ul.steps li { margin:4px 0; }
.badge { display:inline-block; font-size:.75rem; font-weight:700; padding:2px 8px; border-radius:999px; background:#eceafe; color:var(--accent-dark); vertical-align:middle; }
.problem h1 { display:flex; gap:12px; align-items:center; }
.problem .icon { display:inline-grid; place-items:center; width:40px; height:40px; border-radius:50%; background:var(--err-bg); color:var(--err); font-size:1.3rem; flex:none; }
.danger-zone { border-color:#f2c4c0; }
.split { display:grid; grid-template-columns: 1fr 1fr; gap:20px; }
@media (max-width: 720px) { .split { grid-template-columns:1fr; } }
details.confirm { position:relative; }
details.confirm > summary { list-style:none; cursor:pointer; font-weight:600; font-size:.9rem; padding:5px 12px; border-radius:8px; border:1px solid var(--control); background:#fff; }
details.confirm > summary::-webkit-details-marker { display:none; }
details.confirm > summary:focus-visible { outline:3px solid var(--accent); outline-offset:2px; }
.confirm-body { position:absolute; right:0; top:calc(100% + 6px); z-index:5; width:min(20rem, 85vw); background:#fff; border:1px solid var(--err); border-radius:10px; padding:4px 14px 12px; box-shadow:0 6px 20px rgba(20,30,60,.15); }
`;
