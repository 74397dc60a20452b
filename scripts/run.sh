#!/usr/bin/env bash
# Builds and runs the site with demo data: http://127.0.0.1:3000
# Staff login for the demo: staff@tongcheng.local / tongcheng-staff
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
. scripts/toolchain-env.sh
cargo leptos build
bin=target/debug/tongcheng
$bin migrate
$bin create-staff --email staff@tongcheng.local --name "Demo staff" --password "${STAFF_PASSWORD:-tongcheng-staff}"
$bin seed-demo --fans "${DEMO_FANS:-20000}"
echo "Staff login: staff@tongcheng.local / ${STAFF_PASSWORD:-tongcheng-staff}"
exec $bin serve
