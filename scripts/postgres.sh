#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback, in its own new directory on a free port: every `start` makes
# a new one, and `stop` stops only the server that `start` made (never another one on this machine).
#   scripts/postgres.sh start [STATE_FILE]  → prints the URL (postgres://postgres@127.0.0.1:PORT/postgres);
#                                             writes the server's directory to STATE_FILE when given
#   scripts/postgres.sh stop STATE          → STATE: that STATE_FILE, or the directory itself; stops the
#                                             server, deletes its directory (and the state file)
# Installs Debian's postgresql package when the server binaries are missing (root), or says how.
set -euo pipefail
MARK=.instant-test-pg   # in every directory `start` made: `stop` refuses any other directory

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
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A port nobody listens on right now (the kernel's choice for port 0).
free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

case "${1:-}" in
  start)
    # The state file first: a server whose directory could not be recorded would be left running for nobody to stop.
    if [ -n "${2:-}" ] && ! { : >"$2"; } 2>/dev/null; then
      echo "scripts/postgres.sh: cannot write the state file $2; no server started" >&2
      exit 2
    fi
    ensure_installed
    BIN="$(find_bin)"
    DIR="$(mktemp -d "${TMPDIR:-/tmp}/instant-test-pg.XXXXXX")"
    touch "$DIR/$MARK"
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/bash postgres
      chown postgres "$DIR"
    fi
    as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; rm -rf "$DIR"; exit 1; }
    # Another process may take the free port before the server binds it: then try another one.
    for attempt in 1 2 3; do
      PORT="$(free_port)"
      if as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null; then
        [ -n "${2:-}" ] && echo "$DIR" >"$2"
        echo "postgres://postgres@127.0.0.1:$PORT/postgres"
        exit 0
      fi
    done
    cat "$DIR/server.log" >&2; rm -rf "$DIR"; exit 1
    ;;
  stop)
    STATE="${2:-}"
    [ -n "$STATE" ] || { echo "usage: scripts/postgres.sh stop STATE_FILE|DIRECTORY (what start wrote)" >&2; exit 2; }
    DIR="$STATE"; [ -f "$STATE" ] && DIR="$(cat "$STATE")"
    [ -z "$DIR" ] && { rm -f "$STATE"; exit 0; }   # start failed before it made a server
    [ -f "$DIR/$MARK" ] || { echo "$DIR was not made by scripts/postgres.sh start: left alone" >&2; exit 1; }
    if BIN="$(find_bin)" && [ -f "$DIR/data/postmaster.pid" ]; then
      as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
    if [ -f "$STATE" ]; then rm -f "$STATE"; fi
    ;;
  *)
    echo "usage: scripts/postgres.sh start [STATE_FILE] | stop STATE_FILE|DIRECTORY" >&2; exit 2 ;;
esac
