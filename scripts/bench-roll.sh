#!/usr/bin/env bash
# Figures of issue 16 (family-planning services) on the 1M demo province,
# both engines:
#  1. the yearly reward roll of the province (renkou roll compute --format
#     csv) under /usr/bin/time, beside reading the same columns of every
#     person with the raw engine (sqlite3 / psql \copy) in the same run; the
#     reasons' counts against the eligible and ineligible counts; a second
#     computation compared byte for byte with the first;
#  2. a township's list of cases due with 100,000 open cases in the
#     province (renkou-bench cases-due), beside the plain statement.
# Usage: scripts/bench-roll.sh [PEOPLE] [ENGINES]
#   (default 1000000 "sqlite postgres"; databases and output in bench-out/,
#   a demo made once is used again)
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${1:-1000000}"
ENGINES="${2:-sqlite postgres}"
OUT=bench-out
PG=postgres://postgres@127.0.0.1:5432
YEAR=$(date +%Y)
mkdir -p "$OUT"
exec > >(tee "$OUT/bench-roll.log") 2>&1
echo "renkou bench-roll, $(date -u +%FT%TZ), $(nproc) cores, $PEOPLE persons, roll year $YEAR"
scripts/postgres-up.sh
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
cargo build --release -q -p renkou-cli -p renkou-bench
R=target/release/renkou
B=target/release/renkou-bench
calc() { awk "BEGIN{printf \"%.2f\", $1}"; }
COLUMNS="SELECT p.id, p.sex, p.birth_date, p.status, p.death_date, p.hukou_type,
  COALESCE(p.hukou_region, p.residence), p.mother_id, p.father_id, p.spouse_id, d.grade, p.marital_status
  FROM persons p LEFT JOIN disabilities d ON d.person_id = p.id WHERE p.status <> 'merged'"

engine() {
  local name="$1" db="$2" raw="$3"
  echo "== $name: $PEOPLE persons"
  # Migrates the database and warms the page cache for both readers; it
  # prints the reasons with their counts.
  "$R" --db "$db" roll compute --program reward --year "$YEAR" --region 510000
  local start; start=$(date +%s.%N)
  eval "$raw"
  echo "raw engine reading the same columns of every person: $(calc "$(date +%s.%N) - $start") s"
  for run in 1 2; do
    /usr/bin/time -f "roll compute (run $run): %e s wall, %M KB peak" \
      "$R" --db "$db" roll compute --program reward --year "$YEAR" --region 510000 \
      --format csv --out "$OUT/roll-$name-$run.csv"
  done
  if cmp -s "$OUT/roll-$name-1.csv" "$OUT/roll-$name-2.csv"; then
    echo "second computation: the same roll, byte for byte"
  else
    echo "second computation: DIFFERENT"
  fi
  awk -F, 'NR > 1 { n[$2]++; r[$2 "," $3]++ } END {
    for (k in r) { split(k, a, ","); s[a[1]] += r[k] }
    printf "considered %d, eligible %d (reasons add up to %d), ineligible %d (reasons add up to %d)\n",
      n[0] + n[1], n[1], s[1], n[0], s[0] }' "$OUT/roll-$name-1.csv"
  "$B" cases-due --db "$db" --open 100000 --samples 500
}

for e in $ENGINES; do
  case "$e" in
    sqlite)
      [[ -f "$OUT/roll.db" ]] || "$R" --db "sqlite://$OUT/roll.db" demo --people "$PEOPLE" --seed 1 | tail -1
      engine SQLite "sqlite://$OUT/roll.db" "sqlite3 $OUT/roll.db \".output /dev/null\" \"$COLUMNS;\"" ;;
    postgres)
      if ! psql -lqt "$PG/postgres" | cut -d'|' -f1 | grep -qw renkou_roll; then
        psql -q "$PG/postgres" -c "CREATE DATABASE renkou_roll"
        "$R" --db "$PG/renkou_roll" demo --people "$PEOPLE" --seed 1 | tail -1
      fi
      engine PostgreSQL "$PG/renkou_roll" "psql -q $PG/renkou_roll -c \"\\copy ($COLUMNS) TO '/dev/null'\"" ;;
  esac
done
