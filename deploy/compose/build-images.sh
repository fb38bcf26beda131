#!/usr/bin/env bash
# Builds Hostwire's images with Podman (or Docker: ENGINE=docker), one per service, tagged
# hostwire-NAME:TAG, plus the proxy's and the sandbox servers' images.
# usage: deploy/compose/build-images.sh prebuilt|build [TAG]
#   prebuilt  from the binaries in .compose-build/ (deploy/compose/stage-binaries.sh)
#   build     the real multi-stage build: a release build inside the Swift image
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE=${1:?usage: $0 prebuilt|build [TAG]} TAG=${2:-latest}
ENGINE=${ENGINE:-podman}
format=(); [ "$ENGINE" != podman ] || format=(--format docker) # keeps HEALTHCHECK
for target in broker checkout provisioning dnsssl mail billing timer portal simulator; do
  "$ENGINE" build -q "${format[@]}" --build-arg BINARIES="$MODE" --target "$target" \
    -t "hostwire-$target:$TAG" -f deploy/Dockerfile . >/dev/null
done
"$ENGINE" build -q "${format[@]}" -t "hostwire-sandbox-servers:$TAG" deploy/compose/sandbox >/dev/null
"$ENGINE" build -q "${format[@]}" -t "hostwire-proxy:$TAG" deploy/compose/proxy >/dev/null
