#!/usr/bin/env bash
# Hostwire's own disaster recovery, drilled: the sandbox runs on a private cluster that
# archives its WAL continuously; a base backup (with the encrypted secrets) is taken; customers
# order; Postgres and the services are then destroyed (kill -9, the data folder deleted),
# Postgres is restored to a point in time from the backup and the archive, and the services
# start on it. (The simulated panels and Stripe, outside Hostwire, keep their state.) Every
# order must be there exactly once — one account on one panel, one welcome email — and new
# orders must go through.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HOSTWIRE_VAR=$PWD/var/dr HOSTWIRE_PG_PORT=${HOSTWIRE_DR_PG_PORT:-55433}
export HOSTWIRE_PG_ARCHIVE=$HOSTWIRE_VAR/archive HOSTWIRE_PG_ARCHIVE_TIMEOUT=5 HOSTWIRE_ORDER_RATE_LIMIT=0
export HOSTWIRE_BACKUP_PASSPHRASE=${HOSTWIRE_BACKUP_PASSPHRASE:-drill-$(openssl rand -hex 8)}
unset HOSTWIRE_ADMIN_URL
ADMIN_URL=postgres://postgres@127.0.0.1:$HOSTWIRE_PG_PORT/postgres
DATA=$HOSTWIRE_VAR/postgres/data
deploy/local/launch.sh stop >/dev/null 2>&1 || true
rm -rf "$HOSTWIRE_VAR" && mkdir -p "$HOSTWIRE_VAR"
trap 'deploy/local/launch.sh stop >/dev/null 2>&1 || true' EXIT
t0=$(date +%s)
stamp() { echo "[dr-drill +$(( $(date +%s) - t0 ))s] $*"; }

deploy/local/launch.sh background >"$HOSTWIRE_VAR/launch.log" 2>&1 || { cat "$HOSTWIRE_VAR/launch.log"; exit 1; }
stamp "sandbox running on a cluster archiving its WAL to $HOSTWIRE_PG_ARCHIVE"
backup=$(deploy/postgres/backup.sh "$ADMIN_URL" "$HOSTWIRE_VAR/secrets.env" "$HOSTWIRE_VAR/backups")
stamp "base backup $(du -sh "$backup" | cut -f1) in $backup"

python3 deploy/local/dr_orders.py before > "$HOSTWIRE_VAR/before.txt"
target=$(psql -Atq "$ADMIN_URL" -c "SELECT now()")
segment=$(psql -Atq "$ADMIN_URL" -c "SELECT pg_walfile_name(pg_current_wal_lsn())")
stamp "$(wc -l < "$HOSTWIRE_VAR/before.txt") orders complete; restore point $target (WAL $segment)"
# The disaster may come only once the restore point's WAL is archived (within archive_timeout).
for _ in $(seq 1 300); do [ -f "$HOSTWIRE_PG_ARCHIVE/$segment" ] && break; sleep 0.1; done
[ -f "$HOSTWIRE_PG_ARCHIVE/$segment" ] || { echo "WAL $segment was never archived" >&2; exit 1; }

SERVICES="checkout provisioning dnsssl mail billing timer portal"
for name in $SERVICES; do kill -9 "$(cat "$HOSTWIRE_VAR/run/$name.pid")" 2>/dev/null || true; done
pkill -9 -f "postgres -D $DATA" || true
sleep 0.5
# What a dead server leaves: its socket's lock names its PID, which another process may have now.
rm -rf "$DATA" "$HOSTWIRE_VAR/postgres/run/.s.PGSQL.$HOSTWIRE_PG_PORT" "$HOSTWIRE_VAR/postgres/run/.s.PGSQL.$HOSTWIRE_PG_PORT.lock"
stamp "Postgres and the services destroyed: killed -9, the data folder deleted"
deploy/postgres/restore.sh "$backup" "$HOSTWIRE_PG_ARCHIVE" "$DATA" "$target" "$HOSTWIRE_VAR/secrets.restored"
cmp -s "$HOSTWIRE_VAR/secrets.env" "$HOSTWIRE_VAR/secrets.restored" || { echo "the secrets' copy does not match" >&2; exit 1; }
deploy/local/postgres.sh start >/dev/null
for _ in $(seq 1 600); do [ "$(psql -Atq "$ADMIN_URL" -c "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && break; sleep 0.1; done
stamp "restored to $target from the base backup and the archive; open for writing"
for name in $SERVICES; do deploy/local/launch.sh restart "$name" >>"$HOSTWIRE_VAR/launch.log" 2>&1; done
stamp "services started on the restored database"

python3 deploy/local/dr_orders.py after "$HOSTWIRE_VAR/before.txt"
stamp "passed"
