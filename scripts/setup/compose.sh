#!/usr/bin/env bash
# podman-compose (Debian's package) and a local stand-in for the official postgres image, so the compose.yaml of a
# service generated with --database postgres can be run here (test/database-compose.test.ts). Docker Hub cannot be
# reached from this machine, so the image is built from Debian's own PostgreSQL package on the minbase rootfs that
# scripts/setup/node-base-image.sh caches (scripts/setup/postgres-image/: the official image's POSTGRES_USER,
# POSTGRES_PASSWORD, POSTGRES_DB, PGDATA and pg_isready contract). Generated compose files are unchanged: they name
# docker.io/library/postgres by default, and POSTGRES_IMAGE selects this one:
#
#   POSTGRES_IMAGE=localhost/shipyard/postgres:15-bookworm podman-compose -f packages/<name>/compose.yaml up -d
#
# Idempotent: a second run only checks (well under a second). SHIPYARD_REBUILD=1 rebuilds the image.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF=/etc/shipyard/containers.conf
BASE_TAR=/var/cache/shipyard/debian-bookworm-minbase.tar
BASE=localhost/shipyard/debian:bookworm-minbase
IMAGE=localhost/shipyard/postgres:15-bookworm

log() { printf '[compose-setup] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "[compose-setup] must run as root (apt-get, rootful podman)" >&2
  exit 1
fi

"$HERE/podman.sh" >/dev/null
if ! command -v podman-compose >/dev/null; then
  log "installing podman-compose"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq podman-compose >/dev/null || { apt-get update -qq && apt-get install -y -qq podman-compose >/dev/null; }
fi
log "podman-compose $(dpkg-query -W -f='${Version}' podman-compose)"

if [ -z "${SHIPYARD_REBUILD:-}" ] && podman image exists "$IMAGE"; then
  log "$IMAGE already exists"
  exit 0
fi
# The rootfs is node-base-image.sh's cache: it makes it when missing (debootstrap, ~30 s).
[ -s "$BASE_TAR" ] || "$HERE/node-base-image.sh" 24 >/dev/null
podman image exists "$BASE" || podman import -q --change 'CMD ["bash"]' "$BASE_TAR" "$BASE" >/dev/null
start=$SECONDS
podman build -q --pull=never -t "$IMAGE" "$HERE/postgres-image" >/dev/null
log "built $IMAGE in $((SECONDS - start)) s"
