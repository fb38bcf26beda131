#!/usr/bin/env bash
# make compose-bench: the same benchmarks against the same release binaries run as host
# processes and in their containers, in one run, so that the difference is the containers':
# the broker alone (messages through it, driven by the host's hostwire-bench), orders at a
# fixed rate through the whole sandbox (deploy/orders_bench.py, over HTTP from outside), and
# the start to all healthy, and the durable bus benchmark (deploy/compose/durable.sh). The
# binaries are copied out of the images tagged release (`make compose-build`, or
# build-images.sh from the host's release build). Prints a markdown block for docs/performance.md.
# env: ORDERS (default 300), RATE (orders/s, default 20), MESSAGES (default 1000000),
#      MESSAGES_DURABLE (default 20000)
set -euo pipefail
cd "$(dirname "$0")/../.."
ORDERS=${ORDERS:-300} RATE=${RATE:-20} MESSAGES=${MESSAGES:-1000000} MESSAGES_DURABLE=${MESSAGES_DURABLE:-20000}
VAR=$PWD/var/bench-compose PROJECT=hostwire-compose-bench TAG=${HOSTWIRE_TAG:-release} KEEP_IMAGES=1
rm -rf "$VAR" && mkdir -p "$VAR/bin" "$VAR/lib"
. deploy/compose/stack.sh
stack_engine
BENCH=${BENCH_CLIENT:-$(swift build -c release --show-bin-path)/hostwire-bench}
[ -x "$BENCH" ] || swift build -c release --product hostwire-bench >/dev/null
PROBE=$(dirname "$BENCH")/hostwire-bus-probe
[ -x "$PROBE" ] || swift build -c release --product hostwire-bus-probe >/dev/null
. deploy/compose/durable.sh

# The images' own binaries and runtime libraries, to run on the host.
for service in broker checkout provisioning dnsssl mail billing timer portal simulator; do
  id=$("$ENGINE" create "hostwire-$service:$TAG")
  "$ENGINE" cp "$id:/usr/local/bin/hostwire-$service" "$VAR/bin/"
  [ "$service" != broker ] || { "$ENGINE" cp "$id:/usr/lib/swift/linux/." "$VAR/lib/"; "$ENGINE" cp "$id:/usr/local/bin/hostwire" "$VAR/bin/"; }
  "$ENGINE" rm "$id" >/dev/null
done
cp "$PROBE" "$VAR/bin/"
BIN=$VAR/bin
export LD_LIBRARY_PATH=$VAR/lib HOSTWIRE_BIN_DIR=$VAR/bin HOSTWIRE_ORDER_RATE_LIMIT=0 HOSTWIRE_LOG_LEVEL=warning
# Invoice PDFs off on both sides: a browser per invoice would measure Chromium, not the platform.
sed 's/ HOSTWIRE_INVOICE_PDF_BROWSER=chromium//' deploy/local/services.conf > "$VAR/services.conf"
export HOSTWIRE_SERVICES=$VAR/services.conf
broker_env=(HOSTWIRE_BROKER_QUEUES=bench=tcp://0.0.0.0:5690 HOSTWIRE_BROKER_EVENTS_IN=tcp://0.0.0.0:5670
  HOSTWIRE_BROKER_EVENTS_OUT=tcp://0.0.0.0:5671 HOSTWIRE_BROKER_COMMANDS_IN=tcp://0.0.0.0:5672 HOSTWIRE_HTTP_PORT=8690)
broker_bench() { # the command that starts the broker…: messages/s through it
  "$@" >/dev/null 2>&1 &
  echo $! > "$VAR/broker.pid"
  for _ in $(seq 1 100); do curl -fsS http://127.0.0.1:8690/health >/dev/null 2>&1 && break; sleep 0.1; done
  "$BENCH" broker "$MESSAGES" tcp://127.0.0.1:5672 tcp://127.0.0.1:5690 | sed 's/^broker //'
}

# On the host.
HOST_BROKER=$(broker_bench env "${broker_env[@]}" "$VAR/bin/hostwire-broker")
kill "$(cat "$VAR/broker.pid")" 2>/dev/null || true
HOST_DURABLE=$(durable_host)
export HOSTWIRE_VAR=$VAR/host HOSTWIRE_PG_PORT=${BENCH_PG_PORT:-55534}
trap 'deploy/local/launch.sh stop >/dev/null 2>&1 || true' EXIT
started=$(date +%s.%N)
deploy/local/launch.sh background >/dev/null
HOST_UP=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
HOST_ORDERS=$(python3 deploy/orders_bench.py "$(sed -n 's/^HOSTWIRE_API_TOKENS=admin://p' "$HOSTWIRE_VAR/secrets.env")" "$ORDERS" "$RATE")
deploy/local/launch.sh stop >/dev/null

# In containers.
trap 'status=$?; durable_containers_down; stack_down "$status"; exit "$status"' EXIT
env_args=(); for pair in "${broker_env[@]}"; do env_args+=(-e "$pair"); done
CONTAINER_BROKER=$(broker_bench "$ENGINE" run --rm --name hostwire-bench-broker "${env_args[@]}" \
  -p 5672:5672 -p 5690:5690 -p 8690:8690 "hostwire-broker:$TAG" hostwire-broker)
"$ENGINE" rm -f hostwire-bench-broker >/dev/null 2>&1 || true
CONTAINER_DURABLE=$(durable_containers)
"$ENGINE" build -q $( [ "$ENGINE" = podman ] && echo --format docker ) -t "hostwire-sandbox-servers:$TAG" deploy/compose/sandbox >/dev/null
"$ENGINE" build -q $( [ "$ENGINE" = podman ] && echo --format docker ) -t "hostwire-proxy:$TAG" deploy/compose/proxy >/dev/null
stack_secrets
printf 'HOSTWIRE_LOG_LEVEL=warning\nHOSTWIRE_INVOICE_PDF_BROWSER=\n' >> "$ENV_FILE"
stack_up
CONTAINER_ORDERS=$(python3 deploy/orders_bench.py "$(sed -n "s/^HOSTWIRE_API_TOKENS='admin:\(.*\)'$/\1/p" "$ENV_FILE")" "$ORDERS" "$RATE")

cat <<REPORT
| $(date -u +%Y-%m-%d), the same release binaries | host processes | containers ($ENGINE) |
|---|---|---|
| broker alone, $MESSAGES messages | $HOST_BROKER | $CONTAINER_BROKER |
| durable end to end, $MESSAGES_DURABLE commands + $MESSAGES_DURABLE events (outbox → broker → inbox and effects; Postgres, broker and probes each a process / a container) | $HOST_DURABLE | $CONTAINER_DURABLE |
| $ORDERS orders at $RATE/s: placed; payment → account | $HOST_ORDERS | $CONTAINER_ORDERS |
| start to all ready | $HOST_UP s (launch.sh, one after another) | $UP_SECONDS s (docker-compose up) |
REPORT
