#!/usr/bin/env bash
# Installs Debian's PostgreSQL server and client, for the tests of services generated with --database postgres
# (test/support/postgres.ts starts a throw-away cluster on a free loopback port with these binaries). The
# distribution's package, not a container: Docker Hub cannot be reached here, and Debian's archive can.
# The cluster Debian creates and starts by default is stopped and disabled: the tests never use it, and it would
# hold port 5432 for nothing.
#
#   bash scripts/setup/postgres.sh      # idempotent: a second run only checks (a few ms)
set -euo pipefail

newest_major() { find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -1; }

if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && command -v psql >/dev/null; then
  echo "postgresql: $(newest_major) installed"
  exit 0
fi

apt-get update -qq
# policy-rc.d 101: install without starting the default cluster's service (no systemd here anyway).
policy=/usr/sbin/policy-rc.d
created_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=true
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql postgresql-client >/dev/null
if $created_policy; then rm -f "$policy"; fi
# A default cluster (main) may have been created and started by the package scripts: stop it, keep it from starting.
if command -v pg_lsclusters >/dev/null; then
  pg_lsclusters --no-header 2>/dev/null | while read -r version cluster _; do
    pg_ctlcluster "$version" "$cluster" stop 2>/dev/null || true
    echo manual >"/etc/postgresql/$version/$cluster/start.conf" 2>/dev/null || true
  done
fi
echo "postgresql: $(newest_major) installed"
