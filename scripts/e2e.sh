#!/usr/bin/env bash
# Runs the Playwright suite against the built site on one database backend:
#   scripts/e2e.sh sqlite|postgres      (after `cargo leptos build`)
#   scripts/e2e.sh sqlite festival     only the specs matching "festival"
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:?sqlite or postgres}"
shift  # the rest: Playwright arguments, e.g. a spec file
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
case "$backend" in
  sqlite) export DATABASE_URL="sqlite://$work/e2e.db" ;;
  postgres)
    admin="${TEST_POSTGRES_URL:-postgres://tongcheng:tongcheng@127.0.0.1:5432/postgres}"
    psql "$admin" -qc "DROP DATABASE IF EXISTS tongcheng_e2e" -qc "CREATE DATABASE tongcheng_e2e"
    export DATABASE_URL="${admin%/*}/tongcheng_e2e" ;;
  *) echo "unknown backend $backend" >&2; exit 2 ;;
esac
export SITE_ADDR="127.0.0.1:$port" PUBLIC_URL="http://127.0.0.1:$port"
# Traces of failures, apart per backend (the two suites may run side by side).
export E2E_OUTPUT="test-results/$backend"
export STAFF_EMAIL=staff@tongcheng.local STAFF_PASSWORD=e2e-staff-password
# Every browser here logs in from 127.0.0.1, many times a minute; the limits themselves
# are tested in tests/it/rate_limits.rs.
export AUTH_ATTEMPTS_PER_MINUTE=1000
bin=target/debug/tongcheng

$bin migrate >/dev/null
$bin create-staff --email "$STAFF_EMAIL" --name "Duty manager" --password "$STAFF_PASSWORD" --lang en >/dev/null
$bin seed-demo --fans 300 >/dev/null
$bin serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/" >/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done

echo "== end-to-end on $backend =="
status=0
(cd end2end && BASE_URL="http://127.0.0.1:$port" npx playwright test "$@") || status=$?
[ $status = 0 ] || tail -50 "$work/server.log"
exit $status
