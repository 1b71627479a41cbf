#!/usr/bin/env bash
# Page weight of a village collector's day: each page she opens (home, her
# tasks, a person, the birth form, the household, the monthly change
# report, the village's list and its printed whole, a report, the
# dashboard), as the bytes a browser receives compressed with gzip and with
# brotli. A demo province of PEOPLE persons on SQLite, the collector of its
# most populous village, tasks raised from a copy of the village's register
# with names changed and persons left out.
#
#   scripts/bench-pages.sh [RENKOU_BINARY] [PEOPLE]
#
# With no binary, builds this tree in release. Any version of `renkou` can
# be measured the same way (a page it does not have prints "—"), which is
# how the README's before / after table was made.
set -euo pipefail
cd "$(dirname "$0")/.."
R=${1:-}
PEOPLE=${2:-100000}
if [ -z "$R" ]; then
  cargo build --release --bin renkou >/dev/null
  R=target/release/renkou
fi
R=$(realpath "$R")
OUT=$(mktemp -d)
SERVER=
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$OUT"' EXIT
DB="sqlite://$OUT/pages.db"
PORT=$((20000 + RANDOM % 20000))
BASE="http://127.0.0.1:$PORT"
cd "$OUT"

"$R" --db "$DB" demo --people "$PEOPLE" --seed 7 >/dev/null
"$R" --db "$DB" export > register.csv
# The most populous village (region_code is the 7th column of the export).
VILLAGE=$(awk -F, 'NR > 1 && $11 == "active" { n[$7]++ } END { for (v in n) print n[v], v }' register.csv | sort -rn | sed -n 1p | cut -d" " -f2)
TOWNSHIP="${VILLAGE:0:9}000"
"$R" --db "$DB" user add cun --password renkou2026pw --role village_collector --region "$VILLAGE" >/dev/null
# The police's copy of the village: every fifth name written otherwise, every
# seventh person missing.
awk -F, -v OFS=, -v v="$VILLAGE" 'NR == 1 || ($7 == v && $11 == "active") {
  if (NR > 1 && NR % 7 == 0) next
  if (NR > 1 && NR % 5 == 0) $3 = $3 "芳"
  print }' register.csv > police.csv
"$R" --db "$DB" tasks raise police.csv --source 公安 --region "$TOWNSHIP" >/dev/null

RUST_LOG=warn "$R" --db "$DB" serve --listen "127.0.0.1:$PORT" > serve.log 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.2; done
curl -s -c jar -H 'content-type: application/json' \
  -d '{"username":"cun","password":"renkou2026pw"}' "$BASE/api/v1/session" >/dev/null
PERSON=$(curl -s -b jar "$BASE/api/v1/persons?region=$VILLAGE" | grep -o '"id":[0-9]*' | sed -n 1p | cut -d: -f2)
HOUSEHOLD=$(curl -s -b jar "$BASE/persons/$PERSON" | grep -o '/households/[0-9]*' | sed -n 1p)
NAME=$(curl -s -b jar "$BASE/api/v1/persons/$PERSON" | grep -o '"name":"[^"]*"' | sed -n 1p | cut -d"\"" -f4)
Q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$NAME")

size() { # bytes received for a page, compressed as asked; "—" when it is not there
  local enc=$1 path=$2 status bytes
  read -r status bytes < <(curl -s -o /dev/null -b jar -H "Accept-Encoding: $enc" \
    -w '%{http_code} %{size_download}\n' "$BASE$path")
  if [ "$status" = 200 ]; then echo "$bytes"; else echo "—"; fi
}

echo "village $VILLAGE ($(grep -c ",$VILLAGE," register.csv) persons), $R"
printf '%-44s %8s %8s\n' page gzip brotli
for path in "/login" "/" "/tasks" "/search?q=$Q" "/persons/$PERSON" \
  "/persons/$PERSON/events/birth" "${HOUSEHOLD:-/households/0}" \
  "/change-report?region=$VILLAGE" "/regions/$VILLAGE" "/regions/$VILLAGE?format=print" \
  "/reports/population?region=$VILLAGE" "/dashboard"; do
  printf '%-44s %8s %8s\n' "$path" "$(size gzip "$path")" "$(size br "$path")"
done
