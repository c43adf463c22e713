//! The IDX parser and dataset loader on the real MNIST bytes, intact and damaged.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use playground::data::{DataError, Dataset, DatasetKind, ImageSet, Limits, parse_idx};

fn gunzip(b: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn real_mnist_parses_with_the_published_facts() {
    let ds = common::mnist();
    assert_eq!((ds.train.len(), ds.test.len()), (60_000, 10_000));
    assert_eq!(
        (ds.train.channels, ds.train.height, ds.train.width),
        (1, 28, 28)
    );
    // shared/DATASETS.md: first test labels and training label counts.
    assert_eq!(&ds.test.labels[..10], &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    let mut counts = [0usize; 10];
    for &l in &ds.train.labels {
        counts[l as usize] += 1;
    }
    assert_eq!(
        counts,
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    // Well-known normalisation constants of MNIST (mean 0.1307, std 0.3081).
    assert!((ds.mean[0] - 0.1307).abs() < 1e-3, "mean {}", ds.mean[0]);
    assert!((ds.std[0] - 0.3081).abs() < 1e-3, "std {}", ds.std[0]);
}

#[test]
fn raw_and_gzip_give_the_same_images() {
    let b = common::mnist_bytes();
    let raw = gunzip(&b[2]);
    let a = parse_idx(&raw, Limits::default()).unwrap();
    let g = parse_idx(&b[2], Limits::default()).unwrap();
    assert_eq!(a, g);
    assert_eq!(a.dims, vec![10_000, 28, 28]);
}

#[test]
fn damaged_real_files_are_refused_with_a_reason() {
    let b = common::mnist_bytes();
    let raw = gunzip(&b[3]);
    let l = Limits::default();
    // Truncated by one byte, raw and gzipped.
    assert_eq!(
        parse_idx(&raw[..raw.len() - 1], l),
        Err(DataError::Length {
            expected: 10_008,
            actual: 10_007
        })
    );
    assert!(parse_idx(&b[3][..b[3].len() - 20], l).is_err());
    // Wrong magic.
    let mut m = raw.clone();
    m[1] = 0x42;
    assert!(matches!(parse_idx(&m, l), Err(DataError::Magic { .. })));
    // Corrupt deflate data in the middle of the gzip stream.
    let mut c = b[2].clone();
    let mid = c.len() / 2;
    for x in &mut c[mid..mid + 64] {
        *x ^= 0xa5;
    }
    assert!(parse_idx(&c, l).is_err());
    // Label out of range, reported with its position and the file name.
    let mut bad = raw.clone();
    bad[8 + 17] = 10;
    let imgs = gunzip(&b[2]);
    let err = ImageSet::from_idx(("imgs", &imgs), ("labels", &bad), 10, l).unwrap_err();
    assert_eq!(err.file, "labels");
    assert_eq!(
        err.error,
        DataError::Label {
            label: 10,
            index: 17,
            max: 9
        }
    );
    // Images and labels swapped: shapes are checked.
    let err = Dataset::from_files(DatasetKind::Mnist, [&b[1], &b[0], &b[2], &b[3]]).unwrap_err();
    assert!(err.to_string().contains("train-images"), "{err}");
}

#[test]
fn hostile_header_on_real_bytes_is_refused_before_allocating() {
    let b = common::mnist_bytes();
    let mut raw = gunzip(&b[2]);
    raw[4..8].copy_from_slice(&u32::MAX.to_be_bytes()); // claims 4 billion images
    assert!(matches!(
        parse_idx(&raw, Limits::default()),
        Err(DataError::TooLarge { .. })
    ));
}
