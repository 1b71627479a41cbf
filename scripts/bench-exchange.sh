#!/usr/bin/env bash
# Figures of the exchange between regions (issue 15) on both engines, each
# beside the raw engine in the same run (renkou-bench exchange): N migrants'
# records delivered by 武侯区 to a real `renkou serve` on loopback, each
# notice answered by 锦江区, messages per second from sent to feedback;
# then the same flow with the server killed (SIGKILL) every 0.3–1.5 s and
# started again: the count of messages handled once, lost and doubled.
# Usage: scripts/bench-exchange.sh [MESSAGES] [ENGINES]
#   (default 10000 "sqlite postgres"; output in bench-out/)
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES="${1:-10000}"
ENGINES="${2:-sqlite postgres}"
OUT=bench-out
PG=postgres://postgres@127.0.0.1:5432
mkdir -p "$OUT"
exec > >(tee "$OUT/bench-exchange.log") 2>&1
echo "renkou bench-exchange, $(date -u +%FT%TZ), $(nproc) cores, $MESSAGES messages"
scripts/postgres-up.sh
cargo build --release -q -p renkou-cli -p renkou-bench
B=target/release/renkou-bench

for engine in $ENGINES; do
  for run in steady kills; do
    kill=()
    [[ "$run" == kills ]] && kill=(--kill-ms 300-1500)
    rm -rf "$OUT/exchange-$engine-$run" "$OUT/exchange-$engine-$run.db"*
    if [[ "$engine" == sqlite ]]; then
      db="sqlite://$OUT/exchange-$engine-$run.db"
    else
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS renkou_exchange_$run" -c "CREATE DATABASE renkou_exchange_$run"
      db="$PG/renkou_exchange_$run"
    fi
    echo "== $engine, $run"
    "$B" exchange --db "$db" --messages "$MESSAGES" --workdir "$OUT/exchange-$engine-$run" "${kill[@]}"
  done
done
