#!/usr/bin/env bash
# npm run conformance: the built-in reference and three real gossip libraries
# (scuttlebutt, hashicorp/memberlist, @libp2p/gossipsub; adapters/) through the
# kit, merged into one report with one matrix column per implementation.
# docs/implementations.md explains every verdict.
#
#   scripts/conformance.sh [--out DIR] [--runs N] [--duration S] [--settle S] [--no-build]
#
# Lockstep implementations (the reference, scuttlebutt) run the suites
# (`gossipcheck run`, --runs N per case, default: the kit's default). Those on
# their own timers (memberlist, gossipsub; the reference too, for the same
# rows) run realtime chaos runs on the process backend, one per variant they
# declare, S seconds of workload and faults each (default 20), then up to
# --settle seconds to converge (default 60). Needs Debian's
# Go toolchain and memberlist package (scripts/ensure-memberlist.sh installs
# them as root). Exit 0 when every run produced its report (whatever its
# verdicts: the matrix is the product), 2 when a run broke (harness or usage
# error) or the merge failed; each run's log is in DIR.work/<run>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

out=conformance-report
runs=()
duration=20
settle=60
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --runs) runs=(--runs "$2"); shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --settle) settle="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "conformance: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for v in "$duration" "$settle"; do
  case "$v" in ''|*[!0-9]*) echo "conformance: --duration and --settle are whole seconds, got '$v'" >&2; exit 2 ;; esac
done

# --no-build skips the TypeScript build only (a caller that has just built, such
# as the tests); the Go adapter is always (re)built, under its own lock.
[ "$build" = 1 ] && npm run build >/dev/null
bash scripts/ensure-memberlist.sh >&2
bash adapters/memberlist/build.sh >/dev/null

# Never delete what is not ours: an existing --out must be an earlier report.
if [ -e "$out" ] && [ ! -f "$out/merged.json" ] && [ ! -f "$out/report.json" ]; then
  echo "conformance: --out $out exists and is not a gossipcheck report; choose another directory" >&2
  exit 2
fi
rm -rf "$out"

cli=(node dist/cli/main.js)
work="$out.work"
rm -rf "$work"
mkdir -p "$work"
dirs=()
broke=0

# one NAME ARGS...: one gossipcheck invocation, its report in $work/NAME.
one() {
  local name="$1"
  shift
  local start=$SECONDS code=0
  "${cli[@]}" "$@" --out "$work/$name" >"$work/$name.log" 2>&1 || code=$?
  printf '%-26s exit %s in %ss\n' "$name" "$code" "$((SECONDS - start))"
  if [ "$code" -gt 1 ] || [ ! -f "$work/$name/report.json" ]; then
    echo "  $name broke (exit $code): $(tail -n 1 "$work/$name.log")" >&2
    broke=1
  else
    dirs+=("$work/$name")
  fi
}

# realtime NAME IMPL VARIANT [FLAGS...]: a chaos run on the process backend.
realtime() {
  local name="$1" impl="$2" variant="$3"
  shift 3
  one "$name" chaos --backend process --impl "$impl" --variant "$variant" --nodes 5 \
    --duration "$duration" --settle "$settle" --seed 1 "$@"
}

reference="node dist/cli/main.js serve-reference --listen {listen}"
# A copy of the library per node, each on its own clock, as separate processes would be
# (adapters/scuttlebutt/README.md); --clock shared hides the equal-timestamp finding.
scuttlebutt="node dist/adapters/scuttlebutt/main.js --clock per-node --listen {listen}"
memberlist="adapters/memberlist/bin/memberlist-node --listen {listen}"
gossipsub="node dist/adapters/gossipsub/main.js --listen {listen}"
# Rumor and hybrid rows compare like with like: the blind counter (the rule
# memberlist's and gossipsub's retransmit limits are), k = fanout = 2
# (gossipsub forwards once to each of its D = fanout mesh peers).
rumor=(--loss-of-interest blind-counter --rumor-k 2 --fanout 2)

one reference run "${runs[@]}"
realtime reference-anti-entropy "$reference" anti-entropy-push-pull
realtime reference-hybrid "$reference" hybrid "${rumor[@]}"
realtime reference-rumor "$reference" rumor-push "${rumor[@]}"
realtime reference-membership "$reference" membership-swim

one scuttlebutt run --impl "$scuttlebutt" --expect-fail adapters/scuttlebutt/expect-fail.txt "${runs[@]}"

# The suites too, for what they say of a library on its own timers: every case
# UNSUPPORTED (lockstep not declared), rather than blank cells.
one memberlist-lockstep run --impl "$memberlist" --runs 1
realtime memberlist-membership "$memberlist" membership-swim
realtime memberlist-anti-entropy "$memberlist" anti-entropy-push-pull
realtime memberlist-hybrid "$memberlist" hybrid "${rumor[@]}"
realtime memberlist-rumor "$memberlist" rumor-push "${rumor[@]}"

one gossipsub-lockstep run --impl "$gossipsub" --runs 1
realtime gossipsub-rumor "$gossipsub" rumor-push "${rumor[@]}"

if [ "${#dirs[@]}" -eq 0 ]; then
  echo "conformance: no run produced a report" >&2
  exit 2
fi
"${cli[@]}" report --combine "${dirs[@]}" --out "$out" --summary "$out/summary.md" || exit 2
echo "conformance report: $out/index.html (runs and logs in $work)"
exit "$((broke * 2))"
