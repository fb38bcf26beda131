#!/usr/bin/env bash
# make compose-test: the whole platform in containers, driven from outside. Builds the
# images from the binaries the host built (no Swift build in a container), starts
# `docker-compose --profile sandbox`, waits for health, runs deploy/compose/smoke.py (an order
# end to end, then provisioning swapped for a new image while orders flow), and removes every
# container, volume and image it made. Docker is used when it runs, Podman otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
VAR=${HOSTWIRE_VAR:-$PWD/var}
ENV_FILE=$VAR/compose/test.env
PROJECT=hostwire-compose-test
mkdir -p "$VAR/compose" "$VAR/logs"
t0=$(date +%s)
stamp() { echo "[compose-test +$(( $(date +%s) - t0 ))s] $*"; }

if docker info >/dev/null 2>&1; then ENGINE=docker; else
  ENGINE=podman
  eval "$(deploy/compose/podman.sh start)"
  made_base=no
  podman image exists docker.io/library/postgres:15 || made_base=yes
  deploy/compose/podman.sh base-images
fi
export ENGINE
stamp "engine: $ENGINE"
export HOSTWIRE_BIN_DIR=${HOSTWIRE_BIN_DIR:-$(swift build --show-bin-path)}
deploy/compose/stage-binaries.sh "$HOSTWIRE_BIN_DIR"
deploy/compose/build-images.sh prebuilt
stamp "images built"

rm -f "$ENV_FILE"
deploy/compose-secrets.sh --sandbox "$ENV_FILE" >/dev/null
echo "HOSTWIRE_ORDER_RATE_LIMIT=0" >> "$ENV_FILE"
compose=(docker-compose -p "$PROJECT" --env-file "$ENV_FILE" --profile sandbox)

cleanup() {
  status=$?
  if [ "$status" -ne 0 ]; then "${compose[@]}" logs --no-color > "$VAR/logs/compose-test.log" 2>&1 || true
    echo "compose-test failed; the containers' logs are in $VAR/logs/compose-test.log" >&2
    grep -E "Fatal error|error|exited" "$VAR/logs/compose-test.log" | tail -20 >&2 || true; fi
  # HOSTWIRE_COMPOSE_KEEP=1 leaves the stack running, to look at it.
  [ "${HOSTWIRE_COMPOSE_KEEP:-0}" = 0 ] || exit "$status"
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  for image in $("$ENGINE" images --format '{{.Repository}}:{{.Tag}}' | grep -E '(^|/)hostwire-' || true); do
    "$ENGINE" rmi -f "$image" >/dev/null 2>&1 || true
  done
  if [ "$ENGINE" = podman ]; then
    podman image prune -f >/dev/null 2>&1 || true
    [ "${made_base:-no}" = no ] || podman rmi -f docker.io/library/postgres:15 docker.io/library/debian:bookworm-slim >/dev/null 2>&1 || true
    deploy/compose/podman.sh stop
  fi
  rm -rf .compose-build
  exit "$status"
}
trap cleanup EXIT

up_started=$(date +%s.%N)
"${compose[@]}" up -d >/dev/null 2>&1 || { "${compose[@]}" ps; exit 1; }
# Every service healthy, and the simulated servers registered.
healthy() {
  for port in 8090; do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 || return 1; done
  for port in 8081 8082 8083 8084 8085 8086 8087; do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 || return 1; done
  local job; job=$("${compose[@]}" ps -q register-servers)
  [ "$("$ENGINE" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$job" 2>/dev/null)" = "exited 0" ]
}
for _ in $(seq 1 300); do healthy && break; sleep 1; done
healthy || { "${compose[@]}" ps; exit 1; }
stamp "all healthy $(python3 -c "import time; print(f'{time.time() - $up_started:.1f}')") s after up"

# A new provisioning image to swap in (the same binary, a new image id).
"$ENGINE" build -q $( [ "$ENGINE" = podman ] && echo --format docker ) --build-arg BINARIES=prebuilt \
  --target provisioning --label "org.hostwire.swap=$(date +%s)" -t hostwire-provisioning:latest -f deploy/Dockerfile . >/dev/null
python3 deploy/compose/smoke.py "$ENV_FILE" "${compose[@]}"
stamp "passed"
