/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Ctx } from '../../domain/context.ts';
import { sessionUser } from '../http/session-cookie.ts';
import { Layout } from '../dashboard/layout.tsx';
import { csrfToken } from '../http/csrf.ts';
import { listApps, type AppRow } from '../../domain/platform/apps.ts';
import { getPerms, type Rules } from '../../domain/platform/perms.ts';
import { loadAttrs } from '../../domain/platform/schema/attrs.ts';
import type { Attr } from '../../domain/platform/schema/types.ts';

interface AppView {
  app: AppRow;
  attrs: Attr[];
  perms: Rules | null;
}

function flags(a: Attr): string {
  const f: string[] = [];
  if (a['checked-data-type']) f.push(a['checked-data-type']);
  if (a['unique?']) f.push('unique');
  if (a['index?']) f.push('indexed');
  if (a['required?']) f.push('required');
  return f.join(', ');
}

function SchemaView({ attrs }: { attrs: Attr[] }) {
  const blobs = attrs.filter((a) => a['value-type'] === 'blob');
  const links = attrs.filter((a) => a['value-type'] === 'ref');
  const entities = [...new Set(blobs.map((a) => a['forward-identity'][1]))].sort();
  if (entities.length === 0) return <p class="muted">No schema pushed yet.</p>;
  return (
    <div>
      <h3>Entities</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Entity</th>
            <th scope="col">Attributes</th>
          </tr>
        </thead>
        <tbody>
          {entities.map((e) => (
            <tr>
              <td>
                <code>{e}</code>
              </td>
              <td>
                {blobs
                  .filter((a) => a['forward-identity'][1] === e && a['forward-identity'][2] !== 'id')
                  .map((a) => (
                    <div>
                      <code>{a['forward-identity'][2]}</code> <span class="muted">{flags(a)}</span>
                    </div>
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {links.length > 0 ? (
        <div>
          <h3>Links</h3>
          <ul>
            {links.map((a) => (
              <li>
                <code>{`${a['forward-identity'][1]}.${a['forward-identity'][2]}`}</code> ({a.cardinality}) ↔{' '}
                <code>{`${a['reverse-identity']?.[1]}.${a['reverse-identity']?.[2]}`}</code> ({a['unique?'] ? 'one' : 'many'})
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

function AppCard({ view }: { view: AppView }) {
  const { app, attrs, perms } = view;
  return (
    <section class="card" aria-labelledby={`app-${app.id}`}>
      <h2 id={`app-${app.id}`}>
        {app.title} {app.claimed_at ? <span class="badge">claimed temporary app</span> : null}
      </h2>
      <p class="muted">
        <code>{app.id}</code> · created {app.created_at.toISOString().slice(0, 10)}
      </p>
      <SchemaView attrs={attrs} />
      <h3>Permissions</h3>
      {perms ? <pre><code>{JSON.stringify(perms, null, 2)}</code></pre> : <p class="muted">No rules pushed (defaults apply).</p>}
    </section>
  );
}

/** `GET /dash/apps`: the signed-in user's apps with their schema and rules (read-only). */
export async function appsPage(ctx: Ctx, c: Context): Promise<Response> {
  const user = await sessionUser(ctx, c);
  if (!user) return c.redirect('/dash/login?next=%2Fdash%2Fapps', 303);
  const views: AppView[] = [];
  for (const app of await listApps(ctx, user.id)) {
    views.push({ app, attrs: await loadAttrs(ctx.db, app.id), perms: await getPerms(ctx, app.id) });
  }
  const csrf = await csrfToken(ctx, c);
  return c.html(
    <Layout title="Your apps" user={user} csrf={csrf} current="apps">
      <h1>Your apps</h1>
      {views.length === 0 ? (
        <section class="card">
          <p>You have no apps yet. Create one with the Platform API, Instant's CLI, or claim a temporary app.</p>
        </section>
      ) : (
        views.map((v) => <AppCard view={v} />)
      )}
    </Layout>,
  );
}
