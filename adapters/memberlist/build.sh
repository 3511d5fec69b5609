#!/usr/bin/env bash
# Builds adapters/memberlist/bin/memberlist-node offline from Debian's
# packages, like examples/go/build.sh: protoc generates the contract's stubs
# into build/gopath/src/gossipcheck/v1 (never committed), and the library
# (golang-github-hashicorp-memberlist-dev 0.2.2), grpc and protobuf come from
# /usr/share/gocode in a GOPATH build (no module proxy here).
# scripts/ensure-memberlist.sh installs the packages.
#
# Safe to run while another build or a running binary uses the directory
# (the adapter's e2e test and npm run conformance both build it): builds are
# serialised by a lock, and the binary is replaced by a rename, never removed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto="$here/../../proto"
mkdir -p "$here/build" "$here/bin"
exec 9>"$here/build/.lock"
flock 9
out="$here/build/gopath/src"
rm -rf "$here/build/gopath"
mkdir -p "$out"
map="Mgossipcheck/v1/gossip.proto=gossipcheck/v1"
protoc -I "$proto" \
  --go_out="$out" --go_opt=paths=source_relative --go_opt="$map" \
  --go-grpc_out="$out" --go-grpc_opt=paths=source_relative --go-grpc_opt="$map" \
  "$proto/gossipcheck/v1/gossip.proto"
cd "$here"
GO111MODULE=off GOPATH="$here/build/gopath:/usr/share/gocode" \
  GOCACHE="${GOCACHE:-${HOME:-$here/build}/.cache/go-build}" \
  go build -o bin/.memberlist-node.new .
mv -f bin/.memberlist-node.new bin/memberlist-node
echo "go binary: $here/bin/memberlist-node"
