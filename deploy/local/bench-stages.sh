#!/usr/bin/env bash
# Each stage alone at 1 and 2 instances of its service, then the whole chain, on release
# builds: `make bench-stages`. Every run starts from a fresh private Postgres.
# env: STAGES (default "bus checkout provisioning dnsssl mail billing orders all"), INSTANCES (default "1 2"),
#      DURATION (s, default 15), RATE_<stage> (items/s offered, defaults below), BENCH_PG_PORT,
#      CONFIGURATION (default release; debug for a quick check of the script itself).
set -euo pipefail
cd "$(dirname "$0")/../.."
# Load runs place thousands of orders from one address: checkout's per-address limit is off.
export HOSTWIRE_ORDER_RATE_LIMIT=0
STAGES=${STAGES:-bus checkout provisioning dnsssl mail billing orders all} DURATION=${DURATION:-15}
declare -A RATE=([bus]=${RATE_bus:-50000} [checkout]=${RATE_checkout:-150} [provisioning]=${RATE_provisioning:-60}
                 [dnsssl]=${RATE_dnsssl:-10} [mail]=${RATE_mail:-150} [billing]=${RATE_billing:-300}
                 [orders]=${RATE_orders:-60} [all]=${RATE_all:-20})
swift build -c "${CONFIGURATION:-release}" >/dev/null
export HOSTWIRE_BIN_DIR=$(swift build -c "${CONFIGURATION:-release}" --show-bin-path)
export HOSTWIRE_VAR=$PWD/var/bench-stages HOSTWIRE_PG_PORT=${BENCH_PG_PORT:-55534} HOSTWIRE_LOG_LEVEL=warning
CONF=$(mktemp)
trap 'deploy/local/launch.sh stop >/dev/null 2>&1 || true; rm -f "$CONF"' EXIT

# The stage's process list with `instances` copies of each of `services` (name@2 on its port + 100, …).
stage_conf() { # stage "services" instances
  local base=deploy/local/stage-$1.conf
  [ "$1" = all ] && base=deploy/local/services.conf
  awk -v services=" $2 " -v n="$3" '
    FNR == NR { port[$1] = $2; next }
    $3 == "-" { $3 = port[$1] }
    index(services, " " $1 " ") { name = $1; print; for (k = 2; k <= n; k++) { $1 = name "@" k; $3 = $3 + 100 * (k - 1); print }; next }
    { print }' <(deploy/topology.sh http-ports) "$base" > "$CONF"
}

run() { # stage instances
  local stage=$1 service=$1 n=$2 extra=()
  local checkouts; checkouts=$(seq -s, -f 'http://127.0.0.1:%g' 8081 100 $((8081 + 100 * (n - 1))))
  case "$stage" in
    bus) service=none; extra=(--consumers "$n") ;;
    checkout) extra=(--checkout "$checkouts") ;;
    orders) service="checkout provisioning"; extra=(--checkout "$checkouts") ;;
    all) service="checkout provisioning dnsssl mail billing"; extra=(--checkout "$checkouts") ;;
  esac
  rm -rf "$HOSTWIRE_VAR"
  stage_conf "$stage" "$service" "$n"
  HOSTWIRE_SERVICES=$CONF deploy/local/launch.sh background >/dev/null
  set -a; . "$HOSTWIRE_VAR/secrets.env"; set +a
  echo "## $stage, $n instance(s) of ${service/none/the consumer}, ${RATE[$stage]}/s for $DURATION s"
  "$HOSTWIRE_BIN_DIR/hostwire-load" --stage "$stage" --rate "${RATE[$stage]}" --duration "$DURATION" "${extra[@]}" 2>/dev/null | tail -n +2
  deploy/local/launch.sh stop >/dev/null
}

for stage in $STAGES; do
  for n in ${INSTANCES:-1 2}; do run "$stage" "$n"; done
done
