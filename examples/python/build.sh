#!/usr/bin/env bash
# Generates the Python gRPC stubs from the contract into examples/python/gen/
# (never committed). Needs Debian's protobuf-compiler and protobuf-compiler-grpc
# (protoc and grpc_python_plugin); scripts/ensure-examples.sh installs them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto="$here/../../proto"
rm -rf "$here/gen"
mkdir -p "$here/gen"
protoc -I "$proto" \
  --python_out="$here/gen" \
  --grpc_python_out="$here/gen" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  "$proto/gossipcheck/v1/gossip.proto"
echo "python stubs: $here/gen"
