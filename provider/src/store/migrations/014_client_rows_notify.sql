-- The in-process client cache (docs/architecture.md §6): a committed change to a client, its app or its secrets
-- notifies channel instant_client_rows, which every Postgres instance LISTENs on (store/postgres.ts) to drop its
-- cached rows. Statement-level, so a bulk change is one notification; NOTIFY is delivered at COMMIT (never for a
-- rolled-back transaction) and identical ones of a transaction are folded into one. A user's deletion reaches
-- these tables by ON DELETE CASCADE, whose deletes fire the triggers too. On the embedded store nobody listens:
-- the notification is dropped, and that process sees its own writes (store/client-rows.ts).
create function client_rows_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('instant_client_rows', '');
  return null;
end;
$$;

create trigger oauth_clients_changed after insert or update or delete or truncate on oauth_clients
  for each statement execute function client_rows_changed();
create trigger oauth_apps_changed after insert or update or delete or truncate on oauth_apps
  for each statement execute function client_rows_changed();
create trigger client_secrets_changed after insert or update or delete or truncate on client_secrets
  for each statement execute function client_rows_changed();
