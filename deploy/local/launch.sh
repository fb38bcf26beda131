#!/usr/bin/env bash
# Starts Postgres (a private cluster unless HOSTWIRE_ADMIN_URL points elsewhere), the broker,
# the sandbox simulators and every service listed in deploy/local/services.conf, then
# registers the simulated panels as servers. HOSTWIRE_SERVICES names another list of
# processes (deploy/local/stage-*.conf start one stage alone, for load tests).
# HOSTWIRE_PROXY=haproxy puts HAProxy (from Debian) on every service's HTTP port, each
# service listening behind it on slot a (port+10000) or b (port+20000), so that `replace NAME`
# swaps a service with no request failing: the new instance starts in the free slot, the old
# one is drained and sent SIGTERM.
# usage: deploy/local/launch.sh foreground|background|stop|restart NAME|replace NAME
set -euo pipefail
cd "$(dirname "$0")/../.."
VAR=${HOSTWIRE_VAR:-$PWD/var}
PORT=${HOSTWIRE_PG_PORT:-55432}
RUN=$VAR/run
mkdir -p "$RUN" "$VAR/logs"
BIN=${HOSTWIRE_BIN_DIR:-$(swift build --show-bin-path)}
PROXY=${HOSTWIRE_PROXY:-off}

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
# Stripe webhook secret, the mail and certificate sealing key pairs, and a CURVE key pair for
# the broker and for each service (its bus identity). They are read into this shell, not
# exported: each process gets only its own (see own_secrets).
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
  # Added after the first release of this file: appended to older secrets files.
  if ! grep -q '^HOSTWIRE_CERT_SEAL_PUBLIC_KEY=' "$file"; then
    local key; key=$(mktemp)
    openssl genpkey -algorithm X25519 -out "$key" 2>/dev/null
    cat >> "$file" <<SECRETS
HOSTWIRE_CERT_SEAL_PUBLIC_KEY=$(openssl pkey -in "$key" -pubout -outform DER | tail -c 32 | base64)
HOSTWIRE_CERT_SEAL_PRIVATE_KEY=$(openssl pkey -in "$key" -outform DER | tail -c 32 | base64)
HOSTWIRE_PDNS_API_KEY=$(openssl rand -hex 16)
SECRETS
    rm -f "$key"
  fi
  if ! grep -q '^HOSTWIRE_PORTAL_SIGNING_KEY=' "$file"; then
    # The portal signs customer tokens (Ed25519); every service that serves customers verifies them.
    local key; key=$(mktemp)
    openssl genpkey -algorithm ed25519 -out "$key" 2>/dev/null
    cat >> "$file" <<SECRETS
HOSTWIRE_PORTAL_SIGNING_KEY=$(openssl pkey -in "$key" -outform DER | tail -c 32 | base64)
HOSTWIRE_CUSTOMER_TOKEN_KEY=$(openssl pkey -in "$key" -pubout -outform DER | tail -c 32 | base64)
SECRETS
    rm -f "$key"
  fi
  if ! grep -q '^HOSTWIRE_PORTAL_CREDENTIAL_KEYS=' "$file"; then
    # The portal's own key ring (two-factor secrets), apart from provisioning's.
    echo "HOSTWIRE_PORTAL_CREDENTIAL_KEYS=k1=$(openssl rand -base64 32)" >> "$file"
  fi
  if grep -q '^HOSTWIRE_BUS_SERVER_KEY=' "$file"; then
    # A service added to the bus after the file was made gets its identity appended.
    . "$file"
    local name
    for name in $BUS_SERVICES; do
      case ",$HOSTWIRE_BUS_IDENTITIES" in *",$name="*) continue ;; esac
      local service; mapfile -t service < <("$BIN/hostwire-broker" keypair)
      HOSTWIRE_BUS_IDENTITIES+=",$name=${service[0]}"; HOSTWIRE_BUS_KEYS+=",$name=${service[1]}"
      grep -v '^HOSTWIRE_BUS_IDENTITIES=\|^HOSTWIRE_BUS_KEYS=' "$file" > "$file.new"
      printf "HOSTWIRE_BUS_IDENTITIES='%s'\nHOSTWIRE_BUS_KEYS='%s'\n" "$HOSTWIRE_BUS_IDENTITIES" "$HOSTWIRE_BUS_KEYS" >> "$file.new"
      chmod 600 "$file.new"; mv "$file.new" "$file"
    done
  else
    local pair identities="" secrets=""
    mapfile -t pair < <("$BIN/hostwire-broker" keypair)
    for name in $BUS_SERVICES; do
      local service; mapfile -t service < <("$BIN/hostwire-broker" keypair)
      identities+="${identities:+,}$name=${service[0]}"; secrets+="${secrets:+,}$name=${service[1]}"
    done
    # Single-quoted: Z85 keys may hold characters the shell would read ($, &, <, …).
    cat >> "$file" <<SECRETS
