#!/usr/bin/env bash
# Release-mode benchmarks of the bus, each beside the machine's own baselines taken in the
# same run: pgbench TPC-B for Postgres, raw libzmq PUSH/PULL for ZeroMQ.
# Prints a markdown block for docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
# Load runs place thousands of orders from one address: checkout's per-address limit is off.
export HOSTWIRE_ORDER_RATE_LIMIT=0
MESSAGES=${BENCH_MESSAGES:-20000}
export HOSTWIRE_VAR=$PWD/var/bench HOSTWIRE_PG_PORT=${BENCH_PG_PORT:-55532}
swift build -c release >/dev/null
BIN=$(swift build -c release --show-bin-path)
rm -rf "$HOSTWIRE_VAR"; mkdir -p "$HOSTWIRE_VAR/logs"
deploy/local/postgres.sh start >/dev/null
ADMIN="postgres://postgres@127.0.0.1:$HOSTWIRE_PG_PORT/postgres"
pids=()
# Waits for each process to be gone: a probe still shutting down would hold its ports and
# answer the next run's readiness check.
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; deploy/local/postgres.sh stop; }
trap cleanup EXIT

# Baseline 1: pgbench TPC-B, 4 clients, 15 s.
pgbench -q -i -s 10 "$ADMIN" >/dev/null 2>&1
TPCB=$(pgbench -c 4 -j 2 -T 15 "$ADMIN" 2>/dev/null | awk '/^tps/ {print int($3); exit}')

# Baseline 2: raw libzmq PUSH->PULL, and the same through the broker.
RAW=$("$BIN/hostwire-bench" zmq 2000000)
LOOP=$("$BIN/hostwire-bench" loop 2000000)
CODEC=$("$BIN/hostwire-bench" codec 200000)
# The floor under every order: an HTTP exchange, a PostgresNIO round trip, a durable commit.
HTTP=$("$BIN/hostwire-bench" http 20000)
READ=$("$BIN/hostwire-bench" read 40000 "$ADMIN")
COMMIT=$("$BIN/hostwire-bench" commit 20000 "$ADMIN")
export HOSTWIRE_BROKER_QUEUES="bench=tcp://127.0.0.1:5690,probe_a=tcp://127.0.0.1:5691,probe_b=tcp://127.0.0.1:5692"
export HOSTWIRE_BROKER_EVENTS_IN=tcp://127.0.0.1:5670 HOSTWIRE_BROKER_EVENTS_OUT=tcp://127.0.0.1:5671 HOSTWIRE_BROKER_COMMANDS_IN=tcp://127.0.0.1:5672
HOSTWIRE_HTTP_PORT=8690 "$BIN/hostwire-broker" >"$HOSTWIRE_VAR/logs/broker.log" 2>&1 & pids+=($!)
sleep 1
BROKER=$("$BIN/hostwire-bench" broker 2000000 tcp://127.0.0.1:5672 tcp://127.0.0.1:5690)

# Durable: probe_a's outbox -> broker -> probe_b's inbox and effects, commands and events.
for role in probe_a probe_b; do deploy/postgres/bootstrap-role.sh "$ADMIN" "$role"; done
start_probe() { # name queue-port http-port
  PROBE_NAME=$1 HOSTWIRE_DATABASE_URL="postgres://$1@127.0.0.1:$HOSTWIRE_PG_PORT/postgres" \
  HOSTWIRE_BUS_PUBLISH=tcp://127.0.0.1:5670 HOSTWIRE_BUS_SUBSCRIBE=tcp://127.0.0.1:5671 \
  HOSTWIRE_BUS_COMMANDS=tcp://127.0.0.1:5672 HOSTWIRE_BUS_QUEUE=tcp://127.0.0.1:$2 \
  HOSTWIRE_MIGRATIONS=Tests/Fixtures/BusProbe/migrations/$1 HOSTWIRE_HTTP_PORT=$3 PROBE_TASKS=${PROBE_TASKS:-0} \
  "$BIN/hostwire-bus-probe" >"$HOSTWIRE_VAR/logs/$1.log" 2>&1 & pids+=($!)
  until curl -fsS "http://127.0.0.1:$3/ready" >/dev/null 2>&1; do sleep 0.2; done
}
start_probe probe_a 5691 8691
start_probe probe_b 5692 8692
sleep 5
# Resident memory of the idle services: all of it (RSS) and what is theirs alone (USS),
# since RSS also counts the shared Swift and Foundation libraries every process maps.
memory() { for p in "$@"; do awk -v p="$p" '/^Rss/ {r=$2} /^Private_(Clean|Dirty)/ {u+=$2} END {printf "%d/%d ", r/1024, u/1024}' "/proc/$p/smaps_rollup"; done; }
RSS=$(memory "${pids[1]}" "${pids[2]}")
BROKER_RSS=$(memory "${pids[0]}")
t0=$(date +%s.%N)
curl -fsS -X POST "http://127.0.0.1:8691/emit?from=0&count=$MESSAGES" >/dev/null
t1=$(date +%s.%N)
# Waited for inside Postgres: a psql started every 100 ms took 7% of the CPU being measured.
psql -qtA "$ADMIN" -c "DO \$\$ BEGIN
  WHILE (SELECT count(*) FROM probe_b.effects) < $((2 * MESSAGES)) LOOP PERFORM pg_sleep(0.02); END LOOP; END \$\$"
t2=$(date +%s.%N)

cat <<REPORT
| figure | value |
|---|---|
| pgbench TPC-B, 4 clients, scale 10 | $TPCB tps |
| raw libzmq PUSH→PULL, tcp loopback, 200 B | ${RAW##*: } |
| through the broker (PUSH→PULL→queue PUSH→PULL), 200 B | ${BROKER##*: } |
| PUSH→PULL through Hostwire's MessageLoop (I/O thread + async bridge), 200 B | ${LOOP##*: } |
| envelopes written / read (header and typed payload), one core | ${CODEC#*: } |
| HTTP exchange, AsyncHTTPClient → empty Hummingbird route (two processes, 16 at a time) | ${HTTP#*: } |
| PostgresNIO round trip, prepared one-value select (16 at a time) | ${READ#*: } |
| durable commit of a one-row insert through PostgresNIO (16 at a time) | ${COMMIT#*: } |
| outbox writes ($MESSAGES commands + $MESSAGES events, 500 per transaction) | $(echo "2*$MESSAGES/($t1-$t0)" | bc) msg/s |
| durable end to end (outbox→broker→inbox with effects committed), from first write to last effect | $(echo "2*$MESSAGES/($t2-$t0)" | bc) msg/s |
| durable drain after the writes finished | $(echo "$t2-$t1" | bc) s |
| resident memory RSS/USS, idle probe_a and probe_b (services with Postgres, bus, HTTP) | $RSS MB |
| resident memory RSS/USS, broker after the transport runs above | $BROKER_RSS MB |
REPORT
