#!/usr/bin/env bash
# Reruns the benchmarks in BENCHMARKS.md on SQLite and PostgreSQL:
#   scripts/bench.sh            both benchmarks
#   scripts/bench.sh ranking    ranking and planner with 1,000,000 demo fans
#   scripts/bench.sh signup     sign-up burst: 5,000 fans, 64 connections, 50 seats
# Run it on an otherwise idle machine; it takes about 15 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
scripts/setup.sh test >/dev/null
export BENCH_POSTGRES_URL="${BENCH_POSTGRES_URL:-postgres://tongcheng:tongcheng@127.0.0.1:5432/postgres}"
cargo build --release --features ssr --examples
if [ "$what" = all ] || [ "$what" = ranking ]; then
  for backend in sqlite postgres; do
    target/release/examples/bench_ranking "$backend" "${FANS:-1000000}" "${REQUESTS:-200}"
  done
fi
if [ "$what" = all ] || [ "$what" = signup ]; then
  for backend in sqlite postgres; do
    target/release/examples/bench_signup "$backend" "${SIGNUP_FANS:-5000}" "${CONNECTIONS:-64}"
  done
fi
psql "$BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS tongcheng_bench"
