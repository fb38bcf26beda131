#!/usr/bin/env bash
# Orders per second through checkout → provisioning, and webhook → account.provisioned
# latency, with checkout, provisioning, the broker and the simulators alone (deploy/local/stage-orders.conf,
# release build): `make bench-orders`.
# env: RATES (orders/s to try, default "100 200 300"), DURATION (s, default 20),
#      PANEL_LATENCIES (ms per panel call, default "200"; empty: none), WORKERS (default "8 32").
set -euo pipefail
cd "$(dirname "$0")/../.."
# Load runs place thousands of orders from one address: checkout's per-address limit is off.
export HOSTWIRE_ORDER_RATE_LIMIT=0
RATES=${RATES:-100 200 300} DURATION=${DURATION:-20}
swift build -c release >/dev/null
export HOSTWIRE_BIN_DIR=$(swift build -c release --show-bin-path)
export HOSTWIRE_VAR=$PWD/var/bench-orders HOSTWIRE_PG_PORT=${BENCH_PG_PORT:-55533} HOSTWIRE_LOG_LEVEL=warning
trap 'deploy/local/launch.sh stop >/dev/null 2>&1 || true' EXIT
run() { # panel-latency-ms workers rate
  rm -rf "$HOSTWIRE_VAR"
  SIM_LATENCY_MS=$1 HOSTWIRE_WORKERS=$2 HOSTWIRE_SERVICES=deploy/local/stage-orders.conf deploy/local/launch.sh background >/dev/null
  set -a; . "$HOSTWIRE_VAR/secrets.env"; set +a
  echo "## panel latency $1 ms, $2 provisioning workers, $3 orders/s for $DURATION s"
  "$HOSTWIRE_BIN_DIR/hostwire-load" --stage orders --rate "$3" --duration "$DURATION" 2>/dev/null | tail -2
  deploy/local/launch.sh stop >/dev/null
}
for rate in $RATES; do run 0 8 "$rate"; done
for latency in ${PANEL_LATENCIES-200}; do
  for workers in ${WORKERS:-8 32}; do run "$latency" "$workers" 50; done
done
