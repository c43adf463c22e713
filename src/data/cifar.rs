//! CIFAR-10's binary batches: bytes → validated [`ImageSet`], raw or gzip.
//!
//! Format (Krizhevsky's page, shared/DATASETS.md): records of 3073 bytes — one label byte,
//! then the 32×32 image as three row-major planes of 1024 bytes (red, green, blue). A batch
//! file holds 10,000 records (30,730,000 bytes). The planes are already in the channel-planar
//! layout of [`ImageSet`], so a record's 3072 pixel bytes are copied as they are.
//!
//! Lengths are checked before anything is kept, gzip streams are inflated with a hard cap
//! ([`Limits::max_payload_bytes`]), and every label is checked before the images are copied,
//! so a bad file leaves the set it was to be appended to untouched.

use super::dataset::{ImageSet, check_labels};
use super::error::DataError;
use super::idx::{Limits, gunzip_capped, is_gzip};

/// Side of a CIFAR image in pixels.
pub const CIFAR_SIDE: usize = 32;
/// Pixel bytes of one image: 3 planes of 32×32.
pub const CIFAR_IMAGE_LEN: usize = 3 * CIFAR_SIDE * CIFAR_SIDE;
/// Bytes of one record: the label, then the image.
pub const CIFAR_RECORD_LEN: usize = 1 + CIFAR_IMAGE_LEN;
/// Records in each of CIFAR-10's batch files.
pub const CIFAR_BATCH_RECORDS: usize = 10_000;

/// An empty colour set of CIFAR's shape, to append batches to.
pub fn empty_cifar_set() -> ImageSet {
    ImageSet {
        images: Vec::new(),
        labels: Vec::new(),
        channels: 3,
        height: CIFAR_SIDE,
        width: CIFAR_SIDE,
    }
}

/// Parses one file of CIFAR-style records (raw or gzip) into a new set.
///
/// # Errors
/// As [`append_cifar`].
pub fn parse_cifar(bytes: &[u8], classes: usize, limits: Limits) -> Result<ImageSet, DataError> {
    let mut set = empty_cifar_set();
    append_cifar(bytes, classes, limits, &mut set)?;
    Ok(set)
}

/// Validates one file of CIFAR-style records (raw or gzip) and appends its images and labels
/// to `set` (which must have CIFAR's shape, 3×32×32). Returns the number of records added.
/// On error `set` is left as it was.
///
/// # Errors
/// [`DataError::Records`] when the (decompressed) length is zero or not a multiple of 3073,
/// [`DataError::TooLarge`] over the payload limit, [`DataError::Inflated`] /
/// [`DataError::Gzip`] for a gzip bomb or a corrupt stream, [`DataError::Label`] for a label
/// `>= classes` (its record index is named), [`DataError::Shape`] when `set` is not 3×32×32.
pub fn append_cifar(
    bytes: &[u8],
    classes: usize,
    limits: Limits,
    set: &mut ImageSet,
) -> Result<usize, DataError> {
    if (set.channels, set.height, set.width) != (3, CIFAR_SIDE, CIFAR_SIDE) {
        return Err(DataError::Shape {
            found: vec![set.channels, set.height, set.width],
            expected: "a 3×32×32 set to append CIFAR records to".into(),
        });
    }
    let inflated;
    let data: &[u8] = if is_gzip(bytes) {
        inflated = gunzip_capped(bytes, limits.max_payload_bytes)?;
        &inflated
    } else {
        if bytes.len() > limits.max_payload_bytes {
            return Err(DataError::TooLarge {
                claimed: bytes.len() as u128,
                limit: limits.max_payload_bytes,
            });
        }
        bytes
    };
    if data.is_empty() || !data.len().is_multiple_of(CIFAR_RECORD_LEN) {
        return Err(DataError::Records {
            actual: data.len(),
            record: CIFAR_RECORD_LEN,
        });
    }
    let n = data.len() / CIFAR_RECORD_LEN;
    let labels: Vec<u8> = data.iter().step_by(CIFAR_RECORD_LEN).copied().collect();
    check_labels(&labels, classes)?;
    set.images.reserve(n * CIFAR_IMAGE_LEN);
    for record in data.chunks_exact(CIFAR_RECORD_LEN) {
        set.images.extend_from_slice(&record[1..]);
    }
    set.labels.extend_from_slice(&labels);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` records: label `i % 10`, every pixel of plane `c` equal to `i + c`.
    fn records(n: usize) -> Vec<u8> {
        let mut v = Vec::new();
        for i in 0..n {
            v.push((i % 10) as u8);
            for c in 0..3 {
                v.extend(std::iter::repeat_n((i + c) as u8, 1024));
            }
        }
        v
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn records_become_planar_images_raw_or_gzip() {
        let raw = records(3);
        let a = parse_cifar(&raw, 10, Limits::default()).unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(a.labels, vec![0, 1, 2]);
        assert_eq!((a.channels, a.height, a.width), (3, 32, 32));
        let img = a.image(2);
        assert_eq!((img[0], img[1024], img[2048], img[3071]), (2, 3, 4, 4));
        assert_eq!(parse_cifar(&gzip(&raw), 10, Limits::default()).unwrap(), a);
    }

    #[test]
    fn bad_records_are_refused_and_leave_the_set_alone() {
        let l = Limits::default();
        let mut set = parse_cifar(&records(2), 10, l).unwrap();
        let before = set.clone();
        let raw = records(3);
        for (bytes, what) in [
            (raw[..raw.len() - 1].to_vec(), "truncated"),
            (Vec::new(), "empty"),
            ([raw.clone(), vec![0]].concat(), "one byte too many"),
        ] {
            assert_eq!(
                append_cifar(&bytes, 10, l, &mut set),
                Err(DataError::Records {
                    actual: bytes.len(),
                    record: 3073
                }),
                "{what}"
            );
        }
        let mut bad = raw.clone();
        bad[2 * 3073] = 10;
        assert_eq!(
            append_cifar(&bad, 10, l, &mut set),
            Err(DataError::Label {
                label: 10,
                index: 2,
                max: 9
            })
        );
        let gz = gzip(&raw);
        assert!(append_cifar(&gz[..gz.len() / 2], 10, l, &mut set).is_err());
        assert_eq!(set, before);
        assert_eq!(append_cifar(&raw, 10, l, &mut set), Ok(3));
        assert_eq!(set.len(), 5);
    }

    #[test]
    fn oversized_and_bombs_stop_at_the_cap() {
        let small = Limits {
            max_payload_bytes: 2 * 3073,
            max_dims: 4,
        };
        let raw = records(3);
        assert!(matches!(
            parse_cifar(&raw, 10, small),
            Err(DataError::TooLarge { .. })
        ));
        let bomb = gzip(&vec![0u8; 1 << 20]);
        assert_eq!(
            parse_cifar(&bomb, 10, small),
            Err(DataError::Inflated { limit: 2 * 3073 })
        );
    }
}
