#!/usr/bin/env bash
# One daily billing run over SUBSCRIPTIONS active subscriptions of CUSTOMERS customers, DUE of
# them within the invoicing lead time, each customer's due services on one day (release build):
# `make bench-billing`. Reports the time until every invoice is committed (the run's batches:
# invoices, lines, outbox rows) and until the relay has published every resulting event, then
# checks that every due subscription was invoiced exactly once and no invoice number skipped.
# KILLS=n kills billing -9 n times during the run (KILL_EVERY seconds apart), restarts it and
# asks for the run again: it carries on where the committed batches stopped.
# env: SUBSCRIPTIONS (default 100000), DUE (default 25000), CUSTOMERS (default SUBSCRIPTIONS/10),
#      KILLS (default 0), KILL_EVERY (default 4), BATCH (billing's batch size, default its own).
set -euo pipefail
cd "$(dirname "$0")/../.."
SUBSCRIPTIONS=${SUBSCRIPTIONS:-100000} DUE=${DUE:-25000} KILLS=${KILLS:-0} KILL_EVERY=${KILL_EVERY:-4}
CUSTOMERS=${CUSTOMERS:-$((SUBSCRIPTIONS / 10))}
swift build -c release --product hostwire-billing >/dev/null
swift build -c release --product hostwire-broker >/dev/null
swift build -c release --product hostwire-simulator >/dev/null
export HOSTWIRE_BIN_DIR=$(swift build -c release --show-bin-path)
export HOSTWIRE_VAR=$PWD/var/bench-billing HOSTWIRE_PG_PORT=${BENCH_PG_PORT:-55534} HOSTWIRE_LOG_LEVEL=warning
export HOSTWIRE_SERVICES=deploy/local/stage-billing.conf
[ -z "${BATCH:-}" ] || export HOSTWIRE_BILLING_BATCH_SIZE=$BATCH
trap 'deploy/local/launch.sh stop >/dev/null 2>&1 || true' EXIT
rm -rf "$HOSTWIRE_VAR"
deploy/local/launch.sh background >/dev/null
set -a; . "$HOSTWIRE_VAR/secrets.env"; set +a
psql() { command psql -X -q -v ON_ERROR_STOP=1 "postgres://postgres@127.0.0.1:$HOSTWIRE_PG_PORT/postgres" "$@"; }
today=$(date -u +%F)
psql <<SQL
INSERT INTO billing.customers (id, email, name, payment_customer, payment_method)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'c' || n || '@bench.example', 'Customer ' || n,
       'cus_bench' || n, 'pm_card_visa'
FROM generate_series(1, $CUSTOMERS) AS n;
INSERT INTO billing.subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle, cycle_months,
                                   amount, currency, started_on, next_due)
SELECT gen_random_uuid(), gen_random_uuid(), ('00000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid,
       '00000000-0000-4000-8000-000000000001', 'Starter Hosting', 'site' || n || '.bench.example', 'monthly', 1, 999, 'USD',
       (due - interval '1 month')::date, due
FROM (SELECT n, c, CASE WHEN n <= $DUE THEN '$today'::date + 1 + c % 7 ELSE '$today'::date + 8 + n % 20 END AS due
      FROM (SELECT n, 1 + (n - 1) % $CUSTOMERS AS c FROM generate_series(1, $SUBSCRIPTIONS) AS n) AS numbered) AS s;
ANALYZE billing.subscriptions; ANALYZE billing.customers;
SQL
token=${HOSTWIRE_API_TOKENS#admin:}
run() {
  curl -sS -o "$HOSTWIRE_VAR/run.json" -w '%{http_code}' -X POST http://127.0.0.1:8085/api/billing/runs \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"date\":\"$today\",\"kind\":\"invoicing\"}" || true
}
echo "## billing run: $SUBSCRIPTIONS active subscriptions of $CUSTOMERS customers, $DUE due within 7 days, $KILLS kill -9"
start=$(date +%s.%N)
for kill in $(seq 1 "$KILLS"); do
  run > "$HOSTWIRE_VAR/run.status" &
  asked=$!
  sleep "$KILL_EVERY"
  kill -9 "$(cat "$HOSTWIRE_VAR/run/billing.pid")"
  wait "$asked" || true
  echo "kill -9 $kill after ${KILL_EVERY} s: $(psql -Atc "SELECT count(*) FROM billing.invoice_lines WHERE period_start IS NOT NULL AND period_start > '$today'") subscriptions invoiced so far"
  deploy/local/launch.sh restart billing >/dev/null
done
status=$(run)
ran=$(date +%s.%N)
echo "answer $status: $(cat "$HOSTWIRE_VAR/run.json")"
while [ "$(psql -Atc "SELECT count(*) FROM billing.outbox WHERE sent_at IS NULL")" != 0 ]; do sleep 0.1; done
drained=$(date +%s.%N)
echo "invoices committed (all batches$([ "$KILLS" = 0 ] || echo ", restarts included")): $(echo "$ran - $start" | bc) s"
echo "events published by the relay:       $(echo "$drained - $ran" | bc) s after the last batch"
psql -At <<SQL
SELECT 'invoices: ' || count(*) || ', numbers ' || min(number) || ' to ' || max(number)
       || CASE WHEN max(number) = 'INV-' || lpad(count(*)::text, 6, '0') THEN ' (no gap)' ELSE ' (GAP)' END
FROM billing.invoices;
SELECT 'due subscriptions invoiced: ' || count(DISTINCT subscription_id) || ' in ' || count(*) || ' lines (expected $DUE)'
FROM billing.invoice_lines WHERE period_start IS NOT NULL;
SELECT 'subscriptions moved on once: ' || count(*) FILTER (WHERE periods = 2) || ', twice: ' || count(*) FILTER (WHERE periods > 2)
FROM billing.subscriptions;
SELECT 'events: ' || count(*) || ' invoice.created' FROM billing.outbox WHERE type = 'invoice.created';
SELECT 'runs: ' || string_agg(id || ' ' || CASE WHEN finished_at IS NULL THEN 'interrupted' ELSE 'finished' END
       || ' (' || batches || ' batches, ' || subscriptions_invoiced || ' subscriptions)', '; ' ORDER BY id) FROM billing.runs;
SQL
