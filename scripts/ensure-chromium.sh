#!/usr/bin/env bash
# Makes sure headless Chromium is installed at /usr/bin/chromium (Debian's
# `chromium` package), for the report's browser tests (reports/browser.test.ts,
# driven by playwright-core, which ships no browser of its own). Idempotent.
#
#   scripts/ensure-chromium.sh
#
# - /usr/bin/chromium present: prints "chromium: already installed (VERSION)", exits 0.
# - missing and root: `apt-get update` (once) and
#   `DEBIAN_FRONTEND=noninteractive apt-get install -y chromium`; exits 0 when
#   /usr/bin/chromium then runs.
# - missing and not root: prints the commands to run as root, exits 1.
#
# GOSSIPCHECK_CHROMIUM overrides the path checked (default /usr/bin/chromium).
set -euo pipefail

CHROMIUM="${GOSSIPCHECK_CHROMIUM:-/usr/bin/chromium}"

version() { "$CHROMIUM" --version 2>/dev/null || echo "version unknown"; }

if [ -x "$CHROMIUM" ]; then
  echo "chromium: already installed ($(version))"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "chromium: $CHROMIUM is missing; as root run:" >&2
  echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium" >&2
  exit 1
fi

echo "chromium: installing Debian's chromium package" >&2
# apt-get update once per script run: the package lists may be absent or stale.
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2

if [ ! -x "$CHROMIUM" ]; then
  echo "chromium: installed the package but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "chromium: installed ($(version))"
