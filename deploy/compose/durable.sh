# The durable bus benchmark (deploy/local/bench.sh's, same probes and count) as host
# processes and in containers, for deploy/compose/bench.sh, which sources this file.
# probe_a writes MESSAGES commands and MESSAGES events to its outbox; the relay sends them
# through the broker to probe_b, which records each effect once. Measured from the first write
# to the last effect committed. In containers: Postgres, the broker and both probes each in
# their own, on one bridge network as docker-compose makes it (the probes run from the
# broker's release image with the probe binary and its migrations mounted).
# Needs: BIN (release binaries), VAR, ENGINE, TAG, MESSAGES_DURABLE.

durable_run() { # admin-url → end-to-end msg/s, waiting inside Postgres for the last effect
  local t0 t2
  t0=$(date +%s.%N)
  curl -fsS -X POST "http://127.0.0.1:8691/emit?from=0&count=$MESSAGES_DURABLE" >/dev/null
  psql -qtA "$1" -c "DO \$\$ BEGIN
    WHILE (SELECT count(*) FROM probe_b.effects) < $((2 * MESSAGES_DURABLE)) LOOP PERFORM pg_sleep(0.02); END LOOP; END \$\$"
  t2=$(date +%s.%N)
  echo "$(echo "2*$MESSAGES_DURABLE/($t2-$t0)" | bc) msg/s"
}

durable_ready() { for port in 8691 8692; do
  for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 && break; sleep 0.2; done
done; }

durable_host() {
  local pg=55536 pids=() admin
  admin="postgres://postgres@127.0.0.1:$pg/postgres"
  HOSTWIRE_VAR=$VAR/durable HOSTWIRE_PG_PORT=$pg deploy/local/postgres.sh start >/dev/null
  for role in probe_a probe_b; do deploy/postgres/bootstrap-role.sh "$admin" "$role"; done
  export HOSTWIRE_BROKER_QUEUES="bench=tcp://127.0.0.1:5690,probe_a=tcp://127.0.0.1:5691,probe_b=tcp://127.0.0.1:5692"
  HOSTWIRE_BROKER_EVENTS_IN=tcp://127.0.0.1:5670 HOSTWIRE_BROKER_EVENTS_OUT=tcp://127.0.0.1:5671 \
    HOSTWIRE_BROKER_COMMANDS_IN=tcp://127.0.0.1:5672 HOSTWIRE_HTTP_PORT=8690 \
    "$BIN/hostwire-broker" >"$VAR/durable-broker.log" 2>&1 & pids+=($!)
  for probe in probe_a:5691:8691 probe_b:5692:8692; do
    IFS=: read -r name queue http <<<"$probe"
    PROBE_NAME=$name HOSTWIRE_DATABASE_URL="postgres://$name@127.0.0.1:$pg/postgres" \
      HOSTWIRE_BUS_PUBLISH=tcp://127.0.0.1:5670 HOSTWIRE_BUS_SUBSCRIBE=tcp://127.0.0.1:5671 \
      HOSTWIRE_BUS_COMMANDS=tcp://127.0.0.1:5672 HOSTWIRE_BUS_QUEUE=tcp://127.0.0.1:$queue \
      HOSTWIRE_MIGRATIONS=Tests/Fixtures/BusProbe/migrations/$name HOSTWIRE_HTTP_PORT=$http PROBE_TASKS=0 \
      "$BIN/hostwire-bus-probe" >"$VAR/durable-$name.log" 2>&1 & pids+=($!)
  done
  unset HOSTWIRE_BROKER_QUEUES
  durable_ready
  sleep 3
  durable_run "$admin"
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  HOSTWIRE_VAR=$VAR/durable HOSTWIRE_PG_PORT=$pg deploy/local/postgres.sh stop >/dev/null
}

durable_containers() {
  local net=hostwire-bench-durable pg=55537 password=bench-only admin
  admin="postgres://postgres:$password@127.0.0.1:$pg/postgres"
  durable_containers_down
  "$ENGINE" network create "$net" >/dev/null
  "$ENGINE" run -d --name hwb-pg --network "$net" -e POSTGRES_PASSWORD="$password" -p "$pg:5432" postgres:15 >/dev/null
  for _ in $(seq 1 150); do psql -qtA "$admin" -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
  for role in probe_a probe_b; do deploy/postgres/bootstrap-role.sh "$admin" "$role" "$password"; done
  "$ENGINE" run -d --name hwb-broker --network "$net" \
    -e HOSTWIRE_BROKER_QUEUES="bench=tcp://0.0.0.0:5690,probe_a=tcp://0.0.0.0:5691,probe_b=tcp://0.0.0.0:5692" \
    -e HOSTWIRE_BROKER_EVENTS_IN=tcp://0.0.0.0:5670 -e HOSTWIRE_BROKER_EVENTS_OUT=tcp://0.0.0.0:5671 \
    -e HOSTWIRE_BROKER_COMMANDS_IN=tcp://0.0.0.0:5672 -e HOSTWIRE_HTTP_PORT=8690 \
    "hostwire-broker:$TAG" hostwire-broker >/dev/null
  for probe in probe_a:5691:8691 probe_b:5692:8692; do
    IFS=: read -r name queue http <<<"$probe"
    "$ENGINE" run -d --name "hwb-$name" --network "$net" -p "$http:$http" \
      -v "$BIN/hostwire-bus-probe:/usr/local/bin/hostwire-bus-probe:ro" \
      -v "$PWD/Tests/Fixtures/BusProbe/migrations/$name:/probe-migrations:ro" \
      -e PROBE_NAME="$name" -e HOSTWIRE_DATABASE_URL="postgres://$name:$password@hwb-pg:5432/postgres" \
      -e HOSTWIRE_BUS_PUBLISH=tcp://hwb-broker:5670 -e HOSTWIRE_BUS_SUBSCRIBE=tcp://hwb-broker:5671 \
      -e HOSTWIRE_BUS_COMMANDS=tcp://hwb-broker:5672 -e HOSTWIRE_BUS_QUEUE="tcp://hwb-broker:$queue" \
      -e HOSTWIRE_MIGRATIONS=/probe-migrations -e HOSTWIRE_HTTP_PORT="$http" -e PROBE_TASKS=0 \
      "hostwire-broker:$TAG" hostwire-bus-probe >/dev/null
  done
  durable_ready
  sleep 3
  durable_run "$admin"
  durable_containers_down
}

durable_containers_down() {
  "$ENGINE" rm -f hwb-probe_a hwb-probe_b hwb-broker hwb-pg >/dev/null 2>&1 || true
  "$ENGINE" network rm hostwire-bench-durable >/dev/null 2>&1 || true
}
