#!/usr/bin/env bash
# Starts the real servers the tests need, runs `swift test`, and stops them again.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HOSTWIRE_VAR=${HOSTWIRE_VAR:-$PWD/var}
export HOSTWIRE_PG_PORT=${HOSTWIRE_PG_PORT:-55432}
deploy/local/postgres.sh start
trap 'deploy/local/postgres.sh stop' EXIT
export HOSTWIRE_TEST_ADMIN_URL="postgres://postgres@127.0.0.1:$HOSTWIRE_PG_PORT/postgres"
# The compose file must stay valid (make compose-test, below, runs it).
docker-compose --env-file deploy/compose.env.example --profile sandbox config -q
# The code keeps one format (.swift-format; `make format` applies it).
swift format lint --strict --recursive --parallel Package.swift Services Shared Tests Benchmarks Tools
# Tests run suites in parallel on two cores; each suite gets its own database.
swift build --build-tests
export HOSTWIRE_BIN_DIR=$(swift build --show-bin-path)
# A hung test must fail the run long before CI's own limit ends it with nothing to show.
rm -rf var/test-logs # each service appends to its log; a run starts with none
status=0
timeout --kill-after=30 "${HOSTWIRE_TEST_TIMEOUT:-2400}" swift test --skip-build "$@" || status=$?
# The portal in a real browser, against the whole sandbox.
deploy/local/browser-test.sh || status=1
# Services replaced behind HAProxy while customers order and browse: no request fails.
deploy/local/swap-test.sh || status=1
# Postgres destroyed and restored to a point in time: every order still there exactly once.
deploy/local/dr-drill.sh || status=1
# The fuzz targets' committed corpora (every past finding among them) replayed.
deploy/local/fuzz.sh replay || status=1
# The platform in containers (Podman here): an order end to end, a service swapped under orders.
deploy/compose/test.sh || status=1
if [ "$status" -ne 0 ]; then
    # A service that crashed says so only in its own log: show where, so CI's output tells.
    grep -l -E "Program crashed|Fatal error|Assertion failed" var/test-logs/*.log var/browser/logs/*.log var/swap/logs/*.log var/dr/logs/*.log 2>/dev/null |
        while read -r log; do echo "== crash in $log"; grep -m3 -E "Program crashed|Fatal error|Assertion failed" "$log"; done
fi
exit "$status"
