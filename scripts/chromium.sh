#!/usr/bin/env bash
# Prints the path of a Chromium for the e2e tests: $CHROMIUM_PATH, /usr/bin/chromium, or Debian's
# package installed now (when root). Browser downloads (playwright install) are not used.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then echo "$CHROMIUM_PATH"; exit 0; fi
for c in /usr/bin/chromium /usr/bin/chromium-browser; do [ -x "$c" ] && { echo "$c"; exit 0; }; done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Chromium not found; installing Debian's chromium package…" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  [ -x /usr/bin/chromium ] && { echo /usr/bin/chromium; exit 0; }
fi
echo "Chromium not found. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH." >&2
exit 1
