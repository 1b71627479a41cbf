#!/usr/bin/env bash
# Figures of the registry core (issue 2), each beside the raw engine in the same run:
#   1. renkou demo --people 1000000 on SQLite (wall time)
#   2. import of a 1,000,000-row register CSV vs sqlite3 .import / psql \copy into a
#      table with the same indexes (throughput ratio), for both engines
#   3. person lookup by identity number on the 1M database, in process (median)
# Usage: scripts/bench-core.sh [PEOPLE]   (default 1000000; output in bench-out/)
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${1:-1000000}"
OUT=bench-out
PG=postgres://postgres@127.0.0.1:5432
mkdir -p "$OUT"
exec > >(tee "$OUT/bench.log") 2>&1
echo "renkou bench-core, $(date -u +%FT%TZ), $(nproc) cores, $PEOPLE persons"
scripts/postgres-up.sh
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }

cargo build --release -q -p renkou-cli -p renkou-bench
R=target/release/renkou
B=target/release/renkou-bench
secs() { local s; s=$(date +%s.%N); "$@" >/dev/null; awk -v a="$(date +%s.%N)" -v b="$s" "BEGIN{printf \"%.2f\", a-b}"; }
calc() { awk "BEGIN{printf \"%.2f\", $1}"; }

echo "== 1. demo: $PEOPLE persons on SQLite"
rm -f "$OUT"/demo.db*
start=$(date +%s.%N)
"$R" --db "sqlite://$OUT/demo.db" demo --people "$PEOPLE" --seed 1
echo "demo wall time: $(calc "$(date +%s.%N) - $start") s"

echo "== 2. import of a $PEOPLE-row register CSV"
"$B" register --people "$PEOPLE" --seed 2 --out "$OUT/register.csv"
rows=$(($(wc -l < "$OUT/register.csv") - 1))
# The raw engine loads the same file into a table with the register's indexes.
RAW_SCHEMA=$(cat scripts/raw-register.sql)

rm -f "$OUT"/import.db* "$OUT"/raw.db*
"$R" --db "sqlite://$OUT/import.db" init --regions-prefix 51 >/dev/null
sqlite3 "$OUT/raw.db" "PRAGMA journal_mode=WAL;" "$RAW_SCHEMA" >/dev/null
t_renkou=$(secs "$R" --db "sqlite://$OUT/import.db" import "$OUT/register.csv" --source bench)
t_raw=$(secs sqlite3 "$OUT/raw.db" -cmd "PRAGMA synchronous=NORMAL" ".mode csv" ".import --skip 1 $OUT/register.csv register")
"$R" --db "sqlite://$OUT/import.db" import "$OUT/register.csv" --source bench | sed 's/^/  re-import: /'
echo "sqlite: renkou import $t_renkou s ($(calc "$rows / $t_renkou") rows/s), sqlite3 .import $t_raw s ($(calc "$rows / $t_raw") rows/s), ratio renkou/raw throughput $(calc "$t_raw / $t_renkou")"

psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS renkou_bench WITH (FORCE)" -c "DROP DATABASE IF EXISTS renkou_bench_raw WITH (FORCE)" \
  -c "CREATE DATABASE renkou_bench" -c "CREATE DATABASE renkou_bench_raw" >/dev/null
"$R" --db "$PG/renkou_bench" init --regions-prefix 51 >/dev/null
psql -q "$PG/renkou_bench_raw" -c "$RAW_SCHEMA" >/dev/null
t_renkou=$(secs "$R" --db "$PG/renkou_bench" import "$OUT/register.csv" --source bench)
t_raw=$(secs psql -q "$PG/renkou_bench_raw" -c "\\copy register FROM '$OUT/register.csv' WITH (FORMAT csv, HEADER true)")
echo "postgres: renkou import $t_renkou s ($(calc "$rows / $t_renkou") rows/s), psql \\copy $t_raw s ($(calc "$rows / $t_raw") rows/s), ratio renkou/raw throughput $(calc "$t_raw / $t_renkou")"

echo "== 3. lookup by identity number"
"$B" lookup --db "sqlite://$OUT/demo.db"
"$B" lookup --db "$PG/renkou_bench"
