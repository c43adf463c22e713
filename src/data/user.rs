//! The user's own files → a [`Dataset`], the format detected from the bytes.
//!
//! Accepted, as `(file name, bytes)` pairs:
//! - IDX files of unsigned bytes, raw or gzip (detected by the magic `00 00 08 0N`, inside the
//!   gzip stream if there is one): `[N, H, W]` images and `[N]` labels;
//! - CIFAR-style binary batches, raw or gzip: 3073-byte records (label, 1024 R, 1024 G,
//!   1024 B), recognised by a `.bin` name or, without one, by a length that is a whole number of
//!   records;
//! - optionally one `.txt` file of class names, one per line (CIFAR's `batches.meta.txt`).
//!
//! A file whose name contains `test` or `t10k` (any case) belongs to the test split, any other
//! to the training split; CIFAR-style training files are concatenated in name order. With
//! files of one split only, its last sixth (at most 10,000 examples) becomes the test split.
//! Labels must be below the number of class names given, or else below [`MAX_USER_CLASSES`];
//! the classes are then `0 … max label`. Images must be square with a side that is a multiple
//! of 4 (the CNN pools twice), at most 256. Every problem is a [`FileError`] naming the file.

use super::cifar::{CIFAR_RECORD_LEN, append_cifar, empty_cifar_set};
use super::dataset::{Dataset, ImageSet, check_labels};
use super::error::{DataError, FileError};
use super::idx::{Idx, Limits, content_head, is_gzip, looks_like_idx, parse_idx};

/// Most classes a user's dataset may have (labels `0..100`).
pub const MAX_USER_CLASSES: usize = 100;
/// Most image bytes all of a user's files may hold together (256 MiB; CIFAR-10's 60,000 images
/// are 184 MB).
pub const MAX_USER_BYTES: usize = 256 << 20;

/// Test examples held out of a single split: a sixth, at most this many.
const HOLDOUT_MAX: usize = 10_000;

fn is_test_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("test") || n.contains("t10k")
}

