# The containerised sandbox as a few shell functions, sourced by deploy/compose/test.sh (and
# any script that drives the stack). Set before use: VAR, PROJECT (the compose project), TAG (the
# images'). Docker is used when it runs, Podman otherwise.
ENV_FILE=$VAR/compose/$PROJECT.env
compose=(docker-compose -p "$PROJECT" --env-file "$ENV_FILE" --profile sandbox)
mkdir -p "$VAR/compose" "$VAR/logs"

# ENGINE, and on Podman its socket, its healthcheck runner and the base images.
stack_engine() {
  # A DOCKER_HOST already set is taken for Podman's socket (podman.sh prints it so).
  if [ -z "${DOCKER_HOST:-}" ] && docker info >/dev/null 2>&1; then ENGINE=docker; else
    ENGINE=podman
    eval "$(deploy/compose/podman.sh start)"
    made_base=no
    podman image exists docker.io/library/postgres:15 || made_base=yes
    deploy/compose/podman.sh base-images
  fi
  export ENGINE
}

# The images, from the binaries in BIN_DIR (no Swift build in a container).
stack_images() { # BIN_DIR
  deploy/compose/stage-binaries.sh "$1"
  deploy/compose/build-images.sh prebuilt "$TAG"
}

# Every secret, made anew, with the sandbox's settings; checkout's per-address limit off.
stack_secrets() {
  rm -f "$ENV_FILE"
  deploy/compose-secrets.sh --sandbox "$ENV_FILE" >/dev/null
  printf 'HOSTWIRE_ORDER_RATE_LIMIT=0\nHOSTWIRE_TAG=%s\n' "$TAG" >> "$ENV_FILE"
}

# Every service healthy (checkout and the portal through the proxy), the servers registered.
stack_healthy() {
  curl -fsS http://127.0.0.1:8090/health >/dev/null 2>&1 || return 1
  local port job
  for port in 8081 8082 8083 8084 8085 8086 8087; do curl -fsS "http://127.0.0.1:$port/ready" >/dev/null 2>&1 || return 1; done
  job=$("${compose[@]}" ps -q register-servers)
  [ "$("$ENGINE" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$job" 2>/dev/null)" = "exited 0" ]
}

# `up`, then waits for health; UP_SECONDS: how long that took.
stack_up() {
  # From nothing: what an earlier run left (containers, volumes) goes first.
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  local started; started=$(date +%s.%N)
  "${compose[@]}" up -d >/dev/null 2>&1 || { "${compose[@]}" ps; return 1; }
  for _ in $(seq 1 300); do stack_healthy && break; sleep 0.5; done
  stack_healthy || { "${compose[@]}" ps; return 1; }
  UP_SECONDS=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
}

# Removes the containers, volumes and images this run made (HOSTWIRE_COMPOSE_KEEP=1 keeps them).
stack_down() { # exit status of the run
  if [ "$1" -ne 0 ]; then
    "${compose[@]}" logs --no-color > "$VAR/logs/$PROJECT.log" 2>&1 || true
    echo "$PROJECT failed; the containers' logs are in $VAR/logs/$PROJECT.log" >&2
    grep -E "Fatal error|error|exited" "$VAR/logs/$PROJECT.log" | tail -20 >&2 || true
  fi
  [ "${HOSTWIRE_COMPOSE_KEEP:-0}" = 0 ] || return 0
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  local image
  # KEEP_IMAGES=1: images the run did not make (compose-bench's release images) stay.
  [ "${KEEP_IMAGES:-0}" = 1 ] ||
  for image in $("$ENGINE" images --format '{{.Repository}}:{{.Tag}}' | grep -E "(^|/)hostwire-[a-z-]+:$TAG\$" || true); do
    "$ENGINE" rmi -f "$image" >/dev/null 2>&1 || true
  done
  if [ "$ENGINE" = podman ]; then
    podman image prune -f >/dev/null 2>&1 || true
    [ "${made_base:-no}" = no ] || podman rmi -f docker.io/library/postgres:15 docker.io/library/debian:bookworm-slim >/dev/null 2>&1 || true
    deploy/compose/podman.sh stop
  fi
  rm -rf .compose-build
}
