#!/usr/bin/env bash
# Stages the binaries the host built (and the Swift runtime libraries they link) in
# .compose-build/, stripped, for deploy/Dockerfile's BINARIES=prebuilt.
# usage: deploy/compose/stage-binaries.sh [BIN_DIR]   (default: the host's debug build)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${1:-${HOSTWIRE_BIN_DIR:-$(swift build --show-bin-path)}}
SWIFT_LIB=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/lib/swift/linux
rm -rf .compose-build && mkdir -p .compose-build/bin .compose-build/lib
for name in hostwire hostwire-broker hostwire-checkout hostwire-provisioning hostwire-mail hostwire-timer \
  hostwire-billing hostwire-dnsssl hostwire-portal hostwire-simulator; do
  strip -o ".compose-build/bin/$name" "$BIN/$name"
done
cp -P "$SWIFT_LIB"/*.so* .compose-build/lib/
# What only tests and debuggers load.
rm -f .compose-build/lib/libXCTest* .compose-build/lib/libTesting* .compose-build/lib/lib_Testing* \
  .compose-build/lib/libswiftRemoteMirror* .compose-build/lib/lib_InternalSwiftStaticMirror*
