#!/usr/bin/env bash
# Builds adapters/memberlist/bin/memberlist-node offline from Debian's
# packages (golang-github-hashicorp-memberlist-dev 0.2.2, grpc, protobuf; a
# GOPATH build): harness/build.sh, shared with adapters/serf.
# scripts/ensure-memberlist.sh installs the packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/harness/build.sh" "$here" memberlist-node
