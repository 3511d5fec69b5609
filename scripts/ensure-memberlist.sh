#!/usr/bin/env bash
# Makes sure adapters/memberlist and adapters/serf can be built, all from
# Debian's packages (no Go module proxy here): the Go toolchain, protoc with
# its Go plugins, the grpc/protobuf sources, hashicorp/memberlist 0.2.2 and
# hashicorp/serf 0.9.4 (which builds on it) with their dependencies
# (go-msgpack, btree, go-metrics, ... come with them) in /usr/share/gocode.
# One script for both: the two programs share one Go package
# (adapters/memberlist/harness), so one toolchain. Idempotent.
#
#   scripts/ensure-memberlist.sh
#
# - everything present: prints "memberlist: toolchain installed", exits 0.
# - something missing and root: `apt-get update` and
#   `DEBIAN_FRONTEND=noninteractive apt-get install -y PACKAGES`; exits 0 when
#   the checks then pass.
# - something missing and not root: prints what is missing and the command to
#   run as root, exits 1.
set -euo pipefail

# golang-github-golang-protobuf-1-5-dev: see scripts/ensure-examples.sh (the
# 1.3 line apt may pick panics on today's protoc-gen-go messages).
PACKAGES=(
  protobuf-compiler golang-go protoc-gen-go protoc-gen-go-grpc
  golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev
  golang-github-hashicorp-memberlist-dev golang-github-hashicorp-serf-dev
)

missing() {
  local why=()
  command -v protoc >/dev/null || why+=("protoc")
  command -v go >/dev/null || why+=("go")
  command -v protoc-gen-go >/dev/null || why+=("protoc-gen-go")
  command -v protoc-gen-go-grpc >/dev/null || why+=("protoc-gen-go-grpc")
  [ -d /usr/share/gocode/src/google.golang.org/grpc ] || why+=("grpc-go sources")
  [ -d /usr/share/gocode/src/google.golang.org/protobuf ] || why+=("protobuf-go sources")
  [ -f /usr/share/gocode/src/github.com/hashicorp/memberlist/memberlist.go ] || why+=("memberlist sources")
  [ -f /usr/share/gocode/src/github.com/hashicorp/serf/serf/serf.go ] || why+=("serf sources")
  dpkg-query -W -f='${Status}' golang-github-golang-protobuf-1-5-dev 2>/dev/null | grep -q 'ok installed' ||
    why+=("golang-github-golang-protobuf-1-5-dev")
  echo "${why[*]:-}"
}

# shellcheck source=apt-ensure.sh
source "$(dirname "$0")/apt-ensure.sh"
apt_ensure memberlist toolchain
