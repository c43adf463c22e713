//! Data: untrusted bytes → validated, in-memory datasets; batch order; checksums.
//!
//! No I/O here: callers (the `lab` CLI reading files, the page fetching URLs) hand in bytes.
//! - Built-in datasets ([`DatasetKind`]): [`Dataset::from_named`] takes `(file name, bytes)`
//!   pairs as fetched (IDX raw or gzip; CIFAR-10 binary batches).
//! - The user's own files: [`user_dataset`] detects IDX / CIFAR-style records by content.
//! - The data folder's `manifest.json`: [`Manifest`], and [`verify`] of downloaded bytes
//!   against its sha256 before they are cached.
//! - Augmentation ([`Augment`]): seeded random crop and flip on `u8` images.

mod augment;
mod cifar;
mod dataset;
mod error;
mod idx;
mod manifest;
mod sampler;
mod user;

pub use augment::Augment;
pub use cifar::{
    CIFAR_BATCH_RECORDS, CIFAR_IMAGE_LEN, CIFAR_RECORD_LEN, CIFAR_SIDE, append_cifar,
    empty_cifar_set, parse_cifar,
};
pub use dataset::{
    CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, Dataset, DatasetKind, FileFormat, IDX_FILES, ImageSet,
    channel_stats,
};
pub use error::{DataError, FileError};
pub use idx::{Idx, Limits, is_gzip, parse_idx};
pub use manifest::{
    Encoding, MANIFEST_FILE, MANIFEST_VERSION, Manifest, ManifestDataset, ManifestFile, Verified,
    sha256_hex, verify,
};
pub use sampler::{BalancedSampler, BatchSampler, EpochSampler, Rng};
pub use user::{MAX_USER_BYTES, MAX_USER_CLASSES, user_dataset};
