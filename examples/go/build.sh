#!/usr/bin/env bash
# Builds examples/go/bin/gossip-node offline from Debian's packages: protoc
# with protoc-gen-go and protoc-gen-go-grpc generate the stubs from the
# contract, and the Go sources of grpc and protobuf come from
# /usr/share/gocode (golang-google-grpc-dev, golang-google-protobuf-dev).
# There is no module proxy to fetch from, so this is a GOPATH build: the stubs
# go into build/gopath/src/gossipcheck/v1 (never committed), imported as
# "gossipcheck/v1". scripts/ensure-examples.sh installs the packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto="$here/../../proto"
out="$here/build/gopath/src"
rm -rf "$here/build" "$here/bin"
mkdir -p "$out"
# Map the .proto (it names no go_package) to the import path used above.
map="Mgossipcheck/v1/gossip.proto=gossipcheck/v1"
protoc -I "$proto" \
  --go_out="$out" --go_opt=paths=source_relative --go_opt="$map" \
  --go-grpc_out="$out" --go-grpc_opt=paths=source_relative --go-grpc_opt="$map" \
  "$proto/gossipcheck/v1/gossip.proto"
cd "$here"
# Go's default build cache, kept between builds (grpc takes a while the first time).
GO111MODULE=off GOPATH="$here/build/gopath:/usr/share/gocode" \
  GOCACHE="${GOCACHE:-${HOME:-$here/build}/.cache/go-build}" \
  go build -o bin/gossip-node .
echo "go binary: $here/bin/gossip-node"
