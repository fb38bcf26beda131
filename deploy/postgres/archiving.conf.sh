#!/usr/bin/env bash
# The postgresql.conf lines for continuous WAL archiving into a folder: with a base backup
# (deploy/postgres/backup.sh) they restore the database to any moment since that backup
# (deploy/postgres/restore.sh). A segment is archived when full or after 60 s at most
# (HOSTWIRE_PG_ARCHIVE_TIMEOUT): the most a disaster can lose.
# usage: deploy/postgres/archiving.conf.sh ARCHIVE_DIR >> postgresql.conf
set -euo pipefail
ARCHIVE=${1:?usage: $0 ARCHIVE_DIR}
cat <<CONF
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $ARCHIVE/%f && cp %p $ARCHIVE/%f.partial && mv $ARCHIVE/%f.partial $ARCHIVE/%f'
archive_timeout = ${HOSTWIRE_PG_ARCHIVE_TIMEOUT:-60}
CONF
