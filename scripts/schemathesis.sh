#!/usr/bin/env bash
# Property-based API tests from the OpenAPI document (schemathesis), bounded:
# a small demo province on SQLite, a township operator's session and an API
# token, and a fixed number of examples per operation, each answer checked
# (no 5xx, declared status codes and content types, bodies matching their
# schemas). Part of scripts/test.sh. Installs schemathesis into a virtual
# environment under target/ the first time.
# Usage: scripts/schemathesis.sh [EXAMPLES]   (default 30 per operation)
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES="${1:-30}"
VENV=target/schemathesis-venv
ST_VERSION=4.32.5
if [ ! -x "$VENV/bin/st" ] || ! "$VENV/bin/st" --version | grep -q "$ST_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$ST_VERSION"
fi
# The binary the test suite built (the same features: nothing is rebuilt).
cargo test -q --workspace --locked --no-run 2>/dev/null
R=$PWD/target/debug/renkou
WORK=$(mktemp -d)
DB="sqlite://$WORK/st.db"
PORT=$((20000 + RANDOM % 20000))
BASE=http://127.0.0.1:$PORT
trap 'kill "${SERVER:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$R" --db "$DB" init --regions-prefix 5101 >/dev/null
"$R" --db "$DB" demo --people 2000 --seed 3 >/dev/null
TOWNSHIP=$("$R" --db "$DB" export --region 510104 | awk -F, 'NR==2 {print substr($7, 1, 9) "000"}')
"$R" --db "$DB" user add st-operator --password 'schemathesis-pw-2026' \
  --role township_operator --region "$TOWNSHIP" \
  --subsystems registry,wis,migrants,support,requests,certificates,rebirth >/dev/null
TOKEN=$("$R" --db "$DB" token add st-department --region 510104 --fields name,sex,birth_date,residence \
  | grep -o 'rk_[A-Za-z0-9_]*' | head -1)
RENKOU_AUDIT__KEY_FILE="$WORK/audit.key" RENKOU_AUDIT__CHECKPOINT_FILE="$WORK/audit.checkpoints" \
  "$R" --db "$DB" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.2; done
COOKIE=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"st-operator","password":"schemathesis-pw-2026"}' "$BASE/api/v1/session" \
  | grep -i '^set-cookie:' | head -1 | sed 's/^[^:]*: *//; s/;.*//' | tr -d '\r')
[ -n "$COOKIE" ] || { echo "schemathesis: could not log in"; cat "$WORK/serve.log"; exit 1; }

run() { # $1 = who, then the header
  echo "== schemathesis as $1, $EXAMPLES examples per operation"
  "$VENV/bin/st" run "$BASE/api/v1/openapi.json" --max-examples "$EXAMPLES" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --generation-deterministic --no-color -H "$2"
}
run "a township operator (cookie)" "Cookie: $COOKIE"
[ -n "$TOKEN" ] && run "an API token" "Authorization: Bearer $TOKEN"
