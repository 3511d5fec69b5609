#!/usr/bin/env bash
# Builds adapters/serf/bin/serf-node offline from Debian's packages
# (golang-github-hashicorp-serf-dev 0.9.4, on memberlist 0.2.2; grpc,
# protobuf; a GOPATH build) with the harness package it shares with
# adapters/memberlist (adapters/memberlist/harness/build.sh).
# scripts/ensure-memberlist.sh installs the packages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../memberlist/harness/build.sh" "$here" serf-node
