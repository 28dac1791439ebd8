-- Instant compatibility (docs/instant-compat.md).
--
-- Indexing jobs carry what Instant's clients print and read: the attribute's name ("etype.label", kept as it was
-- when the job was made, since the attr may be renamed or deleted later) and when the job finished.
alter table indexing_jobs add column attr_name text not null default '';
alter table indexing_jobs add column done_at timestamptz;
update indexing_jobs set done_at = updated_at where job_status in ('completed', 'errored');

-- Admin tokens are stored only as hashes, so `GET /dash` cannot hand Instant's CLI an app's existing token: it mints
-- a provisional one per listed app (`listing_id` groups those of one listing, for one user). Importing an app
-- (`POST /dash/apps/:id/track-import`) keeps that app's token and ends the rest of the listing; unused ones expire.
alter table app_admin_tokens add column expires_at timestamptz;
alter table app_admin_tokens add column listing_id uuid;
alter table app_admin_tokens add column listed_for uuid references users(id) on delete cascade;
create index app_admin_tokens_listing on app_admin_tokens(listing_id) where listing_id is not null;

-- Logins of Instant's CLI (docs/instant-compat.md §5): the CLI holds the secret and polls with it; the browser
-- carries the ticket to the confirm page. Both are stored only as SHA-256 hashes; a login lives 10 minutes and
-- hands out one personal access token, once.
create table cli_logins (
  id uuid primary key,
  ticket_hash text not null unique,
  secret_hash text not null unique,
  client_label text not null,              -- what the CLI said it is (X-Instant-Source / -Version), shown, not trusted
  status text not null check (status in ('waiting', 'confirmed', 'voided', 'used')),
  user_id uuid references users(id) on delete cascade,
  personal_token_id uuid references personal_tokens(id) on delete set null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  decided_at timestamptz
);
create index cli_logins_expires on cli_logins(expires_at);
