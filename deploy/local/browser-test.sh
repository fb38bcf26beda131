#!/usr/bin/env bash
# The portal in a real headless Chromium (Tests/Browser): starts the whole sandbox as
# `make run` does, in its own database of the test cluster, runs the journeys, stops it.
# Screenshots of every page go to var/screenshots.
set -euo pipefail
cd "$(dirname "$0")/../.."
PG_PORT=${HOSTWIRE_PG_PORT:-55432}
export HOSTWIRE_VAR=$PWD/var/browser
rm -rf "$HOSTWIRE_VAR"
mkdir -p "$HOSTWIRE_VAR"
psql -q "postgres://postgres@127.0.0.1:$PG_PORT/postgres" -c "DROP DATABASE IF EXISTS browser" -c "CREATE DATABASE browser"
export HOSTWIRE_ADMIN_URL="postgres://postgres@127.0.0.1:$PG_PORT/browser"
trap 'deploy/local/launch.sh stop >/dev/null 2>&1 || true' EXIT
# Quick task retries, so a task that fails for good (the console journey's) does so in seconds.
export HOSTWIRE_TASK_RETRY_BASE_SECONDS=0.1 HOSTWIRE_TASK_RETRY_MAX_SECONDS=0.5 HOSTWIRE_BACKUP_POLL_MS=300
deploy/local/launch.sh background >"$HOSTWIRE_VAR/launch.log" 2>&1 || { cat "$HOSTWIRE_VAR/launch.log"; exit 1; }
export HOSTWIRE_MAILDIR=$HOSTWIRE_VAR/mail HOSTWIRE_SCREENSHOTS=$PWD/var/screenshots
python3 Tests/Browser/portal_journey.py
python3 Tests/Browser/console_journey.py
