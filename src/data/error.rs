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
