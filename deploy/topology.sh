#!/usr/bin/env bash
# The topology (deploy/topology.conf, or $HOSTWIRE_TOPOLOGY) as the shell scripts read it:
# one reader for the launcher, the compose secrets and the stage benchmarks.
# usage: deploy/topology.sh names | http-port NAME | http-ports
set -euo pipefail
file=${HOSTWIRE_TOPOLOGY:-$(dirname "$0")/topology.conf}
case "${1:-}" in
  names) awk '!/^#/ && NF { print $1 }' "$file" ;;
  http-port) awk -v name="${2:?usage: topology.sh http-port NAME}" '!/^#/ && $1 == name { print $3 }' "$file" ;;
  http-ports) awk '!/^#/ && NF { print $1, $3 }' "$file" ;;
  *) echo "usage: $0 names | http-port NAME | http-ports" >&2; exit 2 ;;
esac
