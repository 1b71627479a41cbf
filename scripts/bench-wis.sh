#!/usr/bin/env bash
# Figures of the women's cards (issue 14) on the 1M demo province plus a
# township of about 30,000 people, on both engines, each beside the raw
# engine in the same run:
#   1. the work lists of that township as pages served in process (p50, p99
#      over 100 requests) beside the bare query they are computed from
#   2. the contraception report at province level by county from the
#      counters (median, p99) beside a plain GROUP BY, checked equal cell by
#      cell; then renkou stats verify on everything
#   3. events per second with the new counters and policy rules and without
#   4. converting a 100,000-card legacy export (renkou demo --wis-export):
#      wall time and peak memory beside loading the same two files into
#      plain tables (sqlite3 .import / psql \copy), precision and recall of
#      the card links against the export's truth, and the same files again
# Usage: scripts/bench-wis.sh [PEOPLE] [CARDS]   (default 1000000 100000; output in bench-out/)
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${1:-1000000}"
CARDS="${2:-100000}"
OUT=bench-out
PG=postgres://postgres@127.0.0.1:5432
TOWNSHIP=510104017000
mkdir -p "$OUT"
exec > >(tee "$OUT/bench-wis.log") 2>&1
echo "renkou bench-wis, $(date -u +%FT%TZ), $(nproc) cores, $PEOPLE persons, $CARDS cards"
scripts/postgres-up.sh
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
cargo build --release -q -p renkou-cli -p renkou-bench
R=target/release/renkou
B=target/release/renkou-bench
calc() { awk "BEGIN{printf \"%.2f\", $1}"; }
RAW_SCHEMA="CREATE TABLE women (card_id TEXT PRIMARY KEY, id_number TEXT, name TEXT, birth_date TEXT,
  region_code TEXT, marital_status TEXT, marriage_date TEXT, spouse_name TEXT, spouse_id_number TEXT,
  method TEXT, method_start TEXT, pregnant_since TEXT);
CREATE TABLE children (card_id TEXT, name TEXT, id_number TEXT, sex TEXT, birth_date TEXT, outcome TEXT,
  health TEXT, alive TEXT);
CREATE INDEX children_card ON children (card_id);"

engine() {
  local name="$1" db="$2"
  echo "== $name: $PEOPLE persons, then $TOWNSHIP grown to about 30,000"
  "$R" --db "$db" demo --people "$PEOPLE" --seed 1 | tail -1
  "$R" --db "$db" demo --people 30000 --province "$TOWNSHIP" --append --seed 2 | tail -1
  if [[ "$name" == PostgreSQL ]]; then psql -q "$PG/renkou_wis" -c "VACUUM ANALYZE" >/dev/null; fi
  echo "-- 1. work lists"
  "$B" wis-lists --db "$db" --region "$TOWNSHIP" --requests 100
  echo "-- 2, 3. contraception report, events per second"
  "$B" wis-stats --db "$db" --samples 100 --events 4000
  /usr/bin/time -f "stats verify (CLI): %e s wall, %M KB peak" "$R" --db "$db" stats verify | tail -1
  echo "-- 4. conversion of $CARDS cards"
  rm -rf "$OUT/wis-export"
  "$R" --db "$db" demo --wis-export "$OUT/wis-export" --region 51 --cards "$CARDS" --seed 5
  local start; start=$(date +%s.%N)
  if [[ "$name" == SQLite ]]; then
    rm -f "$OUT/wis-raw.db"
    sqlite3 "$OUT/wis-raw.db" "$RAW_SCHEMA"
    sqlite3 "$OUT/wis-raw.db" ".mode csv" ".import --skip 1 $OUT/wis-export/women.csv women" \
      ".import --skip 1 $OUT/wis-export/children.csv children"
  else
    psql -q "$PG/renkou_wis" -c "DROP TABLE IF EXISTS women, children" -c "$RAW_SCHEMA" >/dev/null
    psql -q "$PG/renkou_wis" -c "\\copy women FROM '$OUT/wis-export/women.csv' CSV HEADER" \
      -c "\\copy children FROM '$OUT/wis-export/children.csv' CSV HEADER" >/dev/null
  fi
  echo "raw load of the two files into plain tables: $(calc "$(date +%s.%N) - $start") s"
  /usr/bin/time -f "wis import: %e s wall, %M KB peak" \
    "$R" --db "$db" wis import "$OUT/wis-export/women.csv" "$OUT/wis-export/children.csv" --source bench \
    | tail -3
  "$B" wis-score --db "$db" --source bench --truth "$OUT/wis-export/truth.csv"
  /usr/bin/time -f "wis import again: %e s wall, %M KB peak" \
    "$R" --db "$db" wis import "$OUT/wis-export/women.csv" "$OUT/wis-export/children.csv" --source bench \
    | tail -2
  /usr/bin/time -f "stats verify after the conversion (CLI): %e s wall, %M KB peak" "$R" --db "$db" stats verify | tail -1
}

rm -f "$OUT"/wis.db*
engine SQLite "sqlite://$OUT/wis.db"
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS renkou_wis WITH (FORCE)" -c "CREATE DATABASE renkou_wis" >/dev/null
engine PostgreSQL "$PG/renkou_wis"
