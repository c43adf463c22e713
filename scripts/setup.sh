#!/usr/bin/env bash
# Installs everything the project needs, idempotently (a second run only checks):
# the wasm target, Trunk, wasm-bindgen-cli at exactly Cargo.lock's version, Chromium +
# ChromeDriver, the npm packages (plotly.js, binaryen, playwright-core), crates, and the data.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*"; }
TRUNK_VERSION=0.21.14
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)

# Debian packages: Chromium and its driver for the browser tests and the page.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing chromium and chromium-driver (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (cargo install, ~10-17 min on 2 cores)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# Its own lock file pins a crate version the registry no longer serves: no --locked here.
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WB_VERSION" ] \
   || ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $WB_VERSION (cargo install, ~4 min)"
  cargo install --force wasm-bindgen-cli --version "$WB_VERSION"
fi

# npm packages, exactly as package-lock.json says; reinstall only when the lock changed.
stamp=node_modules/.lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# Trunk runs cargo --offline: have every crate in the local registry.
cargo fetch --locked -q

scripts/prepare-data.sh data
say "ready"