HOSTWIRE_BUS_SERVER_KEY='${pair[0]}'
HOSTWIRE_BUS_SERVER_SECRET_KEY='${pair[1]}'
HOSTWIRE_BUS_IDENTITIES='$identities'
HOSTWIRE_BUS_KEYS='$secrets'
SECRETS
  fi
  . "$file"
  # The simulator signs every endpoint's webhooks with one secret; real Stripe gives each its own.
  HOSTWIRE_BILLING_WEBHOOK_SECRET=${HOSTWIRE_BILLING_WEBHOOK_SECRET:-$HOSTWIRE_STRIPE_WEBHOOK_SECRET}
}

# The services on the bus, each with its own identity: the topology's (the broker reads the
# commands each may send from it too).
BUS_SERVICES=$(deploy/topology.sh names | xargs)
topology_http_port() { deploy/topology.sh http-port "$1"; }

# The secrets (and bus identity) process `name` may hold, as KEY=VALUE words: nothing more,
# so one compromised process cannot open what was sealed for another.
# HOSTWIRE_BUS_CURVE=off runs the bus in clear and unchecked: only for measuring what CURVE
# and identities cost (docs/performance.md).
own_secrets() { # name
  local name=${1%@*} secret=""
  [ "${HOSTWIRE_BUS_CURVE:-on}" = off ] || secret=$(tr ',' '\n' <<< "$HOSTWIRE_BUS_KEYS" | sed -n "s/^$name=//p")
  [ -z "$secret" ] || printf '%s\n' "HOSTWIRE_BUS_SERVER_KEY=$HOSTWIRE_BUS_SERVER_KEY" "HOSTWIRE_BUS_SECRET_KEY=$secret"
  case "$name" in
    broker) [ "${HOSTWIRE_BUS_CURVE:-on}" = off ] || printf '%s\n' "HOSTWIRE_BUS_SERVER_SECRET_KEY=$HOSTWIRE_BUS_SERVER_SECRET_KEY" \
      "HOSTWIRE_BUS_IDENTITIES=$HOSTWIRE_BUS_IDENTITIES" ;;
    sim-stripe) printf '%s\n' "SIM_WEBHOOK_SECRET=$HOSTWIRE_STRIPE_WEBHOOK_SECRET" ;;
    checkout) printf '%s\n' "HOSTWIRE_API_TOKENS=$HOSTWIRE_API_TOKENS" "HOSTWIRE_STRIPE_WEBHOOK_SECRET=$HOSTWIRE_STRIPE_WEBHOOK_SECRET" \
      "HOSTWIRE_CUSTOMER_TOKEN_KEY=$HOSTWIRE_CUSTOMER_TOKEN_KEY" ;;
    provisioning) printf '%s\n' "HOSTWIRE_API_TOKENS=$HOSTWIRE_API_TOKENS" "HOSTWIRE_CREDENTIAL_KEYS=$HOSTWIRE_CREDENTIAL_KEYS" \
      "HOSTWIRE_MAIL_SEAL_PUBLIC_KEY=$HOSTWIRE_MAIL_SEAL_PUBLIC_KEY" "HOSTWIRE_CERT_SEAL_PRIVATE_KEY=$HOSTWIRE_CERT_SEAL_PRIVATE_KEY" \
      "HOSTWIRE_CUSTOMER_TOKEN_KEY=$HOSTWIRE_CUSTOMER_TOKEN_KEY" ;;
    dnsssl) printf '%s\n' "HOSTWIRE_API_TOKENS=$HOSTWIRE_API_TOKENS" "HOSTWIRE_CREDENTIAL_KEYS=$HOSTWIRE_CREDENTIAL_KEYS" \
      "HOSTWIRE_PDNS_API_KEY=$HOSTWIRE_PDNS_API_KEY" "HOSTWIRE_CERT_SEAL_PUBLIC_KEY=$HOSTWIRE_CERT_SEAL_PUBLIC_KEY" \
      "HOSTWIRE_CUSTOMER_TOKEN_KEY=$HOSTWIRE_CUSTOMER_TOKEN_KEY" ;;
    mail) printf '%s\n' "HOSTWIRE_API_TOKENS=$HOSTWIRE_API_TOKENS" "HOSTWIRE_MAIL_SEAL_PRIVATE_KEY=$HOSTWIRE_MAIL_SEAL_PRIVATE_KEY" \
      "HOSTWIRE_CUSTOMER_TOKEN_KEY=$HOSTWIRE_CUSTOMER_TOKEN_KEY" ;;
    billing) printf '%s\n' "HOSTWIRE_API_TOKENS=$HOSTWIRE_API_TOKENS" "HOSTWIRE_BILLING_WEBHOOK_SECRET=$HOSTWIRE_BILLING_WEBHOOK_SECRET" \
      "HOSTWIRE_CUSTOMER_TOKEN_KEY=$HOSTWIRE_CUSTOMER_TOKEN_KEY" ;;
    portal) printf '%s\n' "HOSTWIRE_PORTAL_SIGNING_KEY=$HOSTWIRE_PORTAL_SIGNING_KEY" "HOSTWIRE_MAIL_SEAL_PUBLIC_KEY=$HOSTWIRE_MAIL_SEAL_PUBLIC_KEY" \
      "HOSTWIRE_CREDENTIAL_KEYS=$HOSTWIRE_PORTAL_CREDENTIAL_KEYS" "HOSTWIRE_API_TOKENS=$HOSTWIRE_API_TOKENS" ;;
    timer) printf '%s\n' "HOSTWIRE_API_TOKENS=$HOSTWIRE_API_TOKENS" "HOSTWIRE_CUSTOMER_TOKEN_KEY=$HOSTWIRE_CUSTOMER_TOKEN_KEY" ;;
  esac
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

