-- Grants limited to chosen apps (docs/mcp.md §8). `app_access` is what the user chose on the consent page (or
-- later in Settings → Authorized apps): 'all' their apps (every grant before this), only the apps 'created'
-- through the grant's tokens, or the apps 'selected' from a list. `grant_apps` holds the apps a limited grant
-- reaches: those its tokens created (reason 'created', recorded in the transaction that inserts the app) and the
-- picked ones (reason 'selected', present only while the grant is in 'selected' mode).
alter table grants add column app_access text not null default 'all' check (app_access in ('all', 'created', 'selected'));

create table grant_apps (
  grant_id uuid not null references grants(id) on delete cascade,
  app_id uuid not null references apps(id) on delete cascade,
  reason text not null check (reason in ('created', 'selected')),
  created_at timestamptz not null,
  primary key (grant_id, app_id)
);
create index grant_apps_app on grant_apps(app_id);
