#!/usr/bin/env bash
# Builds one of the Go programs on the shared harness package offline from
# Debian's packages, like examples/go/build.sh:
#
#   adapters/memberlist/harness/build.sh PROGRAM_DIR BINARY
#
# protoc generates the contract's stubs into PROGRAM_DIR/build/gopath/src/
# gossipcheck/v1 (never committed), this package is linked in as
# gossipcheck/harness, and the libraries (hashicorp/memberlist, serf), grpc
# and protobuf come from /usr/share/gocode in a GOPATH build (no module proxy
# here). scripts/ensure-memberlist.sh installs the packages.
#
# Safe to run while another build or a running binary uses the directory
# (the adapters' e2e tests and npm run conformance build them): builds are
# serialised by a lock, and the binary is replaced by a rename, never removed.
set -euo pipefail
harness="$(cd "$(dirname "$0")" && pwd)"
here="$(cd "$1" && pwd)"
bin="$2"
proto="$harness/../../../proto"
mkdir -p "$here/build" "$here/bin"
exec 9>"$here/build/.lock"
flock 9
out="$here/build/gopath/src"
rm -rf "$here/build/gopath"
mkdir -p "$out/gossipcheck"
ln -s "$harness" "$out/gossipcheck/harness"
map="Mgossipcheck/v1/gossip.proto=gossipcheck/v1"
protoc -I "$proto" \
  --go_out="$out" --go_opt=paths=source_relative --go_opt="$map" \
  --go-grpc_out="$out" --go-grpc_opt=paths=source_relative --go-grpc_opt="$map" \
  "$proto/gossipcheck/v1/gossip.proto"
cd "$here"
GO111MODULE=off GOPATH="$here/build/gopath:/usr/share/gocode" \
  GOCACHE="${GOCACHE:-${HOME:-$here/build}/.cache/go-build}" \
  go build -o "bin/.$bin.new" .
mv -f "bin/.$bin.new" "bin/$bin"
echo "go binary: $here/bin/$bin"