# PowerDNS (SQLite backend; DNS on 127.0.0.1:5353, API on 8091) and Pebble (ACME on 14000,
# its dns-01 lookups going to that PowerDNS), for the DNS/SSL service.
start_dns_and_ca() {
  local dir=$VAR/pdns
  if [ ! -f "$dir/pdns.sqlite3" ]; then
    mkdir -p "$dir"
    sqlite3 "$dir/pdns.sqlite3" < /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
  fi
  cat > "$dir/pdns.conf" <<CONF
launch=gsqlite3
gsqlite3-database=$dir/pdns.sqlite3
local-address=127.0.0.1
local-port=5353
socket-dir=$dir
api=yes
api-key=$HOSTWIRE_PDNS_API_KEY
webserver=yes
webserver-address=127.0.0.1
webserver-port=8091
webserver-allow-from=127.0.0.0/8
daemon=no
guardian=no
security-poll-suffix=
CONF
  /usr/sbin/pdns_server --config-dir="$dir" >>"$VAR/logs/pdns.log" 2>&1 &
  echo $! > "$RUN/pdns.pid"
  local ca=$VAR/pebble
  mkdir -p "$ca"
  [ -f "$ca/cert.pem" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -keyout "$ca/key.pem" -out "$ca/cert.pem" -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
  echo '{"pebble":{"listenAddress":"127.0.0.1:14000","managementListenAddress":"127.0.0.1:15000","certificate":"'"$ca"'/cert.pem","privateKey":"'"$ca"'/key.pem","httpPort":5002,"tlsPort":5001,"ocspResponderURL":"","externalAccountBindingRequired":false}}' > "$ca/pebble.json"
  PEBBLE_VA_NOSLEEP=1 pebble -config "$ca/pebble.json" -dnsserver 127.0.0.1:5353 >>"$VAR/logs/pebble.log" 2>&1 &
  echo $! > "$RUN/pebble.pid"
  export HOSTWIRE_PDNS_API_URL=http://127.0.0.1:8091 HOSTWIRE_DNS_CHECK_SERVERS=127.0.0.1:5353
  export HOSTWIRE_ACME_DIRECTORY_URL=https://127.0.0.1:14000/dir HOSTWIRE_ACME_CA_FILE=$ca/cert.pem
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null -H "X-API-Key: $HOSTWIRE_PDNS_API_KEY" http://127.0.0.1:8091/api/v1/servers/localhost 2>/dev/null &&
      curl -fsS -o /dev/null --cacert "$ca/cert.pem" https://127.0.0.1:14000/dir 2>/dev/null && break
    sleep 0.2
  done
  echo "powerdns on 127.0.0.1:5353 (API :8091), pebble on https://127.0.0.1:14000/dir"
}

admin_url() {
  ADMIN_URL=${HOSTWIRE_ADMIN_URL:-postgres://postgres@127.0.0.1:$PORT/postgres}
  DB_HOSTPORT=${ADMIN_URL#*@}; DB_HOSTPORT=${DB_HOSTPORT%%/*}; DB_NAME=${ADMIN_URL##*/}
}

# Starts the process one line of the services list describes and waits until it is ready.
start_service() { # name executable port database extra
  local name=$1 executable=$2 port=$3 database=$4 extra=$5
  [ "$port" != - ] || port=$(topology_http_port "${name%@*}")
  if [ "$PROXY" = haproxy ] && [ "$database" = yes ]; then
    # Behind the proxy, which holds the service's port; it believes the proxy's X-Forwarded-For.
    port=$(slot_port "$name" "$port")
    extra+="${extra:+ }HOSTWIRE_TRUSTED_PROXIES=127.0.0.1"
  fi
  local env=(HOSTWIRE_HTTP_PORT="$port") more=()
  [ -z "$extra" ] || read -r -a more <<< "$extra"; env+=("${more[@]}")
  if [ "$database" = yes ]; then
    # `provisioning@2` is a second instance of provisioning: same role, same schema.
    local role=${name%@*}
    deploy/postgres/bootstrap-role.sh "$ADMIN_URL" "$role"
    env+=(HOSTWIRE_DATABASE_URL="postgres://$role@$DB_HOSTPORT/$DB_NAME")
  fi
  mapfile -t secrets < <(own_secrets "$name")
  env "${env[@]}" "${secrets[@]}" "$BIN/$executable" >>"$VAR/logs/$name.log" 2>&1 &
  echo $! > "$RUN/$name.pid"
  wait_ready "$name" "$port"
  echo "$name ready on http://127.0.0.1:$port"
}

# A service's slot behind the proxy: `NAME` listens on port+10000 (a), `NAME@b` on port+20000.
slot_port() { case "$1" in *@b) echo $(($2 + 20000)) ;; *) echo $(($2 + 10000)) ;; esac; }
slot() { case "$1" in *@b) echo b ;; *) echo a ;; esac; }

