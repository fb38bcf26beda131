#!/usr/bin/env bash
# Starts Postgres (a private cluster unless HOSTWIRE_ADMIN_URL points elsewhere), the broker,
# the sandbox simulators and every service listed in deploy/local/services.conf, then
# registers the simulated panels as servers. HOSTWIRE_SERVICES names another list of
# processes (deploy/local/stage-*.conf start one stage alone, for load tests).
# usage: deploy/local/launch.sh foreground|background|stop
set -euo pipefail
cd "$(dirname "$0")/../.."
VAR=${HOSTWIRE_VAR:-$PWD/var}
PORT=${HOSTWIRE_PG_PORT:-55432}
RUN=$VAR/run
mkdir -p "$RUN" "$VAR/logs"
BIN=${HOSTWIRE_BIN_DIR:-$(swift build --show-bin-path)}

stop_all() {
  for pidfile in "$RUN"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  [ -n "${HOSTWIRE_ADMIN_URL:-}" ] || deploy/local/postgres.sh stop
}

wait_ready() { # name port
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$2/ready" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null || { echo "$1 exited; see $VAR/logs/$1.log" >&2; return 1; }
    sleep 0.2
  done
  echo "$1 not ready; see $VAR/logs/$1.log" >&2; return 1
}

# Secrets for the local sandbox, made once: API tokens, the credential key ring, the
# Stripe webhook secret and the mail service's key pair for sealed passwords.
ensure_secrets() {
  local file=$VAR/secrets.env
  if [ ! -f "$file" ]; then
    local key; key=$(mktemp)
    openssl genpkey -algorithm X25519 -out "$key" 2>/dev/null
    cat > "$file" <<SECRETS
HOSTWIRE_API_TOKENS=admin:$(openssl rand -hex 20)
HOSTWIRE_CREDENTIAL_KEYS=k1=$(openssl rand -base64 32)
HOSTWIRE_STRIPE_WEBHOOK_SECRET=whsec_$(openssl rand -hex 16)
HOSTWIRE_MAIL_SEAL_PUBLIC_KEY=$(openssl pkey -in "$key" -pubout -outform DER | tail -c 32 | base64)
HOSTWIRE_MAIL_SEAL_PRIVATE_KEY=$(openssl pkey -in "$key" -outform DER | tail -c 32 | base64)
SECRETS
    rm -f "$key"
    chmod 600 "$file"
  fi
  set -a; . "$file"; set +a
  export SIM_WEBHOOK_SECRET=$HOSTWIRE_STRIPE_WEBHOOK_SECRET
  # The simulator signs every endpoint's webhooks with one secret; real Stripe gives each its own.
  export HOSTWIRE_BILLING_WEBHOOK_SECRET=${HOSTWIRE_BILLING_WEBHOOK_SECRET:-$HOSTWIRE_STRIPE_WEBHOOK_SECRET}
}

# The simulated panels as servers of group `default` (an existing one is left as it is).
register_servers() {
  local token=${HOSTWIRE_API_TOKENS#admin:}
  while read -r name panel port user secret; do
    curl -fsS -o /dev/null -X POST "http://127.0.0.1:8082/api/servers" -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' -d @- <<JSON || true
{"name":"$name","panel":"$panel","hostname":"$name.sandbox.test","ip":"192.0.2.10","api_url":"http://127.0.0.1:$port",
 "api_username":"$user","api_secret":"$secret","server_group":"default","max_accounts":500,
 "nameservers":["ns1.sandbox.test","ns2.sandbox.test"]}
JSON
  done <<SERVERS
whm1 cpanel 2087 root sandbox-whm-token
plesk1 plesk 8443 admin sandbox-plesk-key
da1 directadmin 2222 admin sandbox-da-key
SERVERS
}

# The sandbox's SMTP server: every email ends up in $VAR/mail, a Maildir.
start_smtp_sink() {
  /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:2525 -c aiosmtpd.handlers.Mailbox "$VAR/mail" >>"$VAR/logs/smtp.log" 2>&1 &
  echo $! > "$RUN/smtp.pid"
  echo "smtp sink on 127.0.0.1:2525, mail in $VAR/mail"
}

start_all() {
  ensure_secrets
  start_smtp_sink
  if [ -z "${HOSTWIRE_ADMIN_URL:-}" ]; then
    deploy/local/postgres.sh start
    ADMIN_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
  else
    ADMIN_URL=$HOSTWIRE_ADMIN_URL
  fi
  DB_HOSTPORT=${ADMIN_URL#*@}; DB_HOSTPORT=${DB_HOSTPORT%%/*}; DB_NAME=${ADMIN_URL##*/}
  while read -r name executable port database extra; do
    case "$name" in ''|\#*) continue ;; esac
    env=(HOSTWIRE_HTTP_PORT="$port")
    more=(); [ -z "$extra" ] || read -r -a more <<< "$extra"; env+=("${more[@]}")
    if [ "$database" = yes ]; then
      deploy/postgres/bootstrap-role.sh "$ADMIN_URL" "$name"
      env+=(HOSTWIRE_DATABASE_URL="postgres://$name@$DB_HOSTPORT/$DB_NAME")
    fi
    env "${env[@]}" "$BIN/$executable" >>"$VAR/logs/$name.log" 2>&1 &
    echo $! > "$RUN/$name.pid"
    wait_ready "$name" "$port"
    echo "$name ready on http://127.0.0.1:$port"
  done < "${HOSTWIRE_SERVICES:-deploy/local/services.conf}"
  if grep -q '^provisioning' "${HOSTWIRE_SERVICES:-deploy/local/services.conf}"; then register_servers; fi
}

case "${1:-foreground}" in
  foreground)
    trap 'stop_all; exit 0' INT TERM
    start_all
    echo "Hostwire is running; logs in $VAR/logs. Ctrl-C stops everything."
    while true; do sleep 1; done ;;
  background) start_all ;;
  stop) stop_all ;;
  *) echo "usage: $0 foreground|background|stop" >&2; exit 2 ;;
esac
