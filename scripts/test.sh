#!/usr/bin/env bash
# Every check and test, fast ones first (run by `make test` after set-up, and by CI).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/embedding-playground/target}"
export CARGO_TARGET_DIR
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-600}
WASM="--target wasm32-unknown-unknown"

t0=$SECONDS
stage() { echo; echo "==> [$((SECONDS - t0))s] $*"; }

stage "cargo fmt --check"
cargo fmt --all -- --check

stage "clippy (native)"
cargo clippy --locked --all-targets -- -D warnings

stage "clippy (wasm32)"
cargo clippy --locked --all-targets --features app $WASM -- -D warnings

stage "docs (native and wasm32, warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -q
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -q --features app $WASM

stage "JavaScript unit tests (the live layers' tick maths)"
node --test tests/js/

stage "native tests (core, lab CLI, training on real MNIST)"
cargo test --locked

stage "browser tests (wasm-bindgen-test in headless Chromium: CPU and WebGPU)"
cargo test --locked $WASM

stage "app build (trunk) and end-to-end tests of the served page (smoke; data; panels; share links)"
trunk build
node tests/e2e/smoke.mjs
node tests/e2e/data.mjs    # cache, datasets, bad files, your files
node tests/e2e/panels.mjs  # metrics, export, side by side
node tests/e2e/share.mjs   # share links, reproducibility, classroom mode, gallery

stage "all passed in $((SECONDS - t0))s"
