//! Shared helpers for the native integration tests: the real MNIST bytes prepared by
//! `scripts/prepare-data.sh` (run by `make test` before the tests).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use playground::data::{Dataset, DatasetKind};

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

pub fn mnist_bytes() -> [Vec<u8>; 4] {
    DatasetKind::Mnist.files().map(|f| {
        let p = data_dir().join(&f);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e} — run `make data` first", p.display()))
    })
}

pub fn mnist() -> Arc<Dataset> {
    let b = mnist_bytes();
    Arc::new(
        Dataset::from_files(DatasetKind::Mnist, [&b[0], &b[1], &b[2], &b[3]])
            .expect("real MNIST parses"),
    )
}
