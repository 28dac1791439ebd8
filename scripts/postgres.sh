#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, on loopback only.
#   scripts/postgres.sh start   → prints the URL (postgres://postgres@127.0.0.1:PORT/postgres)
#   scripts/postgres.sh stop
# Installs Debian's postgresql package when the server binaries are missing (root), or says how.
set -euo pipefail
DIR="${INSTANT_TEST_PG_DIR:-/tmp/instant-test-pg}"
PORT="${INSTANT_TEST_PG_PORT:-55432}"

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_installed() {
  if find_bin >/dev/null; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "PostgreSQL server not found; installing Debian's postgresql package…" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    find_bin >/dev/null && return 0
  fi
  echo "PostgreSQL server binaries not found. Install them (Debian/Ubuntu: sudo apt-get install -y postgresql)," >&2
  echo "or point the tests at a server you run: TEST_DATABASE_URL=postgres://user@host:port/db npm test" >&2
  exit 1
}

# initdb and postgres refuse to run as root: use the postgres account when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$DIR" --shell /bin/bash postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    ensure_installed
    BIN="$(find_bin)"
    if [ -f "$DIR/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      echo "postgres://postgres@127.0.0.1:$PORT/postgres"; exit 0
    fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR" 2>/dev/null || true
    [ "$(id -u)" = 0 ] && { id postgres >/dev/null 2>&1 || useradd --system --home "$DIR" --shell /bin/bash postgres; chown postgres "$DIR"; }
    as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null \
      || { cat "$DIR/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    BIN="$(find_bin)" || exit 0
    [ -d "$DIR/data" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop" >&2; exit 2 ;;
esac
