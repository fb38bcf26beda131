#!/usr/bin/env bash
# Restores a base backup (backup.sh) into an empty data folder and sets it to replay the WAL
# archive up to TARGET_TIME (a timestamp with time zone; "latest" replays all of it), then
# to open for writing. Start Postgres on the folder afterwards. The secrets' copy is decrypted
# to SECRETS_OUT when given.
# usage: deploy/postgres/restore.sh BACKUP_DIR ARCHIVE_DIR DATA_DIR TARGET_TIME [SECRETS_OUT]
set -euo pipefail
BACKUP=${1:?usage: $0 BACKUP_DIR ARCHIVE_DIR DATA_DIR TARGET_TIME [SECRETS_OUT]} ARCHIVE=${2:?} DATA=${3:?} TARGET=${4:?}
[ ! -e "$DATA" ] || [ -z "$(ls -A "$DATA")" ] || { echo "$DATA is not empty" >&2; exit 1; }
mkdir -p "$DATA"
tar -xzf "$BACKUP/base.tar.gz" -C "$DATA"
[ ! -f "$BACKUP/pg_wal.tar.gz" ] || tar -xzf "$BACKUP/pg_wal.tar.gz" -C "$DATA/pg_wal"
{
  echo "restore_command = 'cp $ARCHIVE/%f %p'"
  [ "$TARGET" = latest ] || echo "recovery_target_time = '$TARGET'"
  echo "recovery_target_action = 'promote'"
} >> "$DATA/postgresql.conf"
touch "$DATA/recovery.signal"
chmod 700 "$DATA"
[ "$(id -u)" != 0 ] || chown -R postgres "$DATA"
if [ -n "${5:-}" ]; then
  : "${HOSTWIRE_BACKUP_PASSPHRASE:?set HOSTWIRE_BACKUP_PASSPHRASE to decrypt the copy of the secrets}"
  (umask 077; openssl enc -d -aes-256-cbc -pbkdf2 -iter 200000 -in "$BACKUP/secrets.env.enc" -out "$5" \
    -pass env:HOSTWIRE_BACKUP_PASSPHRASE)
fi
