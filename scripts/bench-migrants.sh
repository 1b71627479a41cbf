#!/usr/bin/env bash
# Figures of the migrant import (issue 15) on the 1M demo province, on both
# engines, each beside the raw engine in the same run: a file of 100,000
# incoming migrant records (renkou demo --migrant-export: residents now
# living in another county with the noise of other registers, newcomers
# from other provinces, some reported twice, some broken) is imported under
# /usr/bin/time (wall time, peak memory) beside loading the same file into
# a plain table (sqlite3 .import / psql \copy); the links are scored against
# the file's truth (renkou-bench migrants-score: precision, recall); the
# same file again; renkou stats verify after.
# Usage: scripts/bench-migrants.sh [PEOPLE] [RECORDS] [ENGINES]
#   (default 1000000 100000 "sqlite postgres"; output in bench-out/)
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${1:-1000000}"
RECORDS="${2:-100000}"
ENGINES="${3:-sqlite postgres}"
OUT=bench-out
PG=postgres://postgres@127.0.0.1:5432
mkdir -p "$OUT"
exec > >(tee "$OUT/bench-migrants.log") 2>&1
echo "renkou bench-migrants, $(date -u +%FT%TZ), $(nproc) cores, $PEOPLE persons, $RECORDS records"
scripts/postgres-up.sh
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
cargo build --release -q -p renkou-cli -p renkou-bench
R=target/release/renkou
B=target/release/renkou-bench
calc() { awk "BEGIN{printf \"%.2f\", $1}"; }
RAW="CREATE TABLE migrants (record_id TEXT PRIMARY KEY, id_number TEXT, name TEXT, sex TEXT,
  birth_date TEXT, ethnicity TEXT, region_code TEXT, household_no TEXT, relation TEXT, hukou_type TEXT,
  hukou_region TEXT, arrival_date TEXT, reason TEXT, workplace TEXT, address TEXT, phone TEXT)"
FILE="$OUT/migrants.csv"

engine() {
  local name="$1" db="$2"
  echo "== $name: $PEOPLE persons"
  "$R" --db "$db" demo --people "$PEOPLE" --seed 1 | tail -1
  "$R" --db "$db" demo --migrant-export "$FILE" --records "$RECORDS" --seed 7
  local start; start=$(date +%s.%N)
  if [[ "$name" == SQLite ]]; then
    rm -f "$OUT/migrants-raw.db"
    sqlite3 "$OUT/migrants-raw.db" "$RAW" ".mode csv" ".import --skip 1 $FILE migrants"
  else
    psql -q "$PG/renkou_migrants" -c "DROP TABLE IF EXISTS migrants" -c "$RAW" >/dev/null
    psql -q "$PG/renkou_migrants" -c "\\copy migrants FROM '$FILE' CSV HEADER" >/dev/null
  fi
  echo "raw load of the file into a plain table: $(calc "$(date +%s.%N) - $start") s"
  /usr/bin/time -f "migrants import: %e s wall, %M KB peak" \
    "$R" --db "$db" migrants import "$FILE" --source bench | tail -3
  "$B" migrants-score --db "$db" --source bench --truth "$OUT/migrants.truth.csv"
  /usr/bin/time -f "migrants import again: %e s wall, %M KB peak" \
    "$R" --db "$db" migrants import "$FILE" --source bench | tail -2
  /usr/bin/time -f "stats verify after the import (CLI): %e s wall, %M KB peak" "$R" --db "$db" stats verify | tail -1
}

for e in $ENGINES; do
  case "$e" in
    sqlite)
      rm -f "$OUT"/migrants.db*
      engine SQLite "sqlite://$OUT/migrants.db" ;;
    postgres)
      psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS renkou_migrants WITH (FORCE)" -c "CREATE DATABASE renkou_migrants" >/dev/null
      engine PostgreSQL "$PG/renkou_migrants" ;;
  esac
done
