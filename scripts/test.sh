#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test on SQLite and PostgreSQL,
# including the browser tests in headless Chromium, then schemathesis against
# the OpenAPI document. Starts the local PostgreSQL
# if it is down and installs Chromium if it is missing, and fails if either
# cannot be had, so no half of the suite goes silently missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export RENKOU_TEST_PG="${RENKOU_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
export RENKOU_TEST_BROWSER=required
scripts/postgres-up.sh
scripts/browser-up.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# The API probed from its OpenAPI document, a bounded number of examples.
scripts/schemathesis.sh 30
