#!/usr/bin/env bash
# Installs what this project needs and is missing; skips what is already there.
#   scripts/setup.sh build   Rust toolchain + wasm32 target, cargo-leptos, wasm-bindgen-cli
#   scripts/setup.sh test    the above, plus Chromium, Playwright, aiosmtpd, a running PostgreSQL
# The parts alone, for scripts/test.sh to run side by side with the first compile:
#   scripts/setup.sh toolchain | site-tools | test-tools
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-build}"
CARGO_LEPTOS_VERSION=0.3.11
TOOLCHAIN=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

install_toolchain() {
  if ! rustup toolchain install "$TOOLCHAIN" --profile minimal --target wasm32-unknown-unknown -c rustfmt,clippy >/dev/null 2>&1; then
    say "rustup could not fetch the toolchain or its wasm32 target; using ../shared/toolchain/wasm32.sh"
    as_root bash ../shared/toolchain/wasm32.sh
  fi
}

# What builds the site (`cargo leptos build`): about 12 minutes of compiling on 2 cores.
install_site_tools() {
  . scripts/toolchain-env.sh
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 13 minutes on 2 cores)"
    cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
  fi
  local bindgen
  bindgen=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$bindgen"; then
    # Not --locked: its lock file names a crate version the registry does not have.
    say "installing wasm-bindgen-cli $bindgen"
    cargo install wasm-bindgen-cli --version "$bindgen"
  fi
  # Release builds shrink the WASM with wasm-opt; cargo-leptos would download it from
  # GitHub, so it gets one from npm (binaryen compiled to WASM, run by Node) on PATH.
  if ! .tools/binaryen/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q 'version 132'; then
    say "installing wasm-opt (npm binaryen 132)"
    npm install --prefix .tools/binaryen --no-audit --no-fund binaryen@132.0.0 >/dev/null
  fi
}

install_test_tools() {
  command -v chromium >/dev/null || { say "installing Chromium"; apt_install chromium; }
  # Screenshots of Chinese pages need CJK glyphs.
  [ -d /usr/share/fonts/opentype/noto ] && fc-list 2>/dev/null | grep -q "Noto Sans CJK" || { say "installing CJK fonts"; apt_install fonts-noto-cjk; }
  command -v pg_ctlcluster >/dev/null || { say "installing PostgreSQL"; apt_install postgresql; }
  if [ ! -x .tools/venv/bin/python ] || ! .tools/venv/bin/python -c 'import aiosmtpd' 2>/dev/null; then
    say "installing aiosmtpd (SMTP server for tests)"
    python3 -m venv .tools/venv
    .tools/venv/bin/pip install -q aiosmtpd==1.4.6
  fi
  if [ ! -d end2end/node_modules/@playwright/test ]; then
    say "installing Playwright"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
  start_postgres
}

# The settings README "Running at scale" recommends, so tests and benchmarks meet the
# database a deployment would: shared_buffers a quarter of the memory, and room in the
# WAL for a flash sale (a 100,000-fan minute writes about 1 GB of it; with the default
# max_wal_size a checkpoint came every 20 s, each followed by full-page writes).
tune_postgres() {
  local cluster=$1 buffers_mb changed=""
  buffers_mb=$(( $(awk '/^MemTotal/ {print $2}' /proc/meminfo) / 4 / 1024 ))
  # Values as SHOW prints them, so an unchanged cluster is not restarted.
  for setting in "shared_buffers=${buffers_mb}MB" "max_wal_size=8GB" "wal_compression=pglz" "checkpoint_timeout=15min"; do
    local name=${setting%%=*} value=${setting#*=}
    if [ "$(as_root su postgres -c "psql -qtAc 'SHOW $name'")" != "$value" ]; then
      as_root su postgres -c "psql -qc \"ALTER SYSTEM SET $name = '$value'\"" >/dev/null
      changed=1
    fi
  done
  if [ -n "$changed" ]; then
    say "PostgreSQL: shared_buffers ${buffers_mb}MB, max_wal_size 8GB, wal_compression, checkpoints every 15 min (restarting)"
    # shellcheck disable=SC2086
    as_root pg_ctlcluster --skip-systemctl-redirect $cluster restart
  fi
}

start_postgres() {
  local cluster
  cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
  [ -n "$cluster" ] || { as_root pg_createcluster 15 main >/dev/null; cluster="15 main"; }
  # shellcheck disable=SC2086
  if ! pg_lsclusters --no-header | awk 'NR==1 {print $4}' | grep -q online; then
    say "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect $cluster start
  fi
  tune_postgres "$cluster"
  as_root su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='tongcheng'\"" | grep -q 1 ||
    as_root su postgres -c "psql -qc \"CREATE ROLE tongcheng LOGIN PASSWORD 'tongcheng' CREATEDB\""
  # Benchmarks recreate their database with DROP DATABASE … WITH (FORCE), which must be
  # able to end other sessions on it (an autovacuum worker, a crashed run's app).
  as_root su postgres -c "psql -qtAc \"SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = 'pg_signal_backend' AND u.rolname = 'tongcheng'\"" | grep -q 1 ||
    as_root su postgres -c "psql -qc 'GRANT pg_signal_backend TO tongcheng'"
  # Password logins over the Unix socket too: an app on the database's own machine uses
  # it (cheaper than TCP per statement), and so do the benchmarks.
  local hba
  hba=$(as_root su postgres -c "psql -qtAc 'SHOW hba_file'")
  if ! as_root grep -q '^local[[:space:]]*all[[:space:]]*tongcheng' "$hba"; then
    as_root sed -i '0,/^local/s//local   all             tongcheng                               scram-sha-256\n&/' "$hba"
    as_root su postgres -c "psql -qtAc 'SELECT pg_reload_conf()'" >/dev/null
  fi
}

case "$what" in
  build) install_toolchain; install_site_tools ;;
  test) install_toolchain; install_site_tools; install_test_tools ;;
  toolchain) install_toolchain ;;
  site-tools) install_site_tools ;;
  test-tools) install_test_tools ;;
  *) echo "usage: scripts/setup.sh build|test|toolchain|site-tools|test-tools" >&2; exit 2 ;;
esac
say "ready ($what)"
