# Two commands do everything on a fresh machine:
#   make serve   set up, then serve the app with real data at http://127.0.0.1:8080
#   make test    set up, then run every check and test (what CI runs)
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# Build artefacts live outside the clone so CI runs on the same machine reuse them.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/embedding-playground/target
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT ?= 600
WASM := --target wasm32-unknown-unknown

.PHONY: setup data serve dist test check fmt clippy native-test doc web-test e2e bench
setup:
	scripts/setup.sh

data:
	scripts/prepare-data.sh data

serve: setup
	trunk serve

dist: setup
	trunk build --release

test: setup
	scripts/test.sh

bench: setup
	cargo run -q --bin lab -- bench
