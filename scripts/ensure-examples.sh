#!/usr/bin/env bash
# Makes sure the toolchains of examples/ (Python and Go endpoints) are
# installed, all from Debian's packages: there is no Go module proxy or PyPI
# here, so the stubs are generated with Debian's protoc and its plugins, and
# built against the grpc/protobuf sources and modules Debian ships. Idempotent.
#
#   scripts/ensure-examples.sh
#
# - everything present: prints "examples: toolchains installed", exits 0.
# - something missing and root: `apt-get update` and
#   `DEBIAN_FRONTEND=noninteractive apt-get install -y PACKAGES`; exits 0 when
#   the checks then pass.
# - something missing and not root: prints what is missing and the command to
#   run as root, exits 1.
set -euo pipefail

# protobuf-compiler-grpc: grpc_python_plugin, of the same grpc release as
# python3-grpcio (python3-grpc-tools bundles a protoc too old for Debian's
# python3-protobuf). golang-github-golang-protobuf-1-5-dev: grpc-go's codec
# calls github.com/golang/protobuf, and only its 1.5 line handles the
# messages protoc-gen-go generates today (1.3, the other choice apt may make,
# panics on them).
PACKAGES=(
  protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf
  golang-go protoc-gen-go protoc-gen-go-grpc
  golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev
)

missing() {
  local why=()
  command -v protoc >/dev/null || why+=("protoc")
  command -v grpc_python_plugin >/dev/null || why+=("grpc_python_plugin")
  /usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null || why+=("python3 grpc modules")
  command -v go >/dev/null || why+=("go")
  command -v protoc-gen-go >/dev/null || why+=("protoc-gen-go")
  command -v protoc-gen-go-grpc >/dev/null || why+=("protoc-gen-go-grpc")
  [ -d /usr/share/gocode/src/google.golang.org/grpc ] || why+=("grpc-go sources")
  [ -d /usr/share/gocode/src/google.golang.org/protobuf ] || why+=("protobuf-go sources")
  dpkg-query -W -f='${Status}' golang-github-golang-protobuf-1-5-dev 2>/dev/null | grep -q 'ok installed' ||
    why+=("golang-github-golang-protobuf-1-5-dev")
  echo "${why[*]:-}"
}

# shellcheck source=apt-ensure.sh
source "$(dirname "$0")/apt-ensure.sh"
apt_ensure examples toolchains
