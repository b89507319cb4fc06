#!/usr/bin/env bash
# Installs podman (as root, native overlay storage) and writes the containers.conf the container tests use.
# Idempotent: re-running only checks what is already there (well under a second when done).
# Usage: sudo scripts/setup/podman.sh      (then: export CONTAINERS_CONF=/etc/shipyard/containers.conf)
set -euo pipefail

CONF_DIR=/etc/shipyard
CONF=$CONF_DIR/containers.conf
# runc: crun 1.8 fails here with "setrlimit RLIMIT_NOFILE: Operation not permitted" / hybrid cgroups.
# iptables: netavark needs it for `-p host:container` port forwarding.
# uidmap, slirp4netns, fuse-overlayfs: only needed rootless, but podman recommends them and they are tiny.
PACKAGES=(podman buildah runc conmon netavark aardvark-dns iptables debootstrap uidmap slirp4netns fuse-overlayfs ca-certificates)

log() { printf '[podman-setup] %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "[podman-setup] must run as root (apt-get, /etc, rootful podman)" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  log "packages already installed"
else
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update only when a package has no install candidate (empty or stale lists).
  need_update=0
  for p in "${missing[@]}"; do
    cand=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ {print $2}')
    if [ -z "$cand" ] || [ "$cand" = "(none)" ]; then need_update=1; fi
  done
  if [ $need_update -eq 1 ]; then
    log "apt-get update"
    apt-get update -qq
  fi
  log "installing: ${missing[*]}"
  if ! apt-get install -y -qq "${missing[@]}" >/dev/null; then
    # Lists can be stale (404 on a superseded .deb): refresh once and retry.
    log "install failed, retrying after apt-get update"
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

mkdir -p "$CONF_DIR"
desired=$(cat <<'EOF'
# Written by scripts/setup/podman.sh. Use with CONTAINERS_CONF=/etc/shipyard/containers.conf.
[containers]
# The podman default nofile (1048576) is above this VM's hard limit (20000): runc fails with "error setting rlimit
# type 7: operation not permitted", crun with "setrlimit RLIMIT_NOFILE: Operation not permitted".
default_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]

[engine]
runtime = "runc"
# No systemd as PID 1 and hybrid cgroups v1: use cgroupfs (with crun + systemd: "cgroups in hybrid mode not supported").
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
# Pinned: otherwise podman picks a backend on first run and warns about the CNI config Debian ships.
network_backend = "netavark"
EOF
)
if [ -f "$CONF" ] && [ "$(cat "$CONF")" = "$desired" ]; then
  log "$CONF up to date"
else
  printf '%s\n' "$desired" >"$CONF"
  log "wrote $CONF"
fi

command -v runc >/dev/null || { echo "[podman-setup] runc missing after install" >&2; exit 1; }
log "$(podman --version), $(runc --version | head -1)"
