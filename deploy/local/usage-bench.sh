#!/usr/bin/env bash
# make usage-bench: the daily usage sync of ACCOUNTS accounts on SERVERS simulated servers
# (cPanel, Plesk and DirectAdmin in turn), release binaries: the broker, provisioning and the
# timer as `make run` starts them, the simulators over HTTP. The accounts are seeded on the
# panels and in provisioning at once (placing them would measure provisioning, not the sync);
# the timer's clock is moved a day on and the time is taken from the slot to the last day
# stored. Beside it, in the same run: the same sync of one server alone (the floor of a
# server's calls and its transaction). Prints a markdown block for docs/performance.md.
# env: SERVERS (default 20), ACCOUNTS (default 10000)
set -euo pipefail
cd "$(dirname "$0")/../.."
SERVERS=${SERVERS:-20} ACCOUNTS=${ACCOUNTS:-10000}
PER=$((ACCOUNTS / SERVERS))
swift build -c release --product hostwire-provisioning >/dev/null
for product in hostwire-broker hostwire-timer hostwire-simulator hostwire; do swift build -c release --product "$product" >/dev/null; done
export HOSTWIRE_BIN_DIR=$(swift build -c release --show-bin-path)
export HOSTWIRE_VAR=$PWD/var/usage-bench HOSTWIRE_PG_PORT=${BENCH_PG_PORT:-55538} HOSTWIRE_LOG_LEVEL=warning
rm -rf "$HOSTWIRE_VAR" && mkdir -p "$HOSTWIRE_VAR/logs"
grep -E '^(broker|provisioning|timer) ' deploy/local/services.conf > "$HOSTWIRE_VAR/services.conf"
export HOSTWIRE_SERVICES=$HOSTWIRE_VAR/services.conf HOSTWIRE_SERVER_HEALTH_INTERVAL_SECONDS=0
sims=()
cleanup() {
  for pid in "${sims[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  deploy/local/launch.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
deploy/local/launch.sh background >"$HOSTWIRE_VAR/launch.log" 2>&1
TOKEN=$(sed -n 's/^HOSTWIRE_API_TOKENS=admin://p' "$HOSTWIRE_VAR/secrets.env")
ADMIN="postgres://postgres@127.0.0.1:$HOSTWIRE_PG_PORT/postgres"
api() { curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"; }

# The launcher registers the sandbox's three panels, which this run does not start.
psql -qtA "$ADMIN" -c "DELETE FROM provisioning.servers WHERE server_group = 'default'" >/dev/null
kinds=(whm plesk directadmin) panels=(cpanel plesk directadmin)
for n in $(seq 1 "$SERVERS"); do
  kind=${kinds[$(((n - 1) % 3))]} panel=${panels[$(((n - 1) % 3))]} port=$((12300 + n))
  HOSTWIRE_SIMULATOR=$kind SIM_USER=admin SIM_SECRET=bench-key HOSTWIRE_HTTP_PORT=$port \
    "$HOSTWIRE_BIN_DIR/hostwire-simulator" >"$HOSTWIRE_VAR/logs/sim-$n.log" 2>&1 & sims+=($!); disown
  until curl -fsS "http://127.0.0.1:$port/__sim/stats" >/dev/null 2>&1; do sleep 0.1; done
  curl -fsS -X POST "http://127.0.0.1:$port/__sim/accounts/seed" -H 'Content-Type: application/json' \
    -d "{\"prefix\":\"s${n}u\",\"count\":$PER,\"disk_mb\":700}" >/dev/null
  api -o /dev/null -X POST http://127.0.0.1:8082/api/servers -d "{\"name\":\"bench$n\",\"panel\":\"$panel\",
    \"hostname\":\"bench$n.sandbox.test\",\"ip\":\"192.0.2.10\",\"api_url\":\"http://127.0.0.1:$port\",
    \"api_username\":\"admin\",\"api_secret\":\"bench-key\",\"server_group\":\"bench\",\"max_accounts\":$((PER + 1))}"
  psql -qtA "$ADMIN" -c "INSERT INTO provisioning.accounts (id, customer_name, contact_email, domain, plan, server_group,
      server_id, username, status, step, provisioned_at)
    SELECT gen_random_uuid(), 'Seeded', 's${n}u' || i || '@bench.example', 's${n}u' || i || '.example', 'default', 'bench',
      s.id, 's${n}u' || i, 'active', 'done', now()
    FROM generate_series(1, $PER) i, provisioning.servers s WHERE s.name = 'bench$n'" >/dev/null
done
stats() { # total calls on every simulator since the last clear
  local total=0
  for n in $(seq 1 "$SERVERS"); do
    total=$((total + $(curl -fsS "http://127.0.0.1:$((12300 + n))/__sim/stats" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))')))
  done
  echo "$total"
}
clear_stats() { for n in $(seq 1 "$SERVERS"); do curl -fsS -o /dev/null -X DELETE "http://127.0.0.1:$((12300 + n))/__sim/stats"; done; }
# One day's sync: the time from the slot to `expected` rows for that day, waited for inside Postgres.
sync_day() { # expected → seconds
  local t0 t1 last
  last=$(psql -qtA "$ADMIN" -c "SELECT coalesce(max(day), '1970-01-01') FROM provisioning.account_usage")
  t0=$(date +%s.%N)
  api -o /dev/null -X POST http://127.0.0.1:8086/api/timer/clock/advance -d '{"seconds":86400}'
  psql -qtA "$ADMIN" -c "DO \$\$ BEGIN
    WHILE (SELECT count(*) FROM provisioning.account_usage WHERE day > '$last') < $1 LOOP PERFORM pg_sleep(0.02); END LOOP; END \$\$"
  t1=$(date +%s.%N)
  printf '%.2f' "$(echo "$t1 - $t0" | bc)"
}
# The floor: one server alone (the others disabled for the day).
psql -qtA "$ADMIN" -c "UPDATE provisioning.servers SET status = 'disabled' WHERE name <> 'bench1'" >/dev/null
# The day's other work off: the nightly backups would share the panels and the timing.
api -o /dev/null -X PATCH http://127.0.0.1:8086/api/timer/schedules/account-backups -d '{"enabled":false}'
clear_stats
ONE=$(sync_day "$PER")
ONE_CALLS=$(stats)
psql -qtA "$ADMIN" -c "UPDATE provisioning.servers SET status = 'active'" >/dev/null
clear_stats
ALL=$(sync_day "$ACCOUNTS")
ALL_CALLS=$(stats)
per_kind() { # kind index → calls per server of that panel in the last sync
  curl -fsS "http://127.0.0.1:$((12300 + $1))/__sim/stats" | python3 -c 'import json,sys; print(sum(json.load(sys.stdin).values()))'
}
cat <<REPORT
| $(date -u +%Y-%m-%d), release build, $SERVERS servers × $PER accounts | time | panel calls |
|---|---|---|
| one server (cPanel) alone, $PER accounts | $ONE s | $ONE_CALLS |
| all $SERVERS servers at once, $ACCOUNTS accounts | $ALL s | $ALL_CALLS (cPanel $(per_kind 1), Plesk $(per_kind 2), DirectAdmin $(per_kind 3) a server) |
REPORT
