#!/usr/bin/env bash
# A base backup of the whole cluster (pg_basebackup, compressed tar, with the WAL it needs)
# and, beside it, the secrets that make the data usable — the credential key rings, sealing
# keys and CURVE keys — encrypted with HOSTWIRE_BACKUP_PASSPHRASE (AES-256, PBKDF2).
# Together with the WAL archive they restore Hostwire to any moment since (restore.sh).
# usage: deploy/postgres/backup.sh ADMIN_URL SECRETS_ENV_FILE DEST_DIR   (prints the backup's folder)
set -euo pipefail
ADMIN_URL=${1:?usage: $0 ADMIN_URL SECRETS_ENV_FILE DEST_DIR} SECRETS=${2:?} DEST=${3:?}
: "${HOSTWIRE_BACKUP_PASSPHRASE:?set HOSTWIRE_BACKUP_PASSPHRASE: it encrypts the copy of the secrets}"
backup=$DEST/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$backup"
[ "$(id -u)" != 0 ] || chown postgres "$backup"
pg_basebackup -d "$ADMIN_URL" -D "$backup" -Ft -z -X fetch --checkpoint=fast --label "hostwire $(basename "$backup")"
openssl enc -aes-256-cbc -pbkdf2 -iter 200000 -salt -in "$SECRETS" -out "$backup/secrets.env.enc" \
  -pass env:HOSTWIRE_BACKUP_PASSPHRASE
echo "$backup"
