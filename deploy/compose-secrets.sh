#!/usr/bin/env bash
# Makes every secret docker-compose.yml needs, once, into an env file that is never committed
# (.env beside docker-compose.yml by default): Postgres passwords (one role per service), the
# admin API token, the credential key rings, the Stripe and PowerDNS secrets, the mail and
# certificate sealing key pairs, the portal's token key pair, and a CURVE key pair for the
# broker and for each service. A key already in the file is kept; run it again after an
# upgrade to add new ones. docker-compose.yml hands each container only its own.
# usage: deploy/compose-secrets.sh [--sandbox] [ENV_FILE]
#   --sandbox  also point the services at the sandbox profile's simulators, Pebble and SMTP sink
set -euo pipefail
cd "$(dirname "$0")/.."
sandbox=no
[ "${1:-}" != --sandbox ] || { sandbox=yes; shift; }
env_file=${1:-.env}
umask 077
touch "$env_file"

has() { grep -q "^$1=" "$env_file"; }
put() { has "$1" || printf "%s='%s'\n" "$1" "$2" >> "$env_file"; }
random() { openssl rand -hex "${1:-20}"; }
# A raw 32-byte key pair of ALGORITHM, base64: "private public".
raw_pair() {
  local key; key=$(mktemp)
  openssl genpkey -algorithm "$1" -out "$key" 2>/dev/null
  echo "$(openssl pkey -in "$key" -outform DER | tail -c 32 | base64) $(openssl pkey -in "$key" -pubout -outform DER | tail -c 32 | base64)"
  rm -f "$key"
}
# A CURVE key pair (Z85), "public" then "secret" on two lines: the host's broker binary makes
# it, or the broker image where no Swift build is.
# docker-compose expands ${…} even in a quoted env-file value, and Z85 has `$`: a pair with
# one is drawn again.
curve_pair() {
  local broker=${HOSTWIRE_BIN_DIR:-.build/debug}/hostwire-broker pair
  while true; do
    if [ -x "$broker" ]; then pair=$("$broker" keypair)
    else pair=$("${DOCKER:-docker}" run --rm "hostwire-broker:${HOSTWIRE_TAG:-latest}" hostwire-broker keypair); fi
    case "$pair" in *'$'*) continue ;; esac
    printf '%s\n' "$pair"
    return
  done
}

put POSTGRES_PASSWORD "$(random)"
for service in $(deploy/topology.sh names); do put "${service^^}_DB_PASSWORD" "$(random)"; done
put HOSTWIRE_API_TOKENS "admin:$(random)"
put HOSTWIRE_PDNS_API_KEY "$(random 16)"
put HOSTWIRE_CREDENTIAL_KEYS "k1=$(openssl rand -base64 32)"
put PORTAL_CREDENTIAL_KEYS "k1=$(openssl rand -base64 32)"
if ! has HOSTWIRE_MAIL_SEAL_PUBLIC_KEY; then
  read -r private public < <(raw_pair X25519)
  put HOSTWIRE_MAIL_SEAL_PRIVATE_KEY "$private"; put HOSTWIRE_MAIL_SEAL_PUBLIC_KEY "$public"
fi
if ! has HOSTWIRE_CERT_SEAL_PUBLIC_KEY; then
  read -r private public < <(raw_pair X25519)
  put HOSTWIRE_CERT_SEAL_PRIVATE_KEY "$private"; put HOSTWIRE_CERT_SEAL_PUBLIC_KEY "$public"
fi
if ! has HOSTWIRE_CUSTOMER_TOKEN_KEY; then
  # The portal signs customer tokens (Ed25519); the services that serve customers verify them.
  read -r private public < <(raw_pair ed25519)
  put HOSTWIRE_PORTAL_SIGNING_KEY "$private"; put HOSTWIRE_CUSTOMER_TOKEN_KEY "$public"
fi
if ! has HOSTWIRE_BUS_SERVER_KEY; then
  mapfile -t server < <(curve_pair)
  put HOSTWIRE_BUS_SERVER_KEY "${server[0]}"; put HOSTWIRE_BUS_SERVER_SECRET_KEY "${server[1]}"
fi
if ! has HOSTWIRE_BUS_IDENTITIES; then
  identities=""
  for service in $(deploy/topology.sh names); do
    mapfile -t pair < <(curve_pair)
    identities+="${identities:+,}$service=${pair[0]}"
    put "${service^^}_BUS_SECRET_KEY" "${pair[1]}"
  done
  put HOSTWIRE_BUS_IDENTITIES "$identities"
fi
if [ "$sandbox" = yes ]; then
  put HOSTWIRE_STRIPE_SECRET_KEY sk_test_sandbox
  put HOSTWIRE_STRIPE_WEBHOOK_SECRET "whsec_$(random 16)"
  # The simulator signs every endpoint's webhooks with one secret.
  has HOSTWIRE_BILLING_WEBHOOK_SECRET ||
    sed -n "s/^HOSTWIRE_STRIPE_WEBHOOK_SECRET=/HOSTWIRE_BILLING_WEBHOOK_SECRET=/p" "$env_file" >> "$env_file"
  put HOSTWIRE_STRIPE_API_URL http://sim-stripe:12111
  put HOSTWIRE_ACME_DIRECTORY_URL https://pebble:14000/dir
  put HOSTWIRE_ACME_CA_FILE /ca/pebble.pem
  put HOSTWIRE_ACME_CONTACT hostmaster@sandbox.test
  put HOSTWIRE_PORTAL_PAYMENT_ORIGIN http://localhost:12111
  put HOSTWIRE_PORTAL_SECURE_COOKIES off
  put HOSTWIRE_SELLER_COUNTRY DE
  put HOSTWIRE_MAIL_FROM hosting@sandbox.test
else
  put HOSTWIRE_STRIPE_SECRET_KEY "set-your-stripe-secret-key"
  put HOSTWIRE_STRIPE_WEBHOOK_SECRET "set-your-checkout-webhook-secret"
  put HOSTWIRE_BILLING_WEBHOOK_SECRET "set-your-billing-webhook-secret"
fi
echo "secrets in $env_file (keep it out of version control; back it up with the database)"
