#!/usr/bin/env bash
# The package managers a Shipyard repository may use besides npm: pnpm, Yarn Berry and bun, at the versions pinned
# in scripts/tools/package-managers/package.json (the same as templates/versions.json, which the generated
# `packageManager` fields name), installed from the npm registry into scripts/tools/package-managers/node_modules.
# test/support/package-managers.ts puts its .bin first on PATH; nothing is installed globally, so the machine's own
# npm (and corepack, which cannot fetch pnpm here: "No compatible signature found") are left alone.
#
#   bash scripts/setup/package-managers.sh            # install (stamped: a rerun with nothing to do takes ms)
#   SHIPYARD_PM_VERIFY=1 bash scripts/setup/package-managers.sh   # also install a package with each, for real
#
# Why from the npm registry: `pnpm` and `@yarnpkg/cli-dist` are the managers' own builds, and `bun` ships its
# binary in the optional dependency @oven/bun-<platform> (its postinstall links it), so no other host is needed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$root/scripts/tools/package-managers"
bin="$dir/node_modules/.bin"

bash "$root/scripts/setup/tools.sh" package-managers

# Each bin answers with its pinned version (a half-installed bun answers nothing: its postinstall did not run).
for manager in pnpm yarn bun; do
  package=$manager
  [[ $manager == yarn ]] && package=@yarnpkg/cli-dist
  want="$(node -p "require('$dir/package.json').dependencies['$package']")"
  # From the tools folder: in a repository whose packageManager names npm, pnpm refuses to run at all.
  got="$(cd "$dir"; "$bin/$manager" --version 2>/dev/null)" || got=""
  if [[ "$got" != "$want" ]]; then
    echo "package-managers: $manager --version says '${got}', want $want; reinstall: rm -rf $dir/node_modules && bash $0" >&2
    exit 1
  fi
  echo "package-managers: $manager $got"
done

if [[ "${SHIPYARD_PM_VERIFY:-}" == 1 ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  for manager in pnpm yarn bun; do
    mkdir "$work/$manager"
    printf '{"name":"verify","version":"0.0.0","private":true,"dependencies":{"ms":"2.1.3"}}\n' >"$work/$manager/package.json"
    # Yarn Berry: an empty yarn.lock marks the project root; node-modules linker as Shipyard repositories use.
    [[ $manager == yarn ]] && { : >"$work/yarn/yarn.lock"; printf 'nodeLinker: node-modules\n' >"$work/yarn/.yarnrc.yml"; }
    (cd "$work/$manager" && PATH="$bin:$PATH" "$manager" install >"$work/$manager.log" 2>&1) ||
      { cat "$work/$manager.log" >&2; echo "package-managers: $manager install from the registry failed" >&2; exit 1; }
    [[ -f "$work/$manager/node_modules/ms/package.json" ]] || { echo "package-managers: $manager installed no ms" >&2; exit 1; }
    echo "package-managers: $manager installs from the registry"
  done
fi
