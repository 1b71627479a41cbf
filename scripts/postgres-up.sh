#!/usr/bin/env bash
# Makes sure the local PostgreSQL (127.0.0.1:5432, trust auth) answers; starts
# the cluster if it is installed but down. Exits non-zero if it cannot.
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || psql -h 127.0.0.1 -U postgres -Atc 'select 1' >/dev/null 2>&1; }
if ready; then exit 0; fi
if ! command -v pg_ctlcluster >/dev/null; then
  echo "PostgreSQL is not installed; installing Debian's postgresql" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  version=$(ls /etc/postgresql | sort -n | tail -1)
  sed -i 's/^\(host.*127.0.0.1\/32\s*\)\S*$/\1trust/; s/^\(local\s*all\s*postgres\s*\)\S*$/\1trust/' \
    "/etc/postgresql/$version/main/pg_hba.conf"
fi
for version in $(ls /etc/postgresql); do
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
done
for _ in $(seq 1 30); do
  if ready; then exit 0; fi
  sleep 1
done
echo "PostgreSQL at 127.0.0.1:5432 is unreachable: the PostgreSQL tests cannot run" >&2
exit 1
