#!/usr/bin/env bash
# Places an order on the running sandbox (`make up`) and pays it as a customer would,
# through the Stripe simulator, then waits for the hosting account.
# usage: deploy/local/sandbox-order.sh DOMAIN [PRODUCT_SLUG] [EMAIL]
set -euo pipefail
cd "$(dirname "$0")/../.."
DOMAIN=${1:?usage: $0 DOMAIN [PRODUCT_SLUG] [EMAIL]}
SLUG=${2:-starter}
EMAIL=${3:-owner@$DOMAIN}
VAR=${HOSTWIRE_VAR:-$PWD/var}
set -a; . "$VAR/secrets.env"; set +a
TOKEN=${HOSTWIRE_API_TOKENS#admin:}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

PRODUCT=$(curl -fsS http://127.0.0.1:8081/api/catalog/products | python3 -c "
import json,sys; print(next(p['id'] for p in json.load(sys.stdin) if p['slug']=='$SLUG'))")
ORDER=$(curl -sS -X POST http://127.0.0.1:8081/api/orders -H 'Content-Type: application/json' -d "{
  \"customer\": {\"email\": \"$EMAIL\", \"name\": \"Sandbox Customer\"},
  \"product_id\": \"$PRODUCT\", \"billing_cycle\": \"monthly\", \"currency\": \"USD\", \"domain\": \"$DOMAIN\"}")
echo "order:   $ORDER"
INTENT=$(echo "$ORDER" | json "['payment']['payment_intent']")
DOMAIN=$(echo "$ORDER" | json "['domain']") # as stored: lower case, IDN as xn--
curl -fsS -o /dev/null -X POST "http://127.0.0.1:12111/__sim/payment_intents/$INTENT/pay"
echo "paid:    $INTENT"
for _ in $(seq 1 100); do
  ACCOUNT=$(curl -fsS "http://127.0.0.1:8082/api/accounts?status=active" -H "Authorization: Bearer $TOKEN" |
    python3 -c "import json,sys; print(next((json.dumps(a) for a in json.load(sys.stdin) if a['domain']=='$DOMAIN'), ''))")
  if [ -n "$ACCOUNT" ]; then echo "account: $ACCOUNT"; exit 0; fi
  sleep 0.2
done
echo "no account yet; see GET /api/provisioning/tasks" >&2; exit 1
