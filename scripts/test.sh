#!/usr/bin/env bash
# npm test: type-check and lint, every test on PGlite, again on Postgres, then the e2e walkthroughs in Chromium.
#   TEST_DATABASE_URL=postgres://…  use that server for the Postgres pass instead of a throwaway one
#   SKIP_POSTGRES=1 / SKIP_E2E=1    leave a pass out (it says so; CI never sets these)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { printf '\n\033[1m▶ %s\033[0m\n' "$*"; }

step "lint: tsc --noEmit + eslint"
npm run --silent lint

step "unit + integration on PGlite (embedded)"
npx vitest run

if [ "${SKIP_POSTGRES:-}" = 1 ]; then
  echo "SKIP_POSTGRES=1: the Postgres pass was NOT run"
else
  step "unit + integration on Postgres"
  if [ -z "${TEST_DATABASE_URL:-}" ]; then
    # A server of our own (new directory, free port); stopped on exit, and only that one.
    pg_state="$(mktemp)"
    trap 'bash scripts/postgres.sh stop "$pg_state"' EXIT
    TEST_DATABASE_URL="$(bash scripts/postgres.sh start "$pg_state")"
  fi
  TEST_DATABASE_URL="$TEST_DATABASE_URL" npx vitest run
fi

if [ "${SKIP_E2E:-}" = 1 ]; then
  echo "SKIP_E2E=1: the browser walkthroughs were NOT run"
elif [ -f e2e/vitest.config.ts ]; then
  step "e2e in Chromium"
  CHROMIUM_PATH="$(bash scripts/chromium.sh)" npx vitest run --config e2e/vitest.config.ts
fi

echo
echo "npm test finished in $(( $(date +%s) - start ))s"
