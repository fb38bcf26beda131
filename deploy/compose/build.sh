#!/usr/bin/env bash
# make compose-build: the real multi-stage build of deploy/Dockerfile — a release build inside
# the Swift image, then the slim runtime images — timed, with the images' sizes. Docker when
# it runs (pulling the upstream images); Podman otherwise, with the base images made from
# Debian's packages and the Swift image from the host's toolchain (no registry is reached).
set -euo pipefail
cd "$(dirname "$0")/../.."
VAR=${HOSTWIRE_VAR:-$PWD/var}
TAG=${HOSTWIRE_TAG:-release}
if [ -z "${DOCKER_HOST:-}" ] && docker info >/dev/null 2>&1; then ENGINE=docker; else
  ENGINE=podman
  eval "$(deploy/compose/podman.sh start)"
  deploy/compose/podman.sh base-images
  if ! podman image exists docker.io/library/swift:6.3-bookworm; then
    context=$VAR/swift-standin
    rm -rf "$context" && mkdir -p "$context"
    cp -al /opt/swift "$context/swift" 2>/dev/null || cp -a /opt/swift "$context/swift"
    cp -al /opt/swift-packages "$context/swift-packages" 2>/dev/null || cp -a /opt/swift-packages "$context/swift-packages"
    started=$(date +%s)
    podman build -q --format docker -t docker.io/library/swift:6.3-bookworm -f deploy/compose/swift-standin/Dockerfile "$context" >/dev/null
    rm -rf "$context"
    echo "Swift build image (stand-in) made in $(( $(date +%s) - started )) s"
  fi
fi
export ENGINE
started=$(date +%s)
deploy/compose/build-images.sh build "$TAG"
echo "images built in $(( $(date +%s) - started )) s (BINARIES=build, release)"
"$ENGINE" images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "hostwire-[a-z-]+:$TAG" | sort
