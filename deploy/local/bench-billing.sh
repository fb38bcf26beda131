#!/usr/bin/env bash
# One daily billing run over SUBSCRIPTIONS active subscriptions of which DUE come due within
# the invoicing lead time (release build): `make bench-billing`. Reports the run's time
# (invoices, lines and outbox rows, one transaction) and the time until the relay has
# published every resulting event.
# env: SUBSCRIPTIONS (default 100000), DUE (default 25000).
set -euo pipefail
cd "$(dirname "$0")/../.."
SUBSCRIPTIONS=${SUBSCRIPTIONS:-100000} DUE=${DUE:-25000}
swift build -c release --product hostwire-billing >/dev/null
swift build -c release --product hostwire-broker >/dev/null
swift build -c release --product hostwire-simulator >/dev/null
export HOSTWIRE_BIN_DIR=$(swift build -c release --show-bin-path)
export HOSTWIRE_VAR=$PWD/var/bench-billing HOSTWIRE_PG_PORT=${BENCH_PG_PORT:-55534} HOSTWIRE_LOG_LEVEL=warning
export HOSTWIRE_SERVICES=deploy/local/stage-billing.conf
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
FROM generate_series(1, $SUBSCRIPTIONS) AS n;
INSERT INTO billing.subscriptions (id, order_id, customer_id, product_id, product_name, domain, cycle, cycle_months,
                                   amount, currency, started_on, next_due)
SELECT gen_random_uuid(), gen_random_uuid(), ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
       '00000000-0000-4000-8000-000000000001', 'Starter Hosting', 'site' || n || '.bench.example', 'monthly', 1, 999, 'USD',
       (due - interval '1 month')::date, due
FROM (SELECT n, CASE WHEN n <= $DUE THEN '$today'::date + 1 + n % 7 ELSE '$today'::date + 8 + n % 20 END AS due
      FROM generate_series(1, $SUBSCRIPTIONS) AS n) AS s;
ANALYZE billing.subscriptions; ANALYZE billing.customers;
SQL
token=${HOSTWIRE_API_TOKENS#admin:}
echo "## billing run: $SUBSCRIPTIONS active subscriptions, $DUE due within 7 days"
start=$(date +%s.%N)
curl -fsS -X POST http://127.0.0.1:8085/api/billing/runs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"date\":\"$today\",\"kind\":\"invoicing\"}"
echo
ran=$(date +%s.%N)
while [ "$(psql -Atc "SELECT count(*) FROM billing.outbox WHERE sent_at IS NULL")" != 0 ]; do sleep 0.1; done
drained=$(date +%s.%N)
echo "run (invoices + lines + outbox rows): $(echo "$ran - $start" | bc) s"
echo "events published by the relay:       $(echo "$drained - $ran" | bc) s after the run"
psql -Atc "SELECT 'invoices: ' || count(*) || ', numbers ' || min(number) || ' to ' || max(number) FROM billing.invoices"
