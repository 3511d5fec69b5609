#!/usr/bin/env bash
# Makes sure headless Chromium is installed at /usr/bin/chromium (Debian's
# `chromium` package), for the report's browser tests (reports/browser.test.ts,
# driven by playwright-core, which ships no browser of its own). Idempotent.
#
#   scripts/ensure-chromium.sh
#
# - /usr/bin/chromium present: prints "chromium: /usr/bin/chromium installed"
#   and its version, exits 0.
# - missing and root: `apt-get update` and
#   `DEBIAN_FRONTEND=noninteractive apt-get install -y chromium`; exits 0 when
#   /usr/bin/chromium then runs.
# - missing and not root: prints the command to run as root, exits 1.
#
# GOSSIPCHECK_CHROMIUM overrides the path checked (default /usr/bin/chromium).
set -euo pipefail

CHROMIUM="${GOSSIPCHECK_CHROMIUM:-/usr/bin/chromium}"
PACKAGES=(chromium)

missing() {
  [ -x "$CHROMIUM" ] || echo "$CHROMIUM"
}

# shellcheck source=apt-ensure.sh
source "$(dirname "$0")/apt-ensure.sh"
apt_ensure chromium "$CHROMIUM"
echo "chromium: $("$CHROMIUM" --version 2>/dev/null || echo 'version unknown')"
