#!/usr/bin/env bash
# Figures of reconciliation against the registry (issue 5, part 4), on the
# 1M demo province in SQLite:
#   1. a police-like extract (scripts/police_extract.py), reconciled in full:
#      `renkou tasks raise` time, peak memory, tasks raised
#   2. the same source's newer extract (1.3% changed): the incremental run
#   3. that newer extract under another source name: the full run it saves
#   4. under a third name, the first extract, then the newer one with --full:
#      the tasks a full comparison raises beside those of step 1, to check
#      the incremental run raised the same
# Usage: scripts/bench-tasks.sh [PEOPLE]   (default 1,000,000). Output in bench-out/tasks/.
# BENCH_PG=1 runs it on PostgreSQL instead (a database renkou_bench_tasks on
# 127.0.0.1:5432, made once).
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${1:-1000000}"
OUT=bench-out/tasks
mkdir -p "$OUT"
exec > >(tee "$OUT/bench-tasks.log") 2>&1
echo "renkou bench-tasks, $(date -u +%FT%TZ), $(nproc) cores, population $PEOPLE"
cargo build --release -q -p renkou-cli
R=target/release/renkou
if [ -n "${BENCH_PG:-}" ]; then
    PG=postgres://postgres@127.0.0.1:5432
    DB="$PG/renkou_bench_tasks_$PEOPLE"
    if ! psql "$PG/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = 'renkou_bench_tasks_$PEOPLE'" | grep -q 1; then
        psql "$PG/postgres" -c "CREATE DATABASE renkou_bench_tasks_$PEOPLE" >/dev/null
        "$R" --db "$DB" demo --people "$PEOPLE"
    fi
    count() { psql "$DB" -tAF'|' -c "$1"; }
else
    DB="sqlite://$OUT/registry-$PEOPLE.db"
    if [ ! -f "$OUT/registry-$PEOPLE.db" ]; then
        "$R" --db "$DB" demo --people "$PEOPLE"
    fi
    count() { sqlite3 "$OUT/registry-$PEOPLE.db" "$1"; }
fi
echo "database: $DB"
"$R" --db "$DB" export > "$OUT/registry.csv"
python3 scripts/police_extract.py "$OUT/registry.csv" "$OUT/police-1.csv" --seed 1
python3 scripts/police_extract.py "$OUT/police-1.csv" "$OUT/police-2.csv" --seed 2 --newer
RUN="police-$(date +%s)"
echo "== 1. first extract, full reconciliation (source $RUN)"
/usr/bin/time -f "full: %e s wall, %M KB peak" \
    "$R" --db "$DB" tasks raise "$OUT/police-1.csv" --source "$RUN" --region 510000000000
echo "== 2. newer extract of the same source: incremental"
/usr/bin/time -f "incremental: %e s wall, %M KB peak" \
    "$R" --db "$DB" tasks raise "$OUT/police-2.csv" --source "$RUN" --region 510000000000
echo "== 3. the newer extract as a new source: the full run it saves"
/usr/bin/time -f "full, newer extract: %e s wall, %M KB peak" \
    "$R" --db "$DB" tasks raise "$OUT/police-2.csv" --source "$RUN-full" --region 510000000000
echo "== 4. first extract again (source $RUN-check), then the newer one compared in full"
"$R" --db "$DB" tasks raise "$OUT/police-1.csv" --source "$RUN-check" --region 510000000000 >/dev/null
/usr/bin/time -f "full, newer extract, same source: %e s wall, %M KB peak" \
    "$R" --db "$DB" tasks raise "$OUT/police-2.csv" --source "$RUN-check" --region 510000000000 --full
echo "== 5. open tasks by kind: incremental ($RUN) vs full ($RUN-check)"
count "SELECT source, kind, COUNT(*) FROM verification_tasks \
    WHERE source IN ('$RUN', '$RUN-check') GROUP BY 1, 2 ORDER BY 2, 1" 2>/dev/null \
    || echo "(no sqlite3 / psql client: counts skipped)"
