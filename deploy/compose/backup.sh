#!/usr/bin/env bash
# A base backup of docker-compose's Postgres, taken through its container, with the secrets
# file encrypted beside it (HOSTWIRE_BACKUP_PASSPHRASE), and a copy of the WAL archive so far.
# Run it daily (cron); copy DEST_DIR off the host. Restoring: docs/deployment.md.
# usage: deploy/compose/backup.sh DEST_DIR [ENV_FILE] [docker-compose options…]
set -euo pipefail
cd "$(dirname "$0")/../.."
DEST=${1:?usage: $0 DEST_DIR [ENV_FILE] [docker-compose options…]} ENV_FILE=${2:-.env}
shift $(( $# < 2 ? $# : 2 ))
: "${HOSTWIRE_BACKUP_PASSPHRASE:?set HOSTWIRE_BACKUP_PASSPHRASE: it encrypts the copy of the secrets}"
compose=(docker-compose --env-file "$ENV_FILE" "$@")
backup=$DEST/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$backup/archive"
"${compose[@]}" exec -T postgres pg_basebackup -U postgres -D - -Ft -z -X fetch --checkpoint=fast > "$backup/base.tar.gz"
"${compose[@]}" exec -T postgres psql -U postgres -Atqc "SELECT pg_walfile_name(pg_switch_wal())" >/dev/null
"${compose[@]}" exec -T postgres tar -C /archive -c . | tar -C "$backup/archive" -x
openssl enc -aes-256-cbc -pbkdf2 -iter 200000 -salt -in "$ENV_FILE" -out "$backup/secrets.env.enc" \
  -pass env:HOSTWIRE_BACKUP_PASSPHRASE
echo "$backup"
