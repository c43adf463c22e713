//! The one error type of the data layer: every problem a file can have, in words a user can act on.

/// Why bytes could not become a dataset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// Fewer bytes than the header needs.
    #[error("file is truncated: the header needs {needed} bytes, the file has {actual}")]
    Truncated {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes present.
        actual: usize,
    },
    /// The first two bytes are not `00 00`.
    #[error("not an IDX file: magic number 0x{found:08x} (expected 0x0000080N)")]
    Magic {
        /// The magic number found.
        found: u32,
    },
    /// An element type other than unsigned byte.
    #[error(
        "unsupported IDX element type 0x{code:02x} (only 0x08, unsigned byte, is used by these datasets)"
    )]
    ElementType {
        /// The type code found.
        code: u8,
    },
    /// Zero or too many dimensions.
    #[error("IDX header declares {count} dimensions (1 to {max} accepted)")]
    Dims {
        /// Dimensions declared.
        count: usize,
        /// Most accepted.
        max: usize,
    },
    /// The header claims more data than we accept.
    #[error("header claims {claimed} bytes of data, over the limit of {limit} bytes")]
    TooLarge {
        /// Bytes claimed (may exceed `usize`).
        claimed: u128,
        /// Limit in force.
        limit: usize,
    },
    /// File length differs from what the header implies.
    #[error("wrong length: header implies {expected} bytes, the file has {actual}")]
    Length {
        /// Expected total length (header + payload).
        expected: usize,
        /// Actual length (for gzip: decompressed, counted up to the limit).
        actual: usize,
    },
    /// A gzip stream that inflates past the limit (a damaged file or a gzip bomb).
    #[error(
        "gzip stream inflates to more than {limit} bytes, the limit (a damaged file or a gzip bomb)"
    )]
    Inflated {
        /// Most decompressed bytes accepted.
        limit: usize,
    },
    /// The gzip stream is corrupt.
    #[error("corrupt gzip stream: {0}")]
    Gzip(String),
    /// The file is valid IDX but not the shape this dataset needs.
    #[error("unexpected shape {found:?}: expected {expected}")]
    Shape {
        /// Dimensions found.
        found: Vec<usize>,
        /// What was expected, in words.
        expected: String,
    },
    /// Images and labels disagree on the number of examples.
    #[error("{images} images but {labels} labels")]
    CountMismatch {
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },
    /// A label outside `0..classes`.
    #[error("label {label} at index {index} is out of range (0 to {max})")]
    Label {
        /// Offending label.
        label: u8,
        /// Its position.
        index: usize,
        /// Largest valid label.
        max: u8,
    },
    /// A file failed to load over the network or from disk.
    #[error("{0}")]
    Io(String),
    /// CIFAR-style data whose length is not a whole number of records.
    #[error(
        "wrong length: {actual} bytes is not a whole, non-zero number of {record}-byte records (1 label byte + 3072 pixel bytes)"
    )]
    Records {
        /// Bytes present (decompressed).
        actual: usize,
        /// Bytes per record.
        record: usize,
    },
    /// Neither IDX nor CIFAR-style records.
    #[error(
        "unrecognised format: {0} (expected an IDX file, raw or gzip, or CIFAR-style 3073-byte records named *.bin)"
    )]
    Format(String),
    /// A file the dataset needs is not in the list given.
    #[error("missing: {0}")]
    Missing(String),
    /// The list of files does not make one dataset (two files for one role, mixed formats…).
    #[error("{0}")]
    Conflict(String),
    /// Bytes whose size differs from the manifest's.
    #[error("size mismatch: the manifest says {expected} bytes, got {actual}")]
    Size {
        /// Size listed in the manifest.
        expected: u64,
        /// Bytes received.
        actual: u64,
    },
    /// Bytes whose sha256 differs from the manifest's.
    #[error(
        "checksum mismatch: sha256 {actual}, the manifest says {expected} (a damaged or stale download)"
    )]
    Checksum {
        /// Expected sha256, hex.
        expected: String,
        /// sha256 of the bytes received, hex.
        actual: String,
    },
    /// The manifest itself is malformed.
    #[error("invalid manifest: {0}")]
    Manifest(String),
}

impl DataError {
    /// This error, concerning `file`.
    pub fn at(self, file: impl Into<String>) -> FileError {
        FileError {
            file: file.into(),
            error: self,
        }
    }
}

/// A [`DataError`] together with the file it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {error}")]
pub struct FileError {
    /// File name (or URL) as the user knows it.
    pub file: String,
    /// What is wrong with it.
    pub error: DataError,
}
