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

# Durable: probe_a's outbox -> broker -> probe_b's inbox and effects, commands and events;
# once on a clear, unchecked bus and once with CURVE and identities (every service's default),
# each on fresh schemas, so the cost of encryption and the broker's checks is read in one run.
# Z85 keys may hold glob characters: read line by line, never word-split.
mapfile -t SERVER < <("$BIN/hostwire-broker" keypair)
mapfile -t PA < <("$BIN/hostwire-broker" keypair)
mapfile -t PB < <("$BIN/hostwire-broker" keypair)
start_probe() { # name queue-port http-port secret-key|""
  local curve=()
  [ -z "$4" ] || curve=(HOSTWIRE_BUS_SERVER_KEY="${SERVER[0]}" HOSTWIRE_BUS_SECRET_KEY="$4")
  env "${curve[@]}" PROBE_NAME=$1 HOSTWIRE_DATABASE_URL="postgres://$1@127.0.0.1:$HOSTWIRE_PG_PORT/postgres" \
  HOSTWIRE_BUS_PUBLISH=tcp://127.0.0.1:5670 HOSTWIRE_BUS_SUBSCRIBE=tcp://127.0.0.1:5671 \
  HOSTWIRE_BUS_COMMANDS=tcp://127.0.0.1:5672 HOSTWIRE_BUS_QUEUE=tcp://127.0.0.1:$2 \
  HOSTWIRE_MIGRATIONS=Tests/Fixtures/BusProbe/migrations/$1 HOSTWIRE_HTTP_PORT=$3 PROBE_TASKS=${PROBE_TASKS:-0} \
  "$BIN/hostwire-bus-probe" >"$HOSTWIRE_VAR/logs/$1-$MODE.log" 2>&1 & pids+=($!)
  until curl -fsS "http://127.0.0.1:$3/ready" >/dev/null 2>&1; do sleep 0.2; done
}
# Resident memory of the idle services: all of it (RSS) and what is theirs alone (USS),
# since RSS also counts the shared Swift and Foundation libraries every process maps.
memory() { for p in "$@"; do awk -v p="$p" '/^Rss/ {r=$2} /^Private_(Clean|Dirty)/ {u+=$2} END {printf "%d/%d ", r/1024, u/1024}' "/proc/$p/smaps_rollup"; done; }
durable() { # clear|curve: sets WRITES, END_TO_END, DRAIN, RSS
  MODE=$1
  local first=${#pids[@]}
  psql -qtA "$ADMIN" -c "DROP SCHEMA IF EXISTS probe_a CASCADE; DROP SCHEMA IF EXISTS probe_b CASCADE" >/dev/null 2>&1
  for role in probe_a probe_b; do deploy/postgres/bootstrap-role.sh "$ADMIN" "$role"; done
  if [ "$MODE" = curve ]; then
    HOSTWIRE_BUS_SERVER_SECRET_KEY="${SERVER[1]}" HOSTWIRE_BUS_IDENTITIES="probe_a=${PA[0]},probe_b=${PB[0]}" \
    HOSTWIRE_BUS_COMMAND_ROUTES="probe_a:probe_b,probe_b:probe_a" HOSTWIRE_HTTP_PORT=8693 \
      "$BIN/hostwire-broker" >"$HOSTWIRE_VAR/logs/broker-curve.log" 2>&1 & pids+=($!)
    sleep 1
    start_probe probe_a 5691 8691 "${PA[1]}"; start_probe probe_b 5692 8692 "${PB[1]}"
  else
    start_probe probe_a 5691 8691 ""; start_probe probe_b 5692 8692 ""
  fi
  sleep 5
  RSS=$(memory "${pids[$first]}" "${pids[$((first + 1))]}")
  local t0 t1 t2
  t0=$(date +%s.%N)
  curl -fsS -X POST "http://127.0.0.1:8691/emit?from=0&count=$MESSAGES" >/dev/null
  t1=$(date +%s.%N)
  # Waited for inside Postgres: a psql started every 100 ms took 7% of the CPU being measured.
  psql -qtA "$ADMIN" -c "DO \$\$ BEGIN
    WHILE (SELECT count(*) FROM probe_b.effects) < $((2 * MESSAGES)) LOOP PERFORM pg_sleep(0.02); END LOOP; END \$\$"
  t2=$(date +%s.%N)
  WRITES=$(echo "2*$MESSAGES/($t1-$t0)" | bc) END_TO_END=$(echo "2*$MESSAGES/($t2-$t0)" | bc) DRAIN=$(echo "$t2-$t1" | bc)
  for p in "${pids[@]:$first}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
durable clear; CLEAR=("$WRITES" "$END_TO_END" "$DRAIN" "$RSS")
BROKER_RSS=$(memory "${pids[0]}")
kill -9 "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
durable curve; CURVE=("$WRITES" "$END_TO_END" "$DRAIN" "$RSS")

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
| outbox writes ($MESSAGES commands + $MESSAGES events, 500 per transaction), clear bus | ${CLEAR[0]} msg/s |
| durable end to end (outbox→broker→inbox with effects committed), from first write to last effect, clear bus | ${CLEAR[1]} msg/s |
| durable drain after the writes finished, clear bus | ${CLEAR[2]} s |
| the same three with CURVE and identities (writes, end to end, drain) | ${CURVE[0]} msg/s, ${CURVE[1]} msg/s, ${CURVE[2]} s |
| resident memory RSS/USS, idle probe_a and probe_b (services with Postgres, bus, HTTP) | ${CLEAR[3]} MB |
| resident memory RSS/USS, broker after the transport runs above | $BROKER_RSS MB |
REPORT
