#!/usr/bin/env bash
# Reruns the benchmarks in BENCHMARKS.md on SQLite and PostgreSQL:
#   scripts/bench.sh            all of the below, weight included; rewrites the section
#                               "Latest full run" of BENCHMARKS.md from this one run
#   scripts/bench.sh ranking    ranking and planner with 1,000,000 demo fans
#   scripts/bench.sh signup     sign-up burst: 5,000 fans, 64 connections, 50 seats;
#                               SQLite, PostgreSQL, PostgreSQL on 2 app processes
#   scripts/bench.sh festival   festival flash sale: 20,000 fans, 20 sessions × 100 seats,
#                               128 connections; SQLite, PostgreSQL, PostgreSQL on 2 app
#                               processes (FESTIVAL_FANS, FESTIVAL_CONNECTIONS to change)
#   scripts/bench.sh admission  the draw: 50 seats among 100,000 applicants
#   scripts/bench.sh invitations
#                               a city-wide invitation: 100,000 fans (INVITED_FANS), queued
#                               on publishing and delivered to an SMTP sink on loopback
#   scripts/bench.sh participation
#                               backfill, door closing and fan pages with 1,000,000 fans
#                               and 10,000,000 attendance records (PARTICIPATION_FANS,
#                               ATTENDANCE, FAN_PAGES, PARTICIPATION_BACKENDS set them)
#   scripts/bench.sh doors      4 door phones syncing their offline check-ins at once
#                               (DOOR_TICKETS seated fans, 500), SQLite, PostgreSQL 1 and
#                               2 processes; then the door's scan-to-result time in
#                               Chromium with a fake camera (the debug build's e2e run)
#   scripts/bench.sh live       live at the meetup: LIVE_FANS (500) checked-in fans answer a
#                               quiz question open-loop (within 10 s, within 1 s), then
#                               LIVE_STREAMS (1,000) streams hear one change; SQLite,
#                               PostgreSQL 1 and 2 processes
#   scripts/bench.sh flash      the flash sale at full size, open loop: FLASH_FANS (100,000)
#                               signed-in fans; the knee (FLASH_KNEE rates, 1,000–3,000/s),
#                               the refresh storm, then the moment at FLASH_RATE (1,700/s),
#                               5 % pressing twice; SQLite, PostgreSQL 1 and 2 processes
#                               (the last three times, profiled: docs/flash-flamegraph.svg)
#   scripts/bench.sh posters    posters: POSTERS (200) different posters drawn in-process, then a
#                               fan's poster over HTTP: drawn, kept copy, 304; SQLite, PostgreSQL
#   scripts/bench.sh weight     page weight and 4G time to interactive of the release
#                               build (BUILD=dev measures the debug build instead); fails
#                               (exit 1, saying so) when the home page's first load is over
#                               its budget, HOME_BUDGET_KB (350; BUILD=dev: off)
# Run it on an otherwise idle machine; without the festival it takes about 15 minutes
# (logging 20,000 fans in, argon2, is most of the festival's own time: three runs);
# participation takes about half an hour per database at full size.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
scripts/setup.sh test >/dev/null
# PostgreSQL on this machine is reached over its Unix socket, as an app on the database's
# own machine would be (README "Running at scale"); the two-process sign-up burst also
# runs over TCP, as from another machine, for comparison.
tcp_url="postgres://tongcheng:tongcheng@127.0.0.1:5432/postgres"
socket_url="postgres://tongcheng:tongcheng@%2Fvar%2Frun%2Fpostgresql/postgres"
if [ -z "${BENCH_POSTGRES_URL:-}" ]; then
  BENCH_POSTGRES_URL=$tcp_url
  if psql "$socket_url" -qAtc 'SELECT 1' >/dev/null 2>&1; then BENCH_POSTGRES_URL=$socket_url; fi
