//! Data: untrusted bytes → validated, in-memory datasets; batch order.
//!
//! No I/O here: callers (the `lab` CLI reading files, the page fetching URLs) hand in bytes.

mod dataset;
mod error;
mod idx;
mod sampler;

pub use dataset::{Dataset, DatasetKind, ImageSet, channel_stats};
pub use error::{DataError, FileError};
pub use idx::{Idx, Limits, is_gzip, parse_idx};
pub use sampler::{BalancedSampler, BatchSampler, EpochSampler, Rng};
