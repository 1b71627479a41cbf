#!/usr/bin/env bash
# Figures of reconciliation (issue 5), on the generator's pair of registers:
#   1. renkou reconcile: time, peak memory, and F1 of every output file
#   2. Splink 5 (DuckDB) on the same files, same run: time, peak memory, pair F1
# Usage: scripts/bench-reconcile.sh [PEOPLE] [--no-splink]
#   PEOPLE is the population behind the registers (default 1,060,000: about
#   1,000,000 records in each). Output in bench-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${1:-1060000}"
OUT=bench-out/link
DATA="$OUT/data-$PEOPLE"
mkdir -p "$OUT"
exec > >(tee "$OUT/bench-reconcile.log") 2>&1
echo "renkou bench-reconcile, $(date -u +%FT%TZ), $(nproc) cores, population $PEOPLE"
cargo build --release -q -p renkou-cli
R=target/release/renkou
if [ ! -f "$DATA/right.csv" ]; then
    "$R" reconcile-data --people "$PEOPLE" --seed 1 --out "$DATA"
fi
wc -l "$DATA/left.csv" "$DATA/right.csv"

echo "== renkou reconcile"
rm -rf "$OUT/renkou-out"
/usr/bin/time -f "renkou reconcile: %e s wall, %M KB peak" \
    "$R" reconcile --left "$DATA/left.csv" --right "$DATA/right.csv" --out "$OUT/renkou-out"
"$R" reconcile-score --truth "$DATA/truth" --out "$OUT/renkou-out"

if [ "${2:-}" = "--no-splink" ]; then exit 0; fi
echo "== Splink 5, DuckDB backend"
VENV="$OUT/splink-venv"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "splink==5.0.0"
fi
rm -rf "$OUT/splink-out" "$OUT/splink-out_1to1"
/usr/bin/time -f "splink: %e s wall, %M KB peak" \
    "$VENV/bin/python" scripts/splink_reconcile.py "$DATA/left.csv" "$DATA/right.csv" "$OUT/splink-out"
echo "-- Splink's pairs as predicted (p >= 0.5)"
"$R" reconcile-score --truth "$DATA/truth" --out "$OUT/splink-out" | grep -E "^(file|matches)"
echo "-- the same, one to one"
"$R" reconcile-score --truth "$DATA/truth" --out "$OUT/splink-out_1to1" | grep -E "^(file|matches)"