/// One split's IDX files, each with its name.
#[derive(Default)]
struct IdxSplit<'a> {
    images: Option<(&'a str, Idx)>,
    labels: Option<(&'a str, Idx)>,
}

/// Builds a dataset from the user's files (see the module documentation for what is
/// accepted and how files are assigned to splits).
///
/// # Errors
/// A [`FileError`] naming the file and the problem: an unrecognised format, any parse error of
/// [`parse_idx`] / [`append_cifar`] (truncated, corrupt gzip, wrong magic or length, a header
/// claiming a huge size, a gzip bomb), a label out of range, a shape the model cannot take,
/// two files for one role, formats mixed, a split without its labels or images, or more than
/// [`MAX_USER_BYTES`] of images.
pub fn user_dataset<N: AsRef<str>, B: AsRef<[u8]>>(files: &[(N, B)]) -> Result<Dataset, FileError> {
    let limits = Limits::default();
    if files.is_empty() {
        return Err(DataError::Missing(
            "no files given: choose IDX files (images and labels) or CIFAR-style .bin files".into(),
        )
        .at("(your files)"));
    }
    let mut names: Option<(&str, Vec<String>)> = None;
    let mut idx = [IdxSplit::default(), IdxSplit::default()]; // train, test
    let mut cifar: [Vec<(&str, &[u8])>; 2] = [Vec::new(), Vec::new()];
    let mut total = 0usize;
    for (name, bytes) in files {
        let (name, bytes) = (name.as_ref(), bytes.as_ref());
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let stem = base.strip_suffix(".gz").unwrap_or(base);
        let split = usize::from(is_test_name(base));
        if stem.ends_with(".txt") {
            if let Some((first, _)) = names {
                return Err(DataError::Conflict(format!(
                    "a second class-name file (the first is {first})"
                ))
                .at(name));
            }
            names = Some((name, class_names(bytes).map_err(|e| e.at(name))?));
            continue;
        }
        let head = content_head(bytes, 4).map_err(|e| e.at(name))?;
        if !stem.ends_with(".bin") && looks_like_idx(&head) {
            let parsed = parse_idx(bytes, limits).map_err(|e| e.at(name))?;
            total += parsed.data.len();
            check_total(total).map_err(|e| e.at(name))?;
            let slot = match parsed.dims.len() {
                1 => &mut idx[split].labels,
                3 => &mut idx[split].images,
                _ => {
                    return Err(DataError::Shape {
                        found: parsed.dims,
                        expected: "[N, height, width] images or [N] labels".into(),
                    }
                    .at(name));
                }
            };
            if let Some((first, _)) = slot {
                let role = if parsed.dims.len() == 1 {
                    "labels"
                } else {
                    "images"
                };
                let which = ["training", "test"][split];
                return Err(DataError::Conflict(format!(
                    "a second {which} {role} file (the first is {first}; names with \"test\" or \"t10k\" are test files)"
                ))
                .at(name));
            }
            *slot = Some((name, parsed));
        } else if stem.ends_with(".bin") || is_gzip(bytes) || bytes.len() % CIFAR_RECORD_LEN == 0 {
            cifar[split].push((name, bytes));
        } else {
            let magic = head.iter().fold(0u32, |m, &b| (m << 8) | b as u32);
            return Err(DataError::Format(format!(
                "starts with 0x{magic:08x} and its {} bytes are not a whole number of 3073-byte records",
                bytes.len()
            ))
            .at(name));
        }
    }
    let has_idx = idx.iter().any(|s| s.images.is_some() || s.labels.is_some());
    let has_cifar = cifar.iter().any(|s| !s.is_empty());
    if has_idx && has_cifar {
        let first = cifar.iter().flatten().next().map_or("", |f| f.0);
        return Err(DataError::Conflict(
            "CIFAR-style records mixed with IDX files: give files of one format".into(),
        )
        .at(first));
    }
    let declared = names.as_ref().map(|(_, n)| n.len());
    let label_limit = declared.unwrap_or(MAX_USER_CLASSES);
    let mut sets: [Option<(ImageSet, &str)>; 2] = [None, None];
    if has_cifar {
        for (split, list) in cifar.iter_mut().enumerate() {
            if list.is_empty() {
                continue;
            }
            list.sort_by(|a, b| a.0.cmp(b.0));
            let mut set = empty_cifar_set();
            for &(name, bytes) in list.iter() {
                let before = set.images.len();
                append_cifar(bytes, label_limit, limits, &mut set).map_err(|e| {
                    match (e, name.ends_with(".bin") || name.ends_with(".bin.gz")) {
                        // Not named .bin and not records either: say what it is not.
                        (DataError::Records { actual, .. }, false) => DataError::Format(format!(
                            "not IDX, and its {actual} bytes are not a whole number of 3073-byte records"
                        )),
                        (e, _) => e,
                    }
                    .at(name)
                })?;
                total += set.images.len() - before;
                check_total(total).map_err(|e| e.at(name))?;
            }
            sets[split] = Some((set, list[list.len() - 1].0));
        }
    } else {
        for (split, s) in idx.into_iter().enumerate() {
            let which = ["training", "test"][split];
            let set = match (s.images, s.labels) {
                (None, None) => continue,
                (Some((name, _)), None) => {
                    return Err(DataError::Missing(format!(
                        "no {which} labels for these images (an IDX file of shape [N]{})",
                        if split == 1 {
                            " with \"test\" or \"t10k\" in its name"
                        } else {
                            ""
                        }
                    ))
                    .at(name));
                }
                (None, Some((name, _))) => {
                    return Err(DataError::Missing(format!(
                        "no {which} images for these labels (an IDX file of shape [N, H, W])"
                    ))
                    .at(name));
                }
                (Some(images), Some(labels)) => {
                    let (iname, lname) = (images.0, labels.0);
                    let set = ImageSet::from_parsed(images, labels, label_limit)?;
                    check_shape(&set).map_err(|e| e.at(iname))?;
                    (set, lname)
                }
            };
            sets[split] = Some(set);
        }
    }
    let [train, test] = sets;
    let (mut train, train_name, test) = match (train, test) {
        (Some((tr, trn)), Some(te)) => (tr, trn, Some(te)),
        (Some((tr, trn)), None) | (None, Some((tr, trn))) => (tr, trn, None),
        (None, None) => {
            return Err(DataError::Missing("no images in these files".into()).at("(your files)"));
        }
    };
    let test = match test {
        Some((set, name)) => (set, name),
        None => {
            if train.len() < 2 {
                return Err(DataError::Conflict(format!(
                    "{} example(s): too few to hold some out for testing",
                    train.len()
                ))
                .at(train_name));
            }
            let n = (train.len() / 6).clamp(1, HOLDOUT_MAX);
            (train.split_off_tail(n), train_name)
        }
    };
    let classes = match declared {
        Some(n) => n,
        None => train.labels.iter().max().map_or(0, |&m| m as usize + 1),
    };
    let distinct = train
        .labels
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if distinct < 2 {
        return Err(DataError::Conflict(
            "every training label is the same: at least two classes are needed".into(),
        )
        .at(train_name));
    }
    // Test labels must be classes the training split knows.
    check_labels(&test.0.labels, classes).map_err(|e| e.at(test.1))?;
    let class_names = match names {
        Some((_, n)) => n,
        None => (0..classes).map(|c| c.to_string()).collect(),
    };
    let first = files[0].0.as_ref();
    Dataset::new("Your data", class_names, train, test.0).map_err(|e| e.at(first))
}

fn check_total(total: usize) -> Result<(), DataError> {
    if total > MAX_USER_BYTES {
        return Err(DataError::Conflict(format!(
            "together the files hold {total} bytes of images, over the limit of {MAX_USER_BYTES}"
        )));
    }
    Ok(())
}

/// The CNN's constraint on image shape.
fn check_shape(set: &ImageSet) -> Result<(), DataError> {
    let side = set.height;
    if set.width != side || side < 4 || !side.is_multiple_of(4) || side > 256 {
        return Err(DataError::Shape {
            found: vec![set.len(), set.height, set.width],
            expected: "square images with a side that is a multiple of 4, at most 256 (the CNN pools twice)"
                .into(),
        });
    }
    Ok(())
}

/// Class names, one per non-empty line.
fn class_names(bytes: &[u8]) -> Result<Vec<String>, DataError> {
    if bytes.len() > 1 << 20 {
        return Err(DataError::TooLarge {
            claimed: bytes.len() as u128,
            limit: 1 << 20,
        });
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| DataError::Format(format!("class names must be UTF-8 text ({e})")))?;
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if names.len() < 2 || names.len() > MAX_USER_CLASSES {
        return Err(DataError::Format(format!(
            "{} class names, expected 2 to {MAX_USER_CLASSES}, one per line",
            names.len()
        )));
    }
    Ok(names)
}
