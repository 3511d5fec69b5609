#!/usr/bin/env bash
# The swarm labs (engine/testing/swarm-lab.ts) on this machine: each is a set
# of network namespaces gcl-<name>-<i>, a bridge gcl-<name>, dockerds under a
# temp dir /tmp/gcl-<name>-XXXXXX (its swarm-lab.json names the owner pid).
#
#   scripts/swarm-lab.sh status   list every lab's parts, and whether its owner runs
#   scripts/swarm-lab.sh sweep    remove the labs whose owner is gone (a SIGKILLed
#                                 test run); labs of running owners are left alone
#
# Needs the kit built (npm run build) for sweep; root for both.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-status}"

status() {
  local dir owner
  for dir in "${TMPDIR:-/tmp}"/gcl-* /tmp/gcl-*; do
    [ -f "$dir/swarm-lab.json" ] || continue
    owner="$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$dir/swarm-lab.json")"
    # A zombie (killed, not yet reaped) counts as gone.
    if [ -n "$owner" ] && [ -r "/proc/$owner/stat" ] && [ "$(sed 's/.*) //' "/proc/$owner/stat" | cut -d' ' -f1)" != Z ]; then echo "lab $dir: owner $owner runs"; else echo "lab $dir: owner $owner gone (sweep removes it)"; fi
  done | sort -u
  echo "netns:     $(ip netns list 2>/dev/null | awk '/^gcl-/ {print $1}' | tr '\n' ' ')"
  echo "links:     $(ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^gcl-/ {sub(/@.*/, "", $2); print $2}' | tr '\n' ' ')"
  echo "dockerds:  $(pgrep -f -- '--data-root /tmp/gcl-' | tr '\n' ' ' || true)"
  echo "iptables:  $(iptables -w 30 -S FORWARD 2>/dev/null | grep -c gossipcheck-swarm-lab || true) rule(s)"
}

case "$mode" in
  status) status ;;
  sweep)
    [ -f dist/engine/testing/swarm-lab.js ] || { echo "swarm-lab: build first (npm run build)" >&2; exit 1; }
    node --input-type=module -e "
      const { sweepStaleSwarmLabs } = await import('./dist/engine/testing/swarm-lab.js');
      const swept = sweepStaleSwarmLabs();
      for (const s of swept) console.log('swarm-lab: removed ' + s.dir + (s.leftovers.length ? '; could not remove: ' + s.leftovers.join('; ') : ''));
      if (!swept.length) console.log('swarm-lab: no stale lab');
      process.exit(swept.some((s) => s.leftovers.length) ? 1 : 0);"
    ;;
  *)
    echo "usage: $0 [status|sweep]" >&2
    exit 2
    ;;
esac
