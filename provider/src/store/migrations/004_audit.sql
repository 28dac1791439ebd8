-- The audit trail: security events, append-only. Never holds a secret (tokens, codes, passwords):
-- services pass ids and kinds only, and audit/events.ts scrubs anything secret-shaped before insert.

create table audit_events (
  id bigserial primary key,
  at timestamptz not null,
  event text not null,                     -- one of audit/events.ts AUDIT_EVENTS
  outcome text not null check (outcome in ('success', 'failure')),
  actor text,                              -- who acted: a user id, 'operator:<id>', 'cli', 'client:<id>', 'system'
  user_id uuid,                            -- the account concerned (no foreign key: rows outlive users)
  client_id text,                          -- the OAuth client concerned
  oauth_app_id uuid,
  address text,                            -- the caller's address, when over HTTP
  details jsonb not null default '{}'::jsonb
);
create index audit_events_at on audit_events(at);
create index audit_events_user on audit_events(user_id, at);
create index audit_events_client on audit_events(client_id, at);
create index audit_events_event on audit_events(event, at);

-- Append-only at the database level too: no UPDATE, no TRUNCATE, and DELETE only from the retention
-- sweep, which sets instant.audit_prune for its own transaction (audit/events.ts pruneAuditEvents).
create function audit_events_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' and coalesce(current_setting('instant.audit_prune', true), '') = 'on' then
    return old;
  end if;
  raise exception 'audit_events is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_events_no_update before update or delete on audit_events
  for each row execute function audit_events_append_only();

create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_events_append_only();
