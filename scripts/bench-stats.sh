#!/usr/bin/env bash
# Figures of the statistics (issue 4) on the 1M demo province, on both engines,
# each beside the raw engine in the same run:
#   1. the province report at county level from the counters, and the same
#      figures by a plain GROUP BY over the persons (checked equal, cell by cell)
#   2. renkou stats verify on the whole register (1M persons, 1.1M events)
#   3. events per second with and without counters (alternating blocks)
# Usage: scripts/bench-stats.sh [PEOPLE]   (default 1000000; output in bench-out/)
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${1:-1000000}"
OUT=bench-out
PG=postgres://postgres@127.0.0.1:5432
mkdir -p "$OUT"
exec > >(tee "$OUT/bench-stats.log") 2>&1
echo "renkou bench-stats, $(date -u +%FT%TZ), $(nproc) cores, $PEOPLE persons"
scripts/postgres-up.sh
cargo build --release -q -p renkou-cli -p renkou-bench
R=target/release/renkou
B=target/release/renkou-bench

echo "== SQLite"
rm -f "$OUT"/stats.db*
"$R" --db "sqlite://$OUT/stats.db" demo --people "$PEOPLE" --seed 1 | tail -1
"$B" stats --db "sqlite://$OUT/stats.db"
/usr/bin/time -f "stats verify (CLI): %e s wall, %M KB peak" "$R" --db "sqlite://$OUT/stats.db" stats verify | tail -1

echo "== PostgreSQL"
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS renkou_stats WITH (FORCE)" -c "CREATE DATABASE renkou_stats" >/dev/null
"$R" --db "$PG/renkou_stats" demo --people "$PEOPLE" --seed 1 | tail -1
psql -q "$PG/renkou_stats" -c "VACUUM ANALYZE" >/dev/null
"$B" stats --db "$PG/renkou_stats"
/usr/bin/time -f "stats verify (CLI): %e s wall, %M KB peak" "$R" --db "$PG/renkou_stats" stats verify | tail -1
