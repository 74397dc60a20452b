#!/usr/bin/env bash
# Builds the optimised site and runs it with demo data: http://127.0.0.1:3000
# Staff login for the demo: staff@tongcheng.local / tongcheng-staff
#   scripts/run.sh          release build: wasm-opt, hashed file names, brotli/gzip files
#   scripts/run.sh --dev    debug build, quicker to compile
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
. scripts/toolchain-env.sh
if [ "${1:-}" = --dev ]; then
  cargo leptos build
  bin=target/debug/tongcheng
else
  # Hashed names let browsers cache /pkg files for a year; the server reads hash.txt
  # next to its binary, so it must run with the same setting.
  export LEPTOS_HASH_FILES=true
  cargo leptos build --release --precompress
  bin=target/release/tongcheng
fi
$bin migrate
$bin create-staff --email staff@tongcheng.local --name "Demo staff" --password "${STAFF_PASSWORD:-tongcheng-staff}"
$bin seed-demo --fans "${DEMO_FANS:-20000}"
echo "Staff login: staff@tongcheng.local / ${STAFF_PASSWORD:-tongcheng-staff}"
exec $bin serve
