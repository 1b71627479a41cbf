#!/usr/bin/env bash
# A PostgreSQL primary with its hot mirror and, optionally, a decision-support
# copy, as clusters of Debian's postgresql-common on this machine (one port
# each). docs/deployment.md does the same on separate servers.
#
# - The mirror streams synchronously (synchronous_standby_names): a commit is
#   acknowledged only once the mirror has it, so a failover loses no
#   committed event.
# - The decision-support copy streams asynchronously (reports may lag by a
#   moment; the health page and each report say how much) with
#   hot_standby_feedback, so long reports are not cancelled by the primary's
#   vacuum.
#
#   scripts/pg-mirror.sh up NAME PRIMARY_PORT MIRROR_PORT [REPORTS_PORT]
#       (re)creates NAME-primary, NAME-mirror [and NAME-reports], empty but
#       for the database `renkou`, and waits until the mirror is in sync
#   scripts/pg-mirror.sh kill-primary NAME    stops the primary at once (a crash)
#   scripts/pg-mirror.sh promote NAME         makes the mirror the primary
#   scripts/pg-mirror.sh down NAME            drops the clusters
set -euo pipefail

version=$(ls /etc/postgresql | sort -n | tail -1)
ctl() { pg_ctlcluster --skip-systemctl-redirect "$version" "$@"; }
as_postgres() { runuser -u postgres -- "$@"; }

# A new cluster that trusts loopback (tests only: docs/deployment.md uses
# scram-sha-256 and a replication password between servers).
create() {
  local name=$1 port=$2
  pg_dropcluster --stop "$version" "$name" 2>/dev/null || true
  pg_createcluster -q "$version" "$name" -p "$port" >/dev/null
  local etc="/etc/postgresql/$version/$name"
  cat >"$etc/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
EOF
  cat >"$etc/conf.d/renkou.conf" <<EOF
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 10
wal_keep_size = '1GB'
hot_standby = on
jit = off
EOF
}

# Replaces a stopped cluster's data with a base backup of the primary that
# streams from it under `application_name`.
follow() {
  local name=$1 primary_port=$2 application=$3
  local data="/var/lib/postgresql/$version/$name"
  find "$data" -mindepth 1 -delete
  as_postgres pg_basebackup -h 127.0.0.1 -p "$primary_port" -U postgres -D "$data" -X stream -c fast -R
  echo "primary_conninfo = 'host=127.0.0.1 port=$primary_port user=postgres application_name=$application'" \
    >>"$data/postgresql.auto.conf"
}

wait_for() {
  local what=$1; shift
  for _ in $(seq 1 120); do
    if [ "$("$@" 2>/dev/null)" = t ]; then return 0; fi
    sleep 0.5
  done
  echo "pg-mirror: $what did not happen in 60 s" >&2
  exit 1
}

case "${1:-}" in
  up)
    name=$2 primary_port=$3 mirror_port=$4 reports_port=${5:-}
    create "$name-primary" "$primary_port"
    ctl "$name-primary" start
    create "$name-mirror" "$mirror_port"
    follow "$name-mirror" "$primary_port" mirror
    ctl "$name-mirror" start
    # Synchronous from now on (before, the primary's commits would wait for
    # a mirror that is not there yet).
    echo "synchronous_standby_names = 'ANY 1 (mirror)'" \
      >>"/etc/postgresql/$version/$name-primary/conf.d/renkou.conf"
    ctl "$name-primary" reload
    if [ -n "$reports_port" ]; then
      create "$name-reports" "$reports_port"
      echo "hot_standby_feedback = on" >>"/etc/postgresql/$version/$name-reports/conf.d/renkou.conf"
      follow "$name-reports" "$primary_port" reports
      ctl "$name-reports" start
    fi
    wait_for "the mirror in sync" psql -h 127.0.0.1 -p "$primary_port" -U postgres -Atc \
      "SELECT EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = 'mirror' AND sync_state IN ('sync', 'quorum'))"
    psql -h 127.0.0.1 -p "$primary_port" -U postgres -qc 'CREATE DATABASE renkou'
    echo "primary 127.0.0.1:$primary_port, mirror 127.0.0.1:$mirror_port${reports_port:+, reports 127.0.0.1:$reports_port}"
    ;;
  kill-primary)
    ctl "$2-primary" stop -m immediate
    ;;
  promote)
    ctl "$2-mirror" promote
    ;;
  down)
    for part in primary mirror reports; do
      pg_dropcluster --stop "$version" "$2-$part" 2>/dev/null || true
    done
    ;;
  *)
    sed -n '2,20p' "$0" >&2
    exit 2
    ;;
esac
