#!/usr/bin/env bash
# make compose-test: the whole platform in containers, driven from outside. Builds the
# images from the binaries the host built (no Swift build in a container), starts
# `docker-compose --profile sandbox`, waits for health, runs deploy/compose/smoke.py (an order
# end to end; then checkout and the portal replaced with no downtime behind the proxy and
# provisioning recreated from a new image while customers order and browse), takes a base
# backup through the container, and removes every container, volume and image it made.
# Docker is used when it runs, Podman otherwise (deploy/compose/stack.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
VAR=${HOSTWIRE_VAR:-$PWD/var}
PROJECT=hostwire-compose-test TAG=latest
. deploy/compose/stack.sh
t0=$(date +%s)
stamp() { echo "[compose-test +$(( $(date +%s) - t0 ))s] $*"; }
trap 'status=$?; stack_down "$status"; exit "$status"' EXIT

stack_engine
stamp "engine: $ENGINE"
stack_images "${HOSTWIRE_BIN_DIR:-$(swift build --show-bin-path)}"
stamp "images built"
stack_secrets
stack_up
stamp "all healthy $UP_SECONDS s after up"

# New images of the services the smoke test replaces (the same binaries, new image ids).
for target in checkout portal provisioning; do
  "$ENGINE" build -q $( [ "$ENGINE" = podman ] && echo --format docker ) --build-arg BINARIES=prebuilt \
    --target "$target" --label "org.hostwire.swap=$(date +%s)" -t "hostwire-$target:latest" -f deploy/Dockerfile . >/dev/null
done
ENGINE=$ENGINE python3 deploy/compose/smoke.py "$ENV_FILE" "${compose[@]}"
# A base backup through the container, with the WAL archive and the encrypted secrets.
backup=$(HOSTWIRE_BACKUP_PASSPHRASE=compose-test deploy/compose/backup.sh "$VAR/compose/backups" "$ENV_FILE" \
  -p "$PROJECT" --profile sandbox)
tar -xzOf "$backup/base.tar.gz" PG_VERSION >/dev/null 2>&1 &&
  [ -n "$(ls "$backup/archive")" ] || { echo "the backup in $backup is incomplete" >&2; exit 1; }
stamp "backup: base $(du -h "$backup/base.tar.gz" | cut -f1), $(ls "$backup/archive" | wc -l) archived WAL files"
rm -rf "$VAR/compose/backups"
stamp "passed"