fi
export BENCH_POSTGRES_URL
# Each benchmark on PostgreSQL makes a database of its own, named for the run (set
# BENCH_DATABASE to choose one instead).
# Each program's output is kept under target/bench/latest; a full run (no argument)
# rewrites BENCHMARKS.md's "Latest full run" section from them (scripts/bench_report.py).
results=target/bench/latest
mkdir -p "$results"
record() {  # record NAME COMMAND...: runs COMMAND, shows and keeps its output
  local name=$1; shift
  "$@" | tee -a "$results/$name.md"
}
if [ "$what" = all ]; then rm -f "$results"/*.md; else rm -f "$results/$what.md"; fi

# Serves the site built like scripts/run.sh on a fresh SQLite database with demo data
# and measures home, meetup and staff ranking pages in Chromium. Sets weight_status to
# weight.mjs's exit code (1: the home page is over its budget, and it says by how much).
# It returns 0 itself: called as `weight || …` the function would run with `set -e` off.
weight_status=0
weight() {
  . scripts/toolchain-env.sh
  local bin work port
  if [ "${BUILD:-release}" = dev ]; then
    # The debug build is not what fans get: report only, unless a budget is asked for.
    export HOME_BUDGET_KB="${HOME_BUDGET_KB:-off}"
    cargo leptos build; bin=target/debug/tongcheng
  else
    export LEPTOS_HASH_FILES=true
    cargo leptos build --release --precompress; bin=target/release/tongcheng
  fi
  work=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export DATABASE_URL="sqlite://$work/weight.db" SITE_ADDR="127.0.0.1:$port" PUBLIC_URL="http://127.0.0.1:$port"
  $bin migrate >/dev/null
  $bin create-staff --email staff@bench.local --name "Bench staff" --password bench-password >/dev/null
  $bin seed-demo --fans 2000 >/dev/null
  $bin serve >"$work/server.log" 2>&1 &
  local server=$!
  trap 'kill $server 2>/dev/null || true; rm -rf "$work"' RETURN
  for _ in $(seq 1 100); do curl -fs "$PUBLIC_URL/healthz" >/dev/null && break; sleep 0.2; done
  echo "== page weight (${BUILD:-release} build) =="
  # `|| weight_status=$?` keeps `set -e` from leaving before the RETURN trap stops the
  # server; with pipefail the status is weight.mjs's, not tee's.
  (cd end2end && node bench/weight.mjs "$PUBLIC_URL" staff@bench.local bench-password) | tee "$results/weight.md" || weight_status=$?
  if [ "$weight_status" != 0 ]; then
    echo "bench.sh: page weight FAILED (weight.mjs exit $weight_status): see its line above" >&2
  fi
}
if [ "$what" = weight ]; then
  weight
  exit "$weight_status"
fi

# One benchmark builds only its own program: from a fresh checkout the release build is
# most of a single benchmark's time (bench_flash alone: 11.5 min cold on 2 cores).
if [ "$what" = all ]; then
  cargo build --release --features ssr --examples
else
  cargo build --release --features ssr --example "bench_$what"
fi
if [ "$what" = all ] || [ "$what" = ranking ]; then
  for backend in sqlite postgres; do
    record ranking target/release/examples/bench_ranking "$backend" "${FANS:-1000000}" "${REQUESTS:-200}"
  done
fi
if [ "$what" = all ] || [ "$what" = signup ]; then
  for backend in sqlite postgres; do
    record signup target/release/examples/bench_signup "$backend" "${SIGNUP_FANS:-5000}" "${CONNECTIONS:-64}" 1
  done
  record signup target/release/examples/bench_signup postgres "${SIGNUP_FANS:-5000}" "${CONNECTIONS:-64}" 2
  if [ "$BENCH_POSTGRES_URL" != "$tcp_url" ]; then
    BENCH_POSTGRES_URL=$tcp_url record signup target/release/examples/bench_signup postgres "${SIGNUP_FANS:-5000}" "${CONNECTIONS:-64}" 2
  fi
fi
if [ "$what" = all ] || [ "$what" = festival ]; then
  fans="${FESTIVAL_FANS:-20000}" connections="${FESTIVAL_CONNECTIONS:-128}"
  for backend in sqlite postgres; do
    record festival target/release/examples/bench_festival "$backend" "$fans" "$connections" 1
  done
  record festival target/release/examples/bench_festival postgres "$fans" "$connections" 2
fi
if [ "$what" = all ] || [ "$what" = admission ]; then
  for backend in sqlite postgres; do
    record admission target/release/examples/bench_admission "$backend" "${APPLICANTS:-100000}" "${SEATS:-50}"
  done
fi
if [ "$what" = all ] || [ "$what" = invitations ]; then
  for backend in sqlite postgres; do
    record invitations target/release/examples/bench_invitations "$backend" "${INVITED_FANS:-100000}"
  done
fi
if [ "$what" = all ] || [ "$what" = participation ]; then
  for backend in ${PARTICIPATION_BACKENDS:-sqlite postgres}; do
    record participation target/release/examples/bench_participation "$backend" "${PARTICIPATION_FANS:-1000000}" "${ATTENDANCE:-10000000}" "${FAN_PAGES:-300}"
  done
fi
if [ "$what" = all ] || [ "$what" = doors ]; then
  for backend in sqlite postgres; do
    record doors target/release/examples/bench_doors "$backend" "${DOOR_TICKETS:-500}" 1
  done
  record doors target/release/examples/bench_doors postgres "${DOOR_TICKETS:-500}" 2
  # In the browser: what the door shows, timed from the camera frame that held the code
  # (end2end/tests/door.spec.ts writes each scan's time).
  (. scripts/toolchain-env.sh && cargo leptos build >/dev/null && scripts/e2e.sh sqlite door -g camera >/dev/null)
  python3 - target/bench/door-scan-timings.json <<'PY' | tee -a "$results/doors.md"
import json, sys
times = json.load(open(sys.argv[1]))
print("\nScan to result in Chromium (fake camera, QR read by the WebAssembly reader; debug server on loopback):")
print("| door | scans | median | p95 | slowest |")
print("|---|---|---|---|---|")
for kind, label in (("online", "online (the server's verdict)"), ("offline", "offline (decided on the phone)")):
    t = sorted(times[kind])
    pick = lambda p: t[min(len(t) - 1, round((len(t) - 1) * p))]
    print(f"| {label} | {len(t)} | {pick(0.5)} ms | {pick(0.95)} ms | {t[-1]} ms |")
PY
fi
if [ "$what" = all ] || [ "$what" = live ]; then
  record live target/release/examples/bench_live sqlite "${LIVE_FANS:-500}" "${LIVE_STREAMS:-1000}" 1
  for processes in 1 2; do
    record live target/release/examples/bench_live postgres "${LIVE_FANS:-500}" "${LIVE_STREAMS:-1000}" "$processes"
  done
fi
if [ "$what" = all ] || [ "$what" = flash ]; then
  fans="${FLASH_FANS:-100000}" rate="${FLASH_RATE:-1700}" knee="${FLASH_KNEE:-1000,1500,2000,2500,3000}"
  record flash target/release/examples/bench_flash sqlite 1 "$fans" "$rate" "$knee" 1
  record flash target/release/examples/bench_flash postgres 1 "$fans" "$rate" "$knee" 1
  # The headline: PostgreSQL, 2 processes, the moment three times (the spread), the
  # first profiled with perf and drawn as a flame graph (inferno, from crates.io).
  FLASH_PROFILE=target/bench/flash.perf record flash target/release/examples/bench_flash postgres 2 "$fans" "$rate" "$knee" 3
  if [ -s target/bench/flash.perf ]; then
    command -v inferno-flamegraph >/dev/null || cargo install inferno --locked --quiet
    # No debuginfod (no network here: perf would wait for it) and no inline frames (addr2line is slow).
    DEBUGINFOD_URLS= perf script --no-inline -i target/bench/flash.perf 2>/dev/null | inferno-collapse-perf | inferno-flamegraph --title "One app process during the moment (PostgreSQL, 2 processes)" > docs/flash-flamegraph.svg
    echo "Flame graph: docs/flash-flamegraph.svg" | tee -a "$results/flash.md"
  fi
fi
if [ "$what" = all ] || [ "$what" = posters ]; then
  for backend in sqlite postgres; do
    record posters target/release/examples/bench_posters "$backend" "${POSTERS:-200}"
  done
fi
# Each run made its own database (examples/bench_common: a fresh name, nobody to push out).
for db in $(psql "$BENCH_POSTGRES_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'tongcheng\_bench%'"); do
  psql "$BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db" 2>/dev/null || echo "left $db (still in use)"
done
if [ "$what" = all ]; then
  # Over budget, the figures still go into BENCHMARKS.md; the run then fails.
  weight
  python3 scripts/bench_report.py "$results" BENCHMARKS.md
  echo "BENCHMARKS.md: the section \"Latest full run\" now holds this run's tables."
  exit "$weight_status"
fi
# One benchmark alone: its tables replace its own part of "Latest full run".
if [ -s "$results/$what.md" ]; then
  python3 scripts/bench_report.py "$results" BENCHMARKS.md "$what"
  echo "BENCHMARKS.md: \"Latest full run\" now holds this run's $what tables (the rest as before)."
fi
