#!/usr/bin/env bash
# The whole test suite: unit tests, integration tests on SQLite and on PostgreSQL, and
# end-to-end tests in Chromium against the real site on both databases.
set -euo pipefail
cd "$(dirname "$0")/.."
# On a new machine the tools take longer than the tests' first compile: cargo-leptos
# alone compiles for ~11 minutes using a core and a half, and the browser, fonts and
# PostgreSQL mostly wait for the network. So they install beside that compile (measured
# one after the other: setup 14.4 min, then the tests' compile 5.1).
scripts/setup.sh toolchain
logs=$(mktemp -d)
scripts/setup.sh site-tools >"$logs/site-tools" 2>&1 &
site_tools=$!
scripts/setup.sh test-tools >"$logs/test-tools" 2>&1 &
test_tools=$!
# A failure before they are waited for leaves nothing installing behind it.
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
# Waits for a part installing in the background and shows what it printed.
finish() {
  local status=0
  wait "$2" || status=$?
  cat "$logs/$1"
  [ $status = 0 ] || { echo "scripts/setup.sh $1 failed ($status)" >&2; exit $status; }
}
. scripts/toolchain-env.sh
# A fresh clone gains nothing from incremental builds, and they cost disk.
export CARGO_INCREMENTAL=0
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://tongcheng:tongcheng@127.0.0.1:5432/postgres}"

RUST_BACKTRACE=0 RUSTFLAGS="--cfg erase_components" cargo test --features ssr --no-run
finish test-tools $test_tools

# Databases left by earlier runs.
psql "$TEST_POSTGRES_URL" -qtAc "SELECT datname FROM pg_database WHERE datname LIKE 'tongcheng_test_%' OR datname = 'tongcheng_e2e'" |
  while read -r db; do psql "$TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db" ; done

# cargo-leptos builds debug views type-erased (`--cfg erase_components`); the tests use
# the same flag, so both builds share one set of artifacts. Without it the views' type
# names made a cold build directory of tens of gigabytes (CI ran out of disk).
# CI keeps only the tail of the output: a failure's message must not scroll away
# behind its backtrace.
RUST_BACKTRACE=0 RUSTFLAGS="--cfg erase_components" cargo test --features ssr
# After the tests: `cargo test` rebuilds target/debug/tongcheng with the dev-dependencies'
# features, and that server does not hydrate cargo-leptos's WASM. Building the site last
# gives the end-to-end tests the server that matches it.
finish site-tools $site_tools
cargo leptos build
# The two databases' suites side by side, each with its own server, database and
# Chromium: 15.5 minutes against 2 × 10.7 one after the other (each test takes up to
# twice as long, the waits overlap). Each prints when both are done, a failing one last
# (CI keeps the tail).
scripts/e2e.sh sqlite >"$logs/sqlite" 2>&1 &
sqlite=$!
scripts/e2e.sh postgres >"$logs/postgres" 2>&1 &
postgres=$!
sqlite_status=0 postgres_status=0
wait $sqlite || sqlite_status=$?
wait $postgres || postgres_status=$?
if [ $sqlite_status = 0 ]; then order="sqlite postgres"; else order="postgres sqlite"; fi
for backend in $order; do cat "$logs/$backend"; done
rm -rf "$logs"
[ $sqlite_status = 0 ] && [ $postgres_status = 0 ]
