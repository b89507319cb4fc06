#!/usr/bin/env bash
# The repository's npm dependencies: `npm ci` (exactly the lockfile), or, when the lockfile no longer matches the
# workspaces (a package added by `shipyard add` and not installed yet), `npm install`, which updates it. So the
# set-up works before or after the README's main job, and again.
set -euo pipefail
cd "$(dirname "$0")/../.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# npm's messages are shown, except its usage text when the lockfile is only out of date.
if npm ci --no-audit --no-fund 2>"$log"; then
  cat "$log" >&2
  exit 0
fi
if grep -q "are in sync" "$log"; then
  grep -E "^npm error Missing: " "$log" | sort -u >&2 || true
  echo "npm-deps: package-lock.json does not match the workspaces (a package was added): npm install updates it"
  npm install --no-audit --no-fund
else
  cat "$log" >&2
  echo "npm-deps: npm ci failed (see above)" >&2
  exit 1
fi
