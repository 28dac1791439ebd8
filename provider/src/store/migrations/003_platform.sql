-- Platform API: apps, their admin tokens, schema attrs, permission rules and indexing jobs (docs/api.md §3–§7).
-- Deleting an app deletes everything of it through the cascades below.

-- creator_id null: a temporary app nobody has claimed yet (expires_at set).
create table apps (
  id uuid primary key,
  title text not null,
  creator_id uuid references users(id) on delete cascade,
  org_id text,
  created_at timestamptz not null,
  expires_at timestamptz,                  -- temporary apps only; cleared when claimed
  temporary boolean not null default false,
  claimed_at timestamptz
);
create index apps_creator on apps(creator_id);
create index apps_expires on apps(expires_at);

-- App admin tokens are UUIDs; only their SHA-256 hash is kept (docs/security.md §7).
create table app_admin_tokens (
  id uuid primary key,
  app_id uuid not null references apps(id) on delete cascade,
  token_hash text not null unique,
  created_at timestamptz not null,
  revoked_at timestamptz
);
create index app_admin_tokens_app on app_admin_tokens(app_id);

-- One row per attr; `attr` is its wire JSON (docs/api.md §6). Identities are copied out for lookups.
create table attrs (
  id uuid not null,
  app_id uuid not null references apps(id) on delete cascade,
  seq bigint not null,
  attr jsonb not null,
  fwd_etype text not null,
  fwd_label text not null,
  primary key (app_id, id),
  unique (app_id, fwd_etype, fwd_label)
);
create index attrs_app on attrs(app_id, seq);

-- Rules are kept as the exact JSON text the client sent, so they come back verbatim.
create table app_perms (
  app_id uuid primary key references apps(id) on delete cascade,
  code text not null,
  updated_at timestamptz not null
);

create table indexing_jobs (
  id uuid primary key,
  app_id uuid not null references apps(id) on delete cascade,
  group_id uuid not null,
  position integer not null,               -- order of the step within its group
  attr_id uuid not null,
  job_type text not null,
  job_status text not null,
  checked_data_type text,
  work_estimate integer,
  work_completed integer,
  error text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index indexing_jobs_group on indexing_jobs(app_id, group_id);
