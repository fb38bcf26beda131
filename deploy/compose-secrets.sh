#!/usr/bin/env bash
# Makes the bus identities for docker-compose, once: the broker's CURVE key pair and one per
# service, appended to .env beside docker-compose.yml (which is never committed). Each
# container is given only its own secret key by docker-compose.yml.
# usage: deploy/compose-secrets.sh [path to hostwire-broker]   (default: the host's debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
broker=${1:-$(swift build --show-bin-path)/hostwire-broker}
env_file=.env
touch "$env_file"; chmod 600 "$env_file"
if grep -q '^HOSTWIRE_BUS_SERVER_KEY=' "$env_file"; then
  echo "$env_file has bus identities already; delete those lines to make new ones" >&2
  exit 0
fi
mapfile -t server < <("$broker" keypair)
identities=""
{
  echo "HOSTWIRE_BUS_SERVER_KEY='${server[0]}'"
  echo "HOSTWIRE_BUS_SERVER_SECRET_KEY='${server[1]}'"
  for service in $(deploy/topology.sh names); do
    mapfile -t pair < <("$broker" keypair)
    identities+="${identities:+,}$service=${pair[0]}"
    echo "${service^^}_BUS_SECRET_KEY='${pair[1]}'"
  done
  echo "HOSTWIRE_BUS_IDENTITIES='$identities'"
  # The portal signs customer tokens; checkout, provisioning and billing verify them.
  key=$(mktemp)
  openssl genpkey -algorithm ed25519 -out "$key" 2>/dev/null
  echo "HOSTWIRE_PORTAL_SIGNING_KEY=$(openssl pkey -in "$key" -outform DER | tail -c 32 | base64)"
  echo "HOSTWIRE_CUSTOMER_TOKEN_KEY=$(openssl pkey -in "$key" -pubout -outform DER | tail -c 32 | base64)"
  rm -f "$key"
} >> "$env_file"
echo "bus identities written to $env_file"
