#!/usr/bin/env bash
# Starts Postgres (a private cluster unless HOSTWIRE_ADMIN_URL points elsewhere), the broker
# and every service listed in deploy/local/services.conf.
# usage: deploy/local/launch.sh foreground|background|stop
set -euo pipefail
cd "$(dirname "$0")/../.."
VAR=${HOSTWIRE_VAR:-$PWD/var}
PORT=${HOSTWIRE_PG_PORT:-55432}
RUN=$VAR/run
mkdir -p "$RUN" "$VAR/logs"
BIN=${HOSTWIRE_BIN_DIR:-$(swift build --show-bin-path)}

stop_all() {
  for pidfile in "$RUN"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  [ -n "${HOSTWIRE_ADMIN_URL:-}" ] || deploy/local/postgres.sh stop
}

wait_ready() { # name port
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$2/ready" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null || { echo "$1 exited; see $VAR/logs/$1.log" >&2; return 1; }
    sleep 0.2
  done
  echo "$1 not ready; see $VAR/logs/$1.log" >&2; return 1
}

start_all() {
  if [ -z "${HOSTWIRE_ADMIN_URL:-}" ]; then
    deploy/local/postgres.sh start
    ADMIN_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
  else
    ADMIN_URL=$HOSTWIRE_ADMIN_URL
  fi
  DB_HOSTPORT=${ADMIN_URL#*@}; DB_HOSTPORT=${DB_HOSTPORT%%/*}; DB_NAME=${ADMIN_URL##*/}
  while read -r name executable port database; do
    case "$name" in ''|\#*) continue ;; esac
    env=(HOSTWIRE_HTTP_PORT="$port")
    if [ "$database" = yes ]; then
      deploy/postgres/bootstrap-role.sh "$ADMIN_URL" "$name"
      env+=(HOSTWIRE_DATABASE_URL="postgres://$name@$DB_HOSTPORT/$DB_NAME")
    fi
    env "${env[@]}" "$BIN/$executable" >>"$VAR/logs/$name.log" 2>&1 &
    echo $! > "$RUN/$name.pid"
    wait_ready "$name" "$port"
    echo "$name ready on http://127.0.0.1:$port"
  done < deploy/local/services.conf
}

case "${1:-foreground}" in
  foreground)
    trap 'stop_all; exit 0' INT TERM
    start_all
    echo "Hostwire is running; logs in $VAR/logs. Ctrl-C stops everything."
    while true; do sleep 1; done ;;
  background) start_all ;;
  stop) stop_all ;;
  *) echo "usage: $0 foreground|background|stop" >&2; exit 2 ;;
esac
