#!/usr/bin/env bash
# Runs docker-compose on Podman where no Docker engine is (this project's CI, a bare Debian
# host): installs and configures Podman, serves its Docker-compatible socket, runs the
# healthchecks (Podman leaves them to systemd timers, absent here), and makes the base images
# from Debian's packages when no registry can be reached. The recipe: docs/deployment.md.
# usage: deploy/compose/podman.sh start|stop|base-images
set -euo pipefail
cd "$(dirname "$0")/../.."
VAR=${HOSTWIRE_VAR:-$PWD/var}
RUN=$VAR/run
SOCKET=/run/podman/podman.sock
mkdir -p "$RUN" "$VAR/logs"

configure() {
  # Without its recommended netavark, Podman uses CNI, whose networks resolve container
  # names only with the dnsname plugin (else `postgres` is unknown to the roles job).
  deploy/local/install-deps.sh podman runc debootstrap docker-compose golang-github-containernetworking-plugin-dnsname
  # Hosts that cap open files or run hybrid cgroups (this VM does both) reject crun's defaults.
  if ! grep -q 'cgroup_manager = "cgroupfs"' /etc/containers/containers.conf 2>/dev/null; then
    mkdir -p /etc/containers
    cat > /etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  fi
}

start() {
  configure
  if ! curl -fsS --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then
    mkdir -p "$(dirname "$SOCKET")"
    podman system service --time=0 "unix://$SOCKET" >>"$VAR/logs/podman.log" 2>&1 &
    echo $! > "$RUN/podman.pid"
    for _ in $(seq 1 50); do curl -fsS --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  # Healthchecks: what systemd's timers would do, every 2 s, for containers not yet healthy.
  if ! { [ -f "$RUN/podman-health.pid" ] && kill -0 "$(cat "$RUN/podman-health.pid")" 2>/dev/null; }; then
    (
      while sleep 2; do
        for id in $(podman ps -q --filter health=starting) $(podman ps -q --filter health=unhealthy); do
          podman healthcheck run "$id" >/dev/null 2>&1 || true
        done
      done
    ) >/dev/null 2>&1 &
    echo $! > "$RUN/podman-health.pid"
  fi
  echo "export DOCKER_HOST=unix://$SOCKET"
}

stop() {
  for name in podman-health podman; do
    [ -f "$RUN/$name.pid" ] && kill "$(cat "$RUN/$name.pid")" 2>/dev/null || true
    rm -f "$RUN/$name.pid"
  done
}

# debian:bookworm-slim from Debian's packages (debootstrap), tagged with the name the
# Dockerfiles use; and postgres:15 as a stand-in built from it. Skipped when present.
base_images() {
  configure
  if ! podman image exists docker.io/library/debian:bookworm-slim; then
    local rootfs; rootfs=$(mktemp -d)
    local mirror; mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
    debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" >>"$VAR/logs/debootstrap.log" 2>&1
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    cat > "$rootfs/etc/apt/sources.list" <<LIST
deb ${mirror:-http://deb.debian.org/debian} bookworm main
deb ${mirror:-http://deb.debian.org/debian} bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
LIST
    tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - docker.io/library/debian:bookworm-slim >/dev/null
    rm -rf "$rootfs"
  fi
  podman image exists docker.io/library/postgres:15 ||
    podman build -q --format docker -t docker.io/library/postgres:15 deploy/compose/postgres-standin >/dev/null
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  base-images) base_images ;;
  *) echo "usage: $0 start|stop|base-images" >&2; exit 2 ;;
esac