# HAProxy on each service's port, balancing its two slots; a slot with nothing on it fails
# its /ready check and takes no requests, and a request whose connection fails is sent to
# the other slot.
start_proxy() {
  local config=$VAR/haproxy.cfg name executable port database extra
  cat > "$config" <<CONF
global
  stats socket $RUN/haproxy.sock mode 600 level admin
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response
  option forwardfor
  option httpchk GET /ready
  # A slot is out after three failed checks (a busy instance may answer one slowly); a
  # request meanwhile sent to a stopped one fails to connect and is sent to the other.
  timeout check 3s
  default-server inter 500ms fall 3 rise 2
CONF
  while read -r name executable port database extra; do
    case "$name" in ''|\#*|*@*) continue ;; esac
    [ "$database" = yes ] || continue
    [ "$port" != - ] || port=$(topology_http_port "$name")
    printf 'frontend %s\n  bind 127.0.0.1:%s\n  default_backend %s\nbackend %s\n  server a 127.0.0.1:%s check\n  server b 127.0.0.1:%s check\n' \
      "$name" "$port" "$name" "$name" "$(slot_port "$name" "$port")" "$(slot_port "$name@b" "$port")" >> "$config"
  done < "${HOSTWIRE_SERVICES:-deploy/local/services.conf}"
  haproxy -db -f "$config" >>"$VAR/logs/haproxy.log" 2>&1 &
  echo $! > "$RUN/haproxy.pid"
  for _ in $(seq 1 50); do [ -S "$RUN/haproxy.sock" ] && break; sleep 0.1; done
  echo "haproxy in front of the services (admin socket $RUN/haproxy.sock)"
}

# One command on HAProxy's admin socket; its answer on stdout.
proxy_command() {
  python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall((sys.argv[2] + "\n").encode())
print(s.makefile().read(), end="")' "$RUN/haproxy.sock" "$1"
}

# The proxy's view of one slot: UP, DOWN, DRAIN, MAINT…
proxy_status() { proxy_command "show stat" | awk -F, -v b="$1" -v s="$2" '$1 == b && $2 == s { print $18 }'; }

