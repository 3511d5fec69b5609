#!/usr/bin/env bash
# Makes sure a docker engine answers, for `gossipcheck chaos --backend docker`
# and its tests. Idempotent.
#
#   scripts/ensure-docker.sh [start]   install (as root, from Debian) docker.io,
#                                      docker-compose and iptables when missing;
#                                      start dockerd when `docker info` does not
#                                      answer; wait until it does.
#   scripts/ensure-docker.sh stop      stop the daemon only if this script
#                                      started it (the marker file says so).
#   scripts/ensure-docker.sh status    print whether the engine answers.
#
# Prints one line saying what it did: "docker: already running",
# "docker: started dockerd (pid N)", "docker: stopped dockerd (pid N)",
# "docker: not started by us, left running".
#
# The marker file ($GOSSIPCHECK_DOCKER_MARKER, default
# /tmp/gossipcheck-dockerd.pid) holds the pid of a dockerd this script started;
# `stop` stops that pid and nothing else, and removes the marker.
set -euo pipefail

MARKER="${GOSSIPCHECK_DOCKER_MARKER:-/tmp/gossipcheck-dockerd.pid}"
LOG="${GOSSIPCHECK_DOCKERD_LOG:-/tmp/gossipcheck-dockerd.log}"
WAIT_SECONDS="${GOSSIPCHECK_DOCKER_WAIT:-60}"
PIDFILE=/var/run/docker.pid
mode="${1:-start}"

answers() { docker info >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
    echo "docker: need root to run: $*" >&2
    return 1
  fi
}

install_missing() {
  local pkgs=()
  command -v dockerd >/dev/null 2>&1 || pkgs+=(docker.io)
  if ! command -v docker-compose >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1; then
    pkgs+=(docker-compose)
  fi
  command -v iptables >/dev/null 2>&1 || pkgs+=(iptables)
  # The multi-engine swarm lab (engine/testing/swarm-lab.ts) links its engines with ip netns and veth.
  command -v ip >/dev/null 2>&1 || pkgs+=(iproute2)
  [ "${#pkgs[@]}" -eq 0 ] && return 0
  echo "docker: installing ${pkgs[*]} (log: $LOG.install)" >&2
  if ! { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"; } >>"$LOG.install" 2>&1; then
    echo "docker: installing ${pkgs[*]} failed; last lines of $LOG.install:" >&2
    tail -n 20 "$LOG.install" >&2
    return 1
  fi
}

start() {
  if answers; then
    echo "docker: already running"
    return 0
  fi
  install_missing
  if answers; then
    echo "docker: already running"
    return 0
  fi
  # A stale marker from a crashed earlier run: only trust it if that pid is a dockerd.
  if [ -f "$MARKER" ]; then
    local old
    old="$(cat "$MARKER")"
    if ! { [ -n "$old" ] && grep -q dockerd "/proc/$old/comm" 2>/dev/null; }; then rm -f "$MARKER"; fi
  fi
  if [ ! -f "$MARKER" ]; then
    # setsid: the daemon outlives this script and the caller's process group.
    # Started directly (not through a shell function), so $! is dockerd itself
    # (or sudo, which forwards signals to it).
    if [ "$(id -u)" -eq 0 ]; then
      setsid dockerd --pidfile "$PIDFILE" >"$LOG" 2>&1 </dev/null &
    else
      sudo -n setsid dockerd --pidfile "$PIDFILE" >"$LOG" 2>&1 </dev/null &
    fi
    echo $! >"$MARKER"
  fi
  local i
  for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
    if answers; then
      # The daemon's own pid, as it wrote it: what `stop` signals.
      [ -s "$PIDFILE" ] && cat "$PIDFILE" >"$MARKER"
      echo "docker: started dockerd (pid $(cat "$MARKER"))"
      return 0
    fi
    if ! kill -0 "$(cat "$MARKER")" 2>/dev/null; then
      echo "docker: dockerd exited; last lines of $LOG:" >&2
      tail -n 20 "$LOG" >&2 || true
      rm -f "$MARKER"
      return 1
    fi
    sleep 0.25
  done
  echo "docker: dockerd did not answer within ${WAIT_SECONDS}s (log: $LOG)" >&2
  return 1
}

stop() {
  if [ ! -f "$MARKER" ]; then
    echo "docker: not started by us, left running"
    return 0
  fi
  # Containers of this machine's tests are gone by now; dockerd stops the rest.
  local pid i
  pid="$(cat "$MARKER")"
  if kill -0 "$pid" 2>/dev/null; then
    as_root kill -TERM "$pid" || true
    for ((i = 0; i < 80; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -0 "$pid" 2>/dev/null && as_root kill -KILL "$pid" || true
  fi
  rm -f "$MARKER"
  echo "docker: stopped dockerd (pid $pid)"
}

case "$mode" in
  start) start ;;
  stop) stop ;;
  status)
    if answers; then echo "docker: running"; else
      echo "docker: not answering"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 [start|stop|status]" >&2
    exit 2
    ;;
esac
