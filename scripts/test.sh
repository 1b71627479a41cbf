#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test on SQLite and PostgreSQL.
# Starts the local PostgreSQL if it is down, and fails if it cannot be reached,
# so the PostgreSQL half of the storage tests never goes silently missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export RENKOU_TEST_PG="${RENKOU_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
scripts/postgres-up.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
