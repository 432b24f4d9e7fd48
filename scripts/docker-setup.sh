#!/usr/bin/env bash
# Makes the `docker` service provider usable on an offline machine (see docs/docker.md):
#   1. installs docker.io + debootstrap if missing (root only),
#   2. starts dockerd in the background unless an engine already answers (bounded wait),
#   3. creates the base image debian:bookworm-slim with debootstrap from the Debian mirror apt uses,
#      unless it exists (cached as a tarball under RTCSPEC_DOCKER_CACHE, default /var/cache/rtcspec),
#   4. builds rtcspec/coturn, rtcspec/ffmpeg, rtcspec/kamailio and rtcspec/baresip from containers/ (layer cache makes re-runs fast),
#   5. builds rtcspec/load-generator: this checkout and its production node_modules on its Node (.tools/bin/node),
#      from a context staged here (containers/load-generator/Dockerfile says what it holds).
# Idempotent. Every wait is bounded. Exits non-zero with a message if a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "docker-setup: $*"; }
CACHE=${RTCSPEC_DOCKER_CACHE:-/var/cache/rtcspec}

if [ "$(id -u)" != 0 ]; then
  if docker info >/dev/null 2>&1; then log "not root; using the running engine"; else
    echo "docker-setup: run as root (installs docker.io/debootstrap and starts dockerd)" >&2; exit 2; fi
else
  need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi

if ! timeout 10 docker info >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/rtcspec-dockerd.log)"
  setsid nohup dockerd >/var/log/rtcspec-dockerd.log 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    timeout 5 docker info >/dev/null 2>&1 && break
    sleep 1
  done
  timeout 10 docker info >/dev/null 2>&1 || { echo "docker-setup: dockerd did not answer within 60 s; see /var/log/rtcspec-dockerd.log" >&2; tail -20 /var/log/rtcspec-dockerd.log >&2 || true; exit 1; }
fi
log "engine: $(docker version --format '{{.Server.Version}}')"

if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  mkdir -p "$CACHE"
  if [ ! -s "$CACHE/bookworm-minbase.tar" ]; then
    # The mirror apt is configured with (deb822 "URIs:" or one-line "deb URL"), else deb.debian.org.
    mirror=$(grep -hoE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | grep -v security | head -1 | grep -oE 'https?://[^[:space:]]+' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    root=$(mktemp -d)
    log "debootstrap --variant=minbase bookworm from $mirror (about 40 s)"
    timeout 900 debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; rm -rf "$root"; exit 1; }
    tar -C "$root" -c . >"$CACHE/bookworm-minbase.tar.part"
    mv "$CACHE/bookworm-minbase.tar.part" "$CACHE/bookworm-minbase.tar"
    rm -rf "$root" "$root.log"
  fi
  log "importing debian:bookworm-slim from $CACHE/bookworm-minbase.tar"
  docker import - debian:bookworm-slim <"$CACHE/bookworm-minbase.tar" >/dev/null
fi

for svc in coturn ffmpeg kamailio baresip; do
  log "building rtcspec/$svc"
  timeout 900 docker build -q --network host -t "rtcspec/$svc" "containers/$svc" >/dev/null
done
# The generator image carries this checkout with its npm dependencies and the Node it runs on. On a fresh clone
# (CI runs this script before npm test) neither exists yet: the project's own set-up installs both.
if [ -z "${RTCSPEC_NODE:-}" ] && { [ ! -x .tools/bin/node ] || [ ! -d node_modules ]; }; then
  if command -v node >/dev/null 2>&1; then
    log "installing the npm dependencies (and Node 24 when the local Node is older) for rtcspec/load-generator"
    timeout 900 node scripts/setup.mjs >/dev/null
  fi
fi
# the Node rtcspec runs on: $RTCSPEC_NODE, the checkout's .tools/bin/node (npm run setup), else node on PATH if >= 22.19
node_bin=$(readlink -f "${RTCSPEC_NODE:-.tools/bin/node}" 2>/dev/null || true)
if [ -z "$node_bin" ] || [ ! -x "$node_bin" ]; then
  node_bin=$(readlink -f "$(command -v node || true)" 2>/dev/null || true)
  if [ -z "$node_bin" ] || ! "$node_bin" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)'; then
    echo "docker-setup: rtcspec/load-generator needs Node >= 22.19: run npm run setup (installs .tools/bin/node) or set RTCSPEC_NODE" >&2; exit 1
  fi
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp containers/load-generator/Dockerfile "$stage/"
cp "$node_bin" "$stage/node"
mkdir "$stage/rtcspec"
dev=$("$node_bin" -p 'Object.keys(JSON.parse(require("fs").readFileSync("package.json", "utf8")).devDependencies ?? {}).join(" ")')
excludes=(--exclude=node_modules/.cache --exclude=node_modules/.vite --exclude=node_modules/.vitest)
for d in $dev; do excludes+=("--exclude=node_modules/$d"); done
tar -c "${excludes[@]}" package.json bin src fixtures/audio node_modules | tar -C "$stage/rtcspec" -x
log "building rtcspec/load-generator"
timeout 900 docker build -q --network host -t rtcspec/load-generator "$stage" >/dev/null
rm -rf "$stage"
log "ready: $(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E '^rtcspec/' | tr '\n' ' ')"