start_all() {
  ensure_secrets
  start_smtp_sink
  [ -n "${HOSTWIRE_ADMIN_URL:-}" ] || deploy/local/postgres.sh start
  admin_url
  if grep -q '^dnsssl' "${HOSTWIRE_SERVICES:-deploy/local/services.conf}"; then start_dns_and_ca; fi
  [ "$PROXY" != haproxy ] || start_proxy
  while read -r name executable port database extra; do
    case "$name" in ''|\#*) continue ;; esac
    start_service "$name" "$executable" "$port" "$database" "$extra"
  done < "${HOSTWIRE_SERVICES:-deploy/local/services.conf}"
  if [ "$PROXY" = haproxy ]; then
    # Ready means reachable through the proxy: each service's slot is up there.
    local backend
    for backend in $(awk '/^backend /{ print $2 }' "$VAR/haproxy.cfg"); do
      for _ in $(seq 1 100); do [ "$(proxy_status "$backend" a)" = UP ] && break; sleep 0.1; done
    done
  fi
  if grep -q '^provisioning' "${HOSTWIRE_SERVICES:-deploy/local/services.conf}"; then register_servers; fi
}

# Starts one process of the list again (after a kill -9 of it, say), the others untouched.
restart_one() { # name
  ensure_secrets
  admin_url
  local name executable port database extra
  while read -r name executable port database extra; do
    [ "$name" = "$1" ] || continue
    [ ! -e "$RUN/$name.pid" ] || kill "$(cat "$RUN/$name.pid")" 2>/dev/null || true
    start_service "$name" "$executable" "$port" "$database" "$extra"
    return 0
  done < "${HOSTWIRE_SERVICES:-deploy/local/services.conf}"
  echo "no $1 in ${HOSTWIRE_SERVICES:-deploy/local/services.conf}" >&2; return 1
}

# Replaces a service with no request failing (HOSTWIRE_PROXY=haproxy): a new instance starts
# in the free slot and takes work, then the old one is drained at the proxy (no new requests)
# and sent SIGTERM, which finishes what it has in hand (requests, tasks) and releases the rest.
replace_one() { # name
  [ "$PROXY" = haproxy ] || { echo "replace needs HOSTWIRE_PROXY=haproxy" >&2; return 1; }
  ensure_secrets
  admin_url
  local name=$1 old new executable port database extra line
  if [ -e "$RUN/$name.pid" ] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then old=$name new=$name@b; else old=$name@b new=$name; fi
  line=$(awk -v n="$name" '$1 == n' "${HOSTWIRE_SERVICES:-deploy/local/services.conf}")
  [ -n "$line" ] || { echo "no $name in ${HOSTWIRE_SERVICES:-deploy/local/services.conf}" >&2; return 1; }
  read -r _ executable port database extra <<< "$line"
  start_service "$new" "$executable" "$port" "$database" "$extra"
  for _ in $(seq 1 100); do [ "$(proxy_status "$name" "$(slot "$new")")" = UP ] && break; sleep 0.1; done
  proxy_command "set server $name/$(slot "$old") state drain" >/dev/null
  local pid; pid=$(cat "$RUN/$old.pid")
  # Requests already sent to the old instance are answered; new ones go to the new one.
  for _ in $(seq 1 20); do
    [ "$(proxy_command "show stat" | awk -F, -v b="$name" -v s="$(slot "$old")" '$1 == b && $2 == s { print $5 }')" = 0 ] && break
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { echo "$old did not stop within 60 s of SIGTERM" >&2; return 1; }
  rm -f "$RUN/$old.pid"
  proxy_command "set server $name/$(slot "$old") state ready" >/dev/null
  echo "$name replaced: $old stopped, $new serving"
}

case "${1:-foreground}" in
  foreground)
    trap 'stop_all; exit 0' INT TERM
    start_all
    echo "Hostwire is running; logs in $VAR/logs. Ctrl-C stops everything."
    while true; do sleep 1; done ;;
  background) start_all ;;
  stop) stop_all ;;
  restart) restart_one "${2:?usage: $0 restart NAME}" ;;
  replace) replace_one "${2:?usage: $0 replace NAME}" ;;
  *) echo "usage: $0 foreground|background|stop|restart NAME|replace NAME" >&2; exit 2 ;;
esac
