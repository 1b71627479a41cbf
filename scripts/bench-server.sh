#!/usr/bin/env bash
# Server figures (issue 3) on the 1M demo province, for SQLite and PostgreSQL:
#   1. load test: 3,000 concurrent sessions (township operators, each its own
#      connection and cookie) from wrk in a second process on loopback: person
#      lookups, name searches, page views, and a mix; each session thinks 0-6 s
#      between answers; then the mix with no think time (capacity). Throughput
#      and p50/p90/p99 latency per kind.
#   2. bytes per page view, compressed, for the five most used pages
#   3. event registration, events/s, with the audit entry inside the event's
#      transaction against after its commit (the way before), same run
# Usage: scripts/bench-server.sh [PEOPLE] [SECONDS]   (defaults 1000000, 30)
# KEEP_DB=1 reuses the demo databases of an earlier run (same PEOPLE).
# Output in bench-out/server.log.
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${1:-1000000}"
SECONDS_EACH="${2:-30}"
CONNECTIONS=3000
THINK_MS=3000
OUT=bench-out
PG=postgres://postgres@127.0.0.1:5432
mkdir -p "$OUT"
exec > >(tee "$OUT/server.log") 2>&1
echo "renkou bench-server, $(date -u +%FT%TZ), $(nproc) cores, $PEOPLE persons, $CONNECTIONS connections, ${SECONDS_EACH}s per run"
scripts/postgres-up.sh
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true   # 3,000 connections need more than 1,024 descriptors

cargo build --release -q -p renkou-cli -p renkou-bench
R=$PWD/target/release/renkou
B=$PWD/target/release/renkou-bench
PORT=8181
BASE=http://127.0.0.1:$PORT

demo_db() { # $1 = database URL
  "$R" --db "$1" demo --people "$PEOPLE" --seed 1 | tail -3
}

run_engine() { # $1 = engine name, $2 = database URL
  local engine=$1 db=$2 lists=$OUT/load-$1
  "$B" load-prepare --db "$db" --sessions "$CONNECTIONS" --out "$lists"
  RUST_LOG=warn "$R" --db "$db" serve --listen "127.0.0.1:$PORT" >"$OUT/serve-$engine.log" 2>&1 &
  local server=$!
  for _ in $(seq 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.2; done
  wrk -t2 -c200 -d10s -s scripts/load.lua "$BASE" -- "$lists/mixed.txt" >/dev/null   # warm-up
  # 3,000 sessions at work: each waits 0-6 s (3 s on average) between answers.
  for kind in lookups searches pages mixed; do
    result=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --timeout 10s -s scripts/load.lua "$BASE" -- "$lists/$kind.txt" "$THINK_MS" | grep '^RESULT')
    echo "$engine $kind, 3000 sessions, think time ${THINK_MS} ms: ${result#RESULT }"
  done
  # Capacity: the same 3,000 sessions with no think time (the server saturated).
  result=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --timeout 10s -s scripts/load.lua "$BASE" -- "$lists/mixed.txt" 0 | grep '^RESULT')
  echo "$engine mixed, 3000 sessions, no think time (capacity): ${result#RESULT }"
  echo "== bytes per page view ($engine, compressed with gzip / brotli, as a browser asks)"
  local token path
  while IFS=$'\t' read -r token path; do
    for enc in gzip br; do
      printf '%s' "$(curl -s -o /dev/null -H "Cookie: renkou_session=$token" -H "Accept-Encoding: $enc" -w '%{size_download}' "$BASE$path")"
      printf ' %s bytes (%s) ' "" "$enc"
    done
    echo " $path"
  done < <(page_samples "$lists")
  kill "$server"; wait "$server" 2>/dev/null || true
  echo "== events per second, audit entry in the transaction vs after the commit ($engine)"
  "$B" events --db "$db" --events 8000
}

page_samples() { # the five most used pages, with one session
  local lists=$1 token lookup
  IFS=$'\t' read -r token lookup < "$lists/lookups.txt"
  local person; person=$(grep -m1 $'\t/persons/' "$lists/pages.txt" | cut -f2)
  local id=${lookup#*id_number=}
  local household
  household=$(curl -s -H "Cookie: renkou_session=$token" "$BASE$person" | grep -o '/households/[0-9]*' | head -1 || true)
  printf '%s\t%s\n' "$token" "/login" "$token" "/" "$token" "/search?q=$id" "$token" "$person" "$token" "${household:-/}"
  local township; township=$(grep -o 'href="/regions/[0-9]*"' <(curl -s -H "Cookie: renkou_session=$token" "$BASE/") | head -1 | grep -o '[0-9]\{12\}')
  printf '%s\t%s\n' "$token" "/regions/$township"
}

echo "== SQLite"
if [ "${KEEP_DB:-}" != 1 ] || [ ! -f "$OUT/load.db" ]; then
  rm -f "$OUT"/load.db*
  demo_db "sqlite://$OUT/load.db"
fi
run_engine sqlite "sqlite://$OUT/load.db"

echo "== PostgreSQL"
if [ "${KEEP_DB:-}" != 1 ] || ! psql -q "$PG/renkou_load" -c "SELECT 1" >/dev/null 2>&1; then
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS renkou_load WITH (FORCE)" -c "CREATE DATABASE renkou_load" >/dev/null
  demo_db "$PG/renkou_load"
fi
# A production database has its statistics; a freshly bulk-loaded one would
# otherwise be analysed by autovacuum in the middle of the first run.
psql -q "$PG/renkou_load" -c "VACUUM ANALYZE" >/dev/null
run_engine postgres "$PG/renkou_load"
