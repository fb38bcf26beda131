#!/bin/bash
# usage: sandbox powerdns|pebble|smtp
set -euo pipefail
case "${1:-}" in
  powerdns)
    # DNS on :53, the HTTP API on :8081 (only other containers reach either).
    db=/var/lib/powerdns/pdns.sqlite3
    mkdir -p /var/lib/powerdns
    [ -s "$db" ] || sqlite3 "$db" < /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
    chown -R pdns:pdns /var/lib/powerdns
    : "${PDNS_API_KEY:?PDNS_API_KEY must be set}"
    exec pdns_server --launch=gsqlite3 --gsqlite3-database="$db" --local-address=0.0.0.0 --local-port=53 \
      --api=yes --api-key="$PDNS_API_KEY" --webserver=yes --webserver-address=0.0.0.0 --webserver-port=8081 \
      --webserver-allow-from=0.0.0.0/0 --daemon=no --guardian=no --disable-syslog --security-poll-suffix= \
      --setuid=pdns --setgid=pdns --socket-dir=/var/run/pdns ;;
  pebble)
    # Pebble's HTTPS listener gets a certificate made here, whose CA file goes to /ca (a volume
    # DNS/SSL reads): HOSTWIRE_ACME_CA_FILE=/ca/pebble.pem. dns-01 lookups go to PowerDNS.
    mkdir -p /ca /etc/pebble
    # A new container makes a new key, and so a new certificate over the volume's old one.
    [ -s /etc/pebble/key.pem ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -keyout /etc/pebble/key.pem -out /ca/pebble.pem -subj /CN=pebble -addext "subjectAltName=DNS:pebble,DNS:localhost,IP:127.0.0.1" 2>/dev/null
    echo '{"pebble":{"listenAddress":"0.0.0.0:14000","managementListenAddress":"0.0.0.0:15000","certificate":"/ca/pebble.pem","privateKey":"/etc/pebble/key.pem","httpPort":5002,"tlsPort":5001,"ocspResponderURL":"","externalAccountBindingRequired":false}}' > /etc/pebble/pebble.json
    exec pebble -config /etc/pebble/pebble.json -dnsserver "${PEBBLE_DNS_SERVER:-powerdns:53}" ;;
  smtp)
    # Every message in /var/mail/sandbox (a Maildir on a volume): read it with
    # docker-compose exec smtp sandbox mail
    mkdir -p /var/mail/sandbox/tmp /var/mail/sandbox/new /var/mail/sandbox/cur
    exec python3 -m aiosmtpd -n -l 0.0.0.0:1025 -c aiosmtpd.handlers.Mailbox /var/mail/sandbox ;;
  mail)
    # The sink's messages, one after another (for people and for the compose test).
    for message in /var/mail/sandbox/new/* /var/mail/sandbox/cur/*; do
      [ -f "$message" ] && { echo "=== $message"; cat "$message"; }
    done; true ;;
  *) exec "$@" ;;
esac
