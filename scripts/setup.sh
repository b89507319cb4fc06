#!/usr/bin/env bash
# Everything a fresh machine (Debian, root, Node 20) needs to build, run and test Shipyard. Idempotent: a second
# run only checks. Each step lives in scripts/setup/ so it can be run alone.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "system packages"
need=()
command -v git >/dev/null || need+=(git)
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v curl >/dev/null || need+=(curl)
# The GitHub CLI: its --help checks the gh calls of the upgrade workflow (test/upgrade-pr.test.ts).
command -v gh >/dev/null || need+=(gh)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
git config --global user.name >/dev/null || git config --global user.name "Shipyard CI"
git config --global user.email >/dev/null || git config --global user.email "ci@shipyard.invalid"

step "npm dependencies"
bash scripts/setup/npm-deps.sh

step "test tools (local npm registry, turbo cache server, clever-tools with Node 22)"
bash scripts/setup/tools.sh
bash scripts/setup/clever-tools.sh

step "pnpm, Yarn Berry and bun (pinned, from the npm registry): repositories created with --package-manager"
bash scripts/setup/package-managers.sh

step "the services' Node.js (24), next to the machine's"
bash scripts/setup/service-node.sh 24

step "podman and the node:24-bookworm-slim stand-in (Docker Hub is not reachable here)"
bash scripts/setup/podman.sh
bash scripts/setup/node-base-image.sh 24

step "PostgreSQL (Debian's package): the tests of services with --database postgres start throw-away clusters"
bash scripts/setup/postgres.sh

step "podman-compose and a local PostgreSQL image (compose.yaml of database services; Docker Hub is not reachable here)"
bash scripts/setup/compose.sh
