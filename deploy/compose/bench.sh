#!/usr/bin/env bash
# make compose-bench: the same benchmarks against the host's processes and against the
# containers, in one run and with the same release binaries, so that the difference is the
# containers': the broker alone (hostwire-bench broker: messages through it), then orders at a
# fixed rate through the whole sandbox (deploy/orders_bench.py, over HTTP from outside), and
# the time from `up` to all healthy. Prints a markdown block for docs/performance.md.
# env: ORDERS (default 300), RATE (orders/s, default 20), MESSAGES (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
ORDERS=${ORDERS:-300} RATE=${RATE:-20} MESSAGES=${MESSAGES:-1000000}
swift build -c release >/dev/null
BIN=$(swift build -c release --show-bin-path)
export HOSTWIRE_ORDER_RATE_LIMIT=0 HOSTWIRE_LOG_LEVEL=warning HOSTWIRE_BIN_DIR=$BIN

# The broker alone: on the host, then in its container, each with a queue for the benchmark.
broker_bench() { # run-prefix…: runs the broker with it, prints messages/s through it
  "$@" >/dev/null
  for _ in $(seq 1 100); do curl -fsS http://127.0.0.1:8690/health >/dev/null 2>&1 && break; sleep 0.1; done
  "$BIN/hostwire-bench" broker "$MESSAGES" tcp://127.0.0.1:5672 tcp://127.0.0.1:5690
}
broker_env=(HOSTWIRE_BROKER_QUEUES=bench=tcp://0.0.0.0:5690 HOSTWIRE_BROKER_EVENTS_IN=tcp://0.0.0.0:5670
  HOSTWIRE_BROKER_EVENTS_OUT=tcp://0.0.0.0:5671 HOSTWIRE_BROKER_COMMANDS_IN=tcp://0.0.0.0:5672 HOSTWIRE_HTTP_PORT=8690)

# Orders through the launcher's sandbox on the host.
export HOSTWIRE_VAR=$PWD/var/bench-compose HOSTWIRE_PG_PORT=${BENCH_PG_PORT:-55534}
rm -rf "$HOSTWIRE_VAR"
trap 'deploy/local/launch.sh stop >/dev/null 2>&1 || true' EXIT
env "${broker_env[@]}" "$BIN/hostwire-broker" >/dev/null 2>&1 &
HOST_BROKER=$(broker_bench true)
kill %1; wait 2>/dev/null || true
started=$(date +%s.%N)
deploy/local/launch.sh background >/dev/null
HOST_UP=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
TOKEN=$(sed -n "s/^HOSTWIRE_API_TOKENS=admin://p" "$HOSTWIRE_VAR/secrets.env")
HOST_ORDERS=$(python3 deploy/orders_bench.py "$TOKEN" "$ORDERS" "$RATE")
deploy/local/launch.sh stop >/dev/null

# The same in containers, from images of the same binaries.
VAR=$HOSTWIRE_VAR PROJECT=hostwire-compose-bench TAG=bench
. deploy/compose/stack.sh
trap 'status=$?; stack_down "$status"; exit "$status"' EXIT
stack_engine
stack_images "$BIN"
env_args=(); for pair in "${broker_env[@]}"; do env_args+=(-e "$pair"); done
CONTAINER_BROKER=$(broker_bench "$ENGINE" run -d --rm --name hostwire-bench-broker "${env_args[@]}" \
  -p 5672:5672 -p 5690:5690 -p 8690:8690 "hostwire-broker:$TAG")
"$ENGINE" rm -f hostwire-bench-broker >/dev/null
stack_secrets
stack_up
TOKEN=$(sed -n "s/^HOSTWIRE_API_TOKENS='admin:\(.*\)'$/\1/p" "$ENV_FILE")
CONTAINER_ORDERS=$(python3 deploy/orders_bench.py "$TOKEN" "$ORDERS" "$RATE")
SIZES=$("$ENGINE" images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "hostwire-[a-z-]+:$TAG " | sed 's|^localhost/||' | sort)

cat <<REPORT
| $(date -u +%Y-%m-%d), same release binaries | host processes | containers ($ENGINE) |
|---|---|---|
| broker alone, $MESSAGES messages | $HOST_BROKER | $CONTAINER_BROKER |
| $ORDERS orders at $RATE/s, payment → account | $HOST_ORDERS | $CONTAINER_ORDERS |
| start to all healthy | $HOST_UP s (launch.sh, one after another) | $UP_SECONDS s (docker-compose up) |

Images (debug-free release binaries, stripped):
$(echo "$SIZES" | sed 's/^/    /')
REPORT
