#!/usr/bin/env bash
# Time from account.provisioned to certificate.issued against local PowerDNS and Pebble,
# p50/p99 over ORDERS domains (release build, the whole sandbox): `make bench-dnsssl`.
# env: ORDERS (default 50), RATE (orders/s, default 5).
set -euo pipefail
cd "$(dirname "$0")/../.."
ORDERS=${ORDERS:-50} RATE=${RATE:-5}
swift build -c release >/dev/null
export HOSTWIRE_BIN_DIR=$(swift build -c release --show-bin-path)
export HOSTWIRE_VAR=$PWD/var/bench-dnsssl HOSTWIRE_PG_PORT=${BENCH_PG_PORT:-55535} HOSTWIRE_LOG_LEVEL=warning
trap 'deploy/local/launch.sh stop >/dev/null 2>&1 || true' EXIT
rm -rf "$HOSTWIRE_VAR"
deploy/local/launch.sh background >/dev/null
set -a; . "$HOSTWIRE_VAR/secrets.env"; set +a
psql() { command psql -X -q -At -v ON_ERROR_STOP=1 "postgres://postgres@127.0.0.1:$HOSTWIRE_PG_PORT/postgres" "$@"; }
"$HOSTWIRE_BIN_DIR/hostwire-load" --all --rate "$RATE" --duration $((ORDERS / RATE)) 2>/dev/null | tail -2
for _ in $(seq 1 300); do
  [ "$(psql -c "SELECT count(*) FROM dnsssl.certificates WHERE status = 'issued'")" -ge "$ORDERS" ] && break
  sleep 1
done
echo "## account.provisioned → certificate.issued, $ORDERS domains at $RATE orders/s"
psql <<'SQL'
WITH provisioned AS (
  SELECT (payload::jsonb ->> 'account_id')::uuid AS account, occurred_at FROM provisioning.outbox WHERE type = 'account.provisioned'
), issued AS (
  SELECT (payload::jsonb ->> 'account_id')::uuid AS account, occurred_at FROM dnsssl.outbox WHERE type = 'certificate.issued'
), latency AS (
  SELECT extract(epoch FROM i.occurred_at - p.occurred_at) * 1000 AS ms FROM provisioned p JOIN issued i USING (account)
)
SELECT 'issued ' || count(*) || ', p50 ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)) || ' ms, p99 '
       || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)) || ' ms, max ' || round(max(ms)) || ' ms' FROM latency;
SQL
