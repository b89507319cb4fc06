#!/usr/bin/env bash
# Installs the test tools kept under scripts/tools/<name>/ (each a private npm project with its own lockfile,
# outside the root workspaces so their dependency trees never mix with the product's).
#
#   bash scripts/setup/tools.sh              # every folder under scripts/tools with a package.json
#   bash scripts/setup/tools.sh verdaccio    # only the named tools
#
# Idempotent: after a successful `npm ci` the hash of package.json + package-lock.json (+ Node's module ABI) is
# stored in node_modules/.shipyard-tools-hash; a folder whose stored hash matches is skipped, so a run with nothing
# to do takes a few milliseconds per tool.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools_dir="$root/scripts/tools"
abi="$(node -p 'process.platform + "-" + process.arch + "-abi" + process.versions.modules')"

if [[ $# -gt 0 ]]; then
  dirs=()
  for name in "$@"; do dirs+=("$tools_dir/$name"); done
else
  shopt -s nullglob
  dirs=("$tools_dir"/*/)
fi

for dir in "${dirs[@]}"; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  if [[ ! -f "$dir/package.json" ]]; then
    [[ $# -gt 0 ]] && { echo "tools: no package.json in scripts/tools/$name" >&2; exit 1; }
    continue
  fi
  if [[ ! -f "$dir/package-lock.json" ]]; then
    echo "tools: scripts/tools/$name has no package-lock.json (run npm install --prefix scripts/tools/$name)" >&2
    exit 1
  fi
  want="$( { cat "$dir/package.json" "$dir/package-lock.json"; echo "$abi"; } | sha256sum | cut -d' ' -f1)"
  stamp="$dir/node_modules/.shipyard-tools-hash"
  if [[ -f "$stamp" && "$(<"$stamp")" == "$want" ]]; then
    echo "tools: $name up to date"
    continue
  fi
  echo "tools: installing $name (npm ci)"
  start=$SECONDS
  # engine-strict off: turborepo-remote-cache pulls cookie@2 (engines node>=22) which works on Node 20.19+.
  npm ci --prefix "$dir" --no-audit --no-fund --engine-strict=false --loglevel=error
  echo "$want" >"$stamp"
  echo "tools: $name installed in $((SECONDS - start))s"
done
