#!/usr/bin/env bash
# The portal's pages under 50 signed-in customers at once, on release builds: `make bench-portal`.
# The whole sandbox runs (each page is rendered from the other services' customer APIs) on a
# fresh private Postgres; customers come from their own addresses through a trusted proxy.
# env: CUSTOMERS (default 50), DURATION (s, default 30), BENCH_PG_PORT, CONFIGURATION (default release).
set -euo pipefail
cd "$(dirname "$0")/../.."
export HOSTWIRE_ORDER_RATE_LIMIT=0 HOSTWIRE_TRUSTED_PROXIES=127.0.0.1
swift build -c "${CONFIGURATION:-release}" >/dev/null
export HOSTWIRE_BIN_DIR=$(swift build -c "${CONFIGURATION:-release}" --show-bin-path)
export HOSTWIRE_VAR=$PWD/var/bench-portal HOSTWIRE_PG_PORT=${BENCH_PG_PORT:-55535} HOSTWIRE_LOG_LEVEL=warning
trap 'deploy/local/launch.sh stop >/dev/null 2>&1 || true' EXIT
rm -rf "$HOSTWIRE_VAR"
deploy/local/launch.sh background >/dev/null
set -a; . "$HOSTWIRE_VAR/secrets.env"; set +a
"$HOSTWIRE_BIN_DIR/hostwire-load" --stage portal --customers "${CUSTOMERS:-50}" --duration "${DURATION:-30}" \
  --database-url "postgres://postgres@127.0.0.1:$HOSTWIRE_PG_PORT/postgres" 2>"$HOSTWIRE_VAR/load.log" | tail -n +2 || { tail -5 "$HOSTWIRE_VAR/load.log"; exit 1; }
