#!/usr/bin/env bash
# A private Postgres cluster for `make run` and `make test`: initdb into var/, no system service.
# usage: deploy/local/postgres.sh start|stop|restart|kill|status
# env:   HOSTWIRE_VAR (default ./var), HOSTWIRE_PG_PORT (default 55432),
#        HOSTWIRE_PG_ARCHIVE (a folder: continuous WAL archiving into it, for point-in-time recovery)
set -euo pipefail
cd "$(dirname "$0")/../.."
VAR=${HOSTWIRE_VAR:-$PWD/var}
PORT=${HOSTWIRE_PG_PORT:-55432}
DATA=$VAR/postgres/data
RUN=$VAR/postgres/run
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$BIN" ] || { echo "postgres is not installed (make deps)" >&2; exit 1; }

# initdb and the server refuse to run as root: run them as the postgres user then.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

init() {
  mkdir -p "$VAR/postgres" "$RUN"
  [ "$(id -u)" = 0 ] && chown -R postgres "$VAR/postgres"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    as_owner "$BIN/initdb" -D "$DATA" -A trust -U postgres --no-sync >/dev/null
    cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$RUN'
max_connections = 500
fsync = on
synchronous_commit = on
shared_buffers = 256MB
CONF
    # For profiling a benchmark: every statement's calls and time (pg_stat_statements).
    if [ -n "${HOSTWIRE_PG_STATEMENTS:-}" ]; then
      echo "shared_preload_libraries = 'pg_stat_statements'" >> "$DATA/postgresql.conf"
    fi
  fi
  if [ -n "${HOSTWIRE_PG_ARCHIVE:-}" ] && ! grep -q '^archive_mode' "$DATA/postgresql.conf"; then
    mkdir -p "$HOSTWIRE_PG_ARCHIVE"
    [ "$(id -u)" = 0 ] && chown postgres "$HOSTWIRE_PG_ARCHIVE"
    deploy/postgres/archiving.conf.sh "$HOSTWIRE_PG_ARCHIVE" >> "$DATA/postgresql.conf"
  fi
}

case "${1:-start}" in
  start)
    init
    if as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then exit 0; fi
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$VAR/postgres/log" -w -t 60 start >/dev/null
    echo "postgres ready on 127.0.0.1:$PORT" ;;
  stop) as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true ;;
  restart) as_owner "$BIN/pg_ctl" -D "$DATA" -l "$VAR/postgres/log" -m fast -w -t 60 restart >/dev/null ;;
  kill) # crash it the way a power cut would, then bring it back (tests of recovery)
    pkill -9 -f "postgres -D $DATA" || true
    sleep 0.5
    # A dead server's lock files name its PID, which another process may have by now.
    rm -f "$DATA/postmaster.pid" "$RUN/.s.PGSQL.$PORT.lock"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$VAR/postgres/log" -w -t 60 start >/dev/null ;;
  status) as_owner "$BIN/pg_ctl" -D "$DATA" status ;;
  *) echo "usage: $0 start|stop|restart|kill|status" >&2; exit 2 ;;
esac
