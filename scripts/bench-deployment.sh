#!/usr/bin/env bash
# The deployment figures of issue 17: several servers behind HAProxy, with
# and without the caches (renkou-bench deployment), on a demo province in
# PostgreSQL (partitioned by city).
# Usage: scripts/bench-deployment.sh [PEOPLE] [SECONDS]   (defaults 1000000, 30)
# KEEP_DB=1 reuses the database of an earlier run (same PEOPLE).
# Output in bench-out/deployment.log.
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${1:-1000000}"
SECONDS_EACH="${2:-30}"
OUT=bench-out
DB=postgres://postgres@127.0.0.1:5432/renkou_deployment
mkdir -p "$OUT"
exec > >(tee "$OUT/deployment.log") 2>&1
echo "renkou bench-deployment, $(date -u +%FT%TZ), $(nproc) cores, $PEOPLE persons, ${SECONDS_EACH}s per run"
scripts/postgres-up.sh
need() { command -v "$1" >/dev/null || { apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }; }
need haproxy haproxy
need wrk wrk
need redis-cli redis-tools
redis-cli -u redis://127.0.0.1:6379 PING >/dev/null || { echo "Redis does not answer on 127.0.0.1:6379"; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true   # 3,000 connections need more than 1,024 descriptors

cargo build --release -q -p renkou-cli -p renkou-bench
R=$PWD/target/release/renkou
B=$PWD/target/release/renkou-bench
if [ "${KEEP_DB:-}" != 1 ] || ! psql -q "$DB" -c "SELECT 1" >/dev/null 2>&1; then
  psql -q "${DB%/*}/postgres" -c "DROP DATABASE IF EXISTS renkou_deployment WITH (FORCE)" -c "CREATE DATABASE renkou_deployment" >/dev/null
  "$R" --db "$DB" demo --people "$PEOPLE" --seed 1 | tail -3
fi
psql -q "$DB" -c "VACUUM ANALYZE" >/dev/null
"$B" load-prepare --db "$DB" --sessions 3000 --out "$OUT/load-deployment"
"$B" deployment --db "$DB" --lists "$OUT/load-deployment" --seconds "$SECONDS_EACH" --workdir "$OUT/deployment"
