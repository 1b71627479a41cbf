#!/usr/bin/env bash
# Scale evidence of issue 17: provinces of 1M, 3M and 10M persons on
# PostgreSQL (partitioned by city), each built by importing a register CSV
# with the legacy forms real registers carry, and at each size:
#   import rate (beside psql \copy of the same file, same run), person lookup
#   p50/p99, the province report (beside a plain GROUP BY), a township's work
#   lists, the reconciliation of the largest county's extract, stats verify,
#   and the database's size on disk.
# Usage: scripts/bench-scale.sh [SIZES...]   (default: 1000000 3000000 10000000)
# Output in bench-out/scale/scale.log; the table's lines start with "SCALE".
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000000 3000000 10000000)
OUT=bench-out/scale
PG=postgres://postgres@127.0.0.1:5432
mkdir -p "$OUT"
exec > >(tee "$OUT/scale.log") 2>&1
echo "renkou bench-scale, $(date -u +%FT%TZ), $(nproc) cores, $(free -g | awk '/Mem/{print $2}') GiB, sizes ${SIZES[*]}"
scripts/postgres-up.sh
cargo build --release -q -p renkou-cli -p renkou-bench
R=$PWD/target/release/renkou
B=$PWD/target/release/renkou-bench
secs() { local s; s=$(date +%s.%N); "$@" >/dev/null; awk -v a="$(date +%s.%N)" -v b="$s" "BEGIN{printf \"%.1f\", a-b}"; }
# The raw engine loads the same file into a table with the register's indexes.
RAW_SCHEMA=$(cat scripts/raw-register.sql)

for N in "${SIZES[@]}"; do
  echo "== $N persons"
  CSV="$OUT/register-$N.csv"
  [ -f "$CSV" ] || "$B" register --people "$N" --seed 2 --out "$CSV"
  rows=$(($(wc -l < "$CSV") - 1))
  DB="$PG/renkou_scale_$N"
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS renkou_scale_$N WITH (FORCE)" -c "DROP DATABASE IF EXISTS renkou_scale_raw WITH (FORCE)" \
    -c "CREATE DATABASE renkou_scale_$N" -c "CREATE DATABASE renkou_scale_raw" >/dev/null
  "$R" --db "$DB" init --regions-prefix 51 >/dev/null
  t_import=$(secs "$R" --db "$DB" import "$CSV" --source police)
  psql -q "$PG/renkou_scale_raw" -c "$RAW_SCHEMA" >/dev/null
  t_raw=$(secs psql -q "$PG/renkou_scale_raw" -c "\\copy register FROM '$CSV' WITH (FORMAT csv, HEADER true)")
  psql -q "$PG/postgres" -c "DROP DATABASE renkou_scale_raw" >/dev/null
  psql -q "$DB" -c "VACUUM ANALYZE" >/dev/null
  persons=$(psql -qtA "$DB" -c "SELECT count(*) FROM persons")
  partitions=$(psql -qtA "$DB" -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'persons'::regclass")
  echo "import: $rows rows in $t_import s; psql \\copy of the same file $t_raw s; $persons persons in $partitions partitions"
  lookup=$("$B" lookup --db "$DB" --samples 20000 | tee /dev/stderr)
  stats=$("$B" stats --db "$DB" --samples 20 --events 0 | tee /dev/stderr)
  lists=$("$B" wis-lists --db "$DB" --requests 100 | tee /dev/stderr)
  county=$(awk -F, 'NR > 1 { c[substr($7, 1, 6)]++ } END { for (k in c) if (k ~ /^51[0-9]{4}$/ && c[k] > m) { m = c[k]; best = k } print best }' "$CSV")
  { head -1 "$CSV"; awk -F, -v c="$county" 'NR > 1 && substr($7, 1, 6) == c' "$CSV"; } > "$OUT/extract-$N.csv"
  extract=$(($(wc -l < "$OUT/extract-$N.csv") - 1))
  t_reconcile=$(secs "$R" --db "$DB" tasks raise "$OUT/extract-$N.csv" --source police-extract --region "${county}000000")
  echo "reconciliation of county $county: $extract records in $t_reconcile s"
  size=$(psql -qtA "$DB" -c "SELECT pg_database_size(current_database())")
  echo "database size: $size bytes"
  pick() { sed -n "s/.*$1 \([0-9.]*\) ms.*/\1/p" <<<"$2" | head -1; }
  echo "SCALE persons=$persons import_s=$t_import import_rows_s=$(awk "BEGIN{printf \"%.0f\", $rows / $t_import}") copy_s=$t_raw" \
       "lookup_p50_ms=$(pick median "$lookup") lookup_p99_ms=$(pick p99 "$lookup")" \
       "province_report_ms=$(sed -n 's/.*counters median \([0-9.]*\) ms.*/\1/p' <<<"$stats") group_by_ms=$(sed -n 's/.*over persons median \([0-9.]*\) ms.*/\1/p' <<<"$stats")" \
       "stats_verify_s=$(sed -n 's/.* differences in \([0-9.]*\) s.*/\1/p' <<<"$stats")" \
       "worklist_p50_ms=$(sed -n 's/^work-list pages.*p50 \([0-9.]*\) ms.*/\1/p' <<<"$lists") worklist_p99_ms=$(sed -n 's/^work-list pages.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$lists")" \
       "county_reconcile_s=$t_reconcile county_records=$extract db_bytes=$size"
  [ "${KEEP_DB:-}" = 1 ] || psql -q "$PG/postgres" -c "DROP DATABASE renkou_scale_$N WITH (FORCE)" >/dev/null
done
