#!/usr/bin/env bash
# npm run conformance: the built-in reference and four real gossip libraries
# (scuttlebutt, hashicorp/memberlist, @libp2p/gossipsub, hashicorp/serf;
# adapters/) through the kit, merged into one report with one matrix column
# per implementation. docs/implementations.md explains every verdict.
#
#   scripts/conformance.sh [--out DIR] [--runs N] [--shrink-budget S] [--matrix FILE] [--no-build]
#
# --matrix FILE also writes the case × implementation matrix in markdown
# (`npm run conformance` writes docs/conformance-matrix.md with it).
#
# Lockstep implementations (the reference, scuttlebutt) run the lockstep
# suites (`gossipcheck run`, --runs N per case, default: the kit's default).
# Those on their own timers (memberlist, gossipsub, serf; the reference too,
# for the same rows) run the realtime suites (`gossipcheck run --impl` of a
# realtime-only node, `run --mode realtime` for the reference; docs/realtime.md):
# every declared variant over N generated runs, a failure shrunk within S
# seconds (default: the kit's). Needs Debian's Go toolchain, memberlist and
# serf packages (scripts/ensure-memberlist.sh installs them as root). Exit 0
# when every run produced its report (whatever its verdicts: the matrix is the
# product), 2 when a run broke (harness or usage error) or the merge failed;
# each run's log is in DIR.work/<run>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

out=conformance-report
runs=()
shrink=()
matrix=()
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --runs) runs=(--runs "$2"); shift 2 ;;
    --shrink-budget) shrink=(--shrink-budget "$2"); shift 2 ;;
    --matrix) matrix=(--matrix "$2"); shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "conformance: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

# --no-build skips the TypeScript build only (a caller that has just built, such
# as the tests); the Go adapter is always (re)built, under its own lock.
[ "$build" = 1 ] && npm run build >/dev/null
bash scripts/ensure-memberlist.sh >&2
bash adapters/memberlist/build.sh >/dev/null
bash adapters/serf/build.sh >/dev/null

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

# realtime NAME [FLAGS...]: the realtime suites (--impl for a library, --mode realtime for the reference).
realtime() {
  local name="$1"
  shift
  one "$name" run "$@" --seed 1 "${runs[@]}" "${shrink[@]}"
}

# A copy of the library per node, each on its own clock, as separate processes would be
# (adapters/scuttlebutt/README.md); --clock shared hides the equal-timestamp finding.
scuttlebutt="node dist/adapters/scuttlebutt/main.js --clock per-node --listen {listen}"
memberlist="adapters/memberlist/bin/memberlist-node --listen {listen}"
gossipsub="node dist/adapters/gossipsub/main.js --listen {listen}"
serf="adapters/serf/bin/serf-node --listen {listen}"
# Rumor and hybrid rows compare like with like: the blind counter (the rule
# memberlist's and gossipsub's retransmit limits are), k = fanout = 2
# (gossipsub forwards once to each of its D = fanout mesh peers).
rumor=(--loss-of-interest blind-counter --rumor-k 2 --fanout 2)

one reference run "${runs[@]}"
realtime reference-realtime --mode realtime "${rumor[@]}"

one scuttlebutt run --impl "$scuttlebutt" --expect-fail adapters/scuttlebutt/expect-fail.txt "${runs[@]}"

# Libraries on their own timers declare realtime only: `run --impl` gives them the realtime suites.
realtime memberlist --impl "$memberlist" "${rumor[@]}"
realtime gossipsub --impl "$gossipsub" "${rumor[@]}"
realtime serf --impl "$serf" "${rumor[@]}"

if [ "${#dirs[@]}" -eq 0 ]; then
  echo "conformance: no run produced a report" >&2
  exit 2
fi
"${cli[@]}" report --combine "${dirs[@]}" --out "$out" --summary "$out/summary.md" "${matrix[@]}" || exit 2
echo "conformance report: $out/index.html (runs and logs in $work)"
exit "$((broke * 2))"
