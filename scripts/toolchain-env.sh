# Sourced by run.sh and test.sh after setup.sh: when rustup could not fetch the pinned
# toolchain, ../shared/toolchain/wasm32.sh provides one named `system-web` instead.
TOOLCHAIN=$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1 && rustup run system-web rustc --version >/dev/null 2>&1; then
  export RUSTUP_TOOLCHAIN=system-web
fi
# wasm-opt for release builds (setup.sh installs it from npm): cargo-leptos takes the one
# on PATH instead of downloading it.
export PATH="$PWD/.tools/binaryen/node_modules/.bin:$PATH"
