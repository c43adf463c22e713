//! Shared helpers for the native integration tests: the real datasets prepared by
//! `scripts/prepare-data.sh` (run by `make test` before the tests).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use playground::data::{Dataset, DatasetKind};

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The bytes of a prepared file, by its path under `data/`.
pub fn read(path: &str) -> Vec<u8> {
    let p = data_dir().join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e} — run `make data` first", p.display()))
}

/// `(served path, bytes)` of the files of `kind` with `train_batches` training batches.
pub fn named_files(kind: DatasetKind, train_batches: usize) -> Vec<(String, Vec<u8>)> {
    kind.files_for(train_batches)
        .into_iter()
        .map(|f| {
            let b = read(&f);
            (f, b)
        })
        .collect()
}

pub fn mnist_bytes() -> [Vec<u8>; 4] {
    let mut files = named_files(DatasetKind::Mnist, 1)
        .into_iter()
        .map(|(_, b)| b);
    std::array::from_fn(|_| files.next().expect("four MNIST files"))
}

pub fn dataset(kind: DatasetKind, train_batches: usize) -> Arc<Dataset> {
    let files = named_files(kind, train_batches);
    Arc::new(
        Dataset::from_named(kind, &files)
            .unwrap_or_else(|e| panic!("real {} parses: {e}", kind.title())),
    )
}

pub fn mnist() -> Arc<Dataset> {
    dataset(DatasetKind::Mnist, 1)
}
