#!/usr/bin/env bash
# Zero-downtime replacement, proven with the local launcher: the whole sandbox behind HAProxy
# (HOSTWIRE_PROXY=haproxy) in its own database of the test cluster, then
# deploy/local/swap_load.py replaces services one after another under load.
set -euo pipefail
cd "$(dirname "$0")/../.."
PG_PORT=${HOSTWIRE_PG_PORT:-55432}
export HOSTWIRE_VAR=$PWD/var/swap HOSTWIRE_PROXY=haproxy HOSTWIRE_ORDER_RATE_LIMIT=0
rm -rf "$HOSTWIRE_VAR" && mkdir -p "$HOSTWIRE_VAR"
psql -q "postgres://postgres@127.0.0.1:$PG_PORT/postgres" -c "DROP DATABASE IF EXISTS swap" -c "CREATE DATABASE swap"
export HOSTWIRE_ADMIN_URL="postgres://postgres@127.0.0.1:$PG_PORT/swap"
trap 'deploy/local/launch.sh stop >/dev/null 2>&1 || true' EXIT
deploy/local/launch.sh background >"$HOSTWIRE_VAR/launch.log" 2>&1 || { cat "$HOSTWIRE_VAR/launch.log"; exit 1; }
python3 deploy/local/swap_load.py
