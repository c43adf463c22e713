//! In-memory image classification datasets: images kept as `u8`, normalised per batch.

use super::error::{DataError, FileError};
use super::idx::{Idx, Limits, parse_idx};

/// Which built-in dataset a run uses.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    /// Handwritten digits, 28×28 grey (LeCun, Cortes, Burges): 60,000 train, 10,000 test.
    #[default]
    Mnist,
    /// Zalando's article images, 28×28 grey (Xiao, Rasul, Vollgraf 2017): 60,000 / 10,000.
    FashionMnist,
    /// Small colour photographs, 32×32 RGB (Krizhevsky 2009): 5 training batches of 10,000,
    /// a test batch of 10,000.
    Cifar10,
}

/// How a built-in dataset's files are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// Four IDX files (train / test images and labels), gzipped.
    Idx,
    /// CIFAR-10 binary batches of 3073-byte records: `test_batch.bin`, `data_batch_{1..5}.bin`.
    CifarBin,
}

/// The IDX file names of MNIST and Fashion-MNIST: train images, train labels, test images,
/// test labels.
pub const IDX_FILES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// CIFAR-10's training batch files (10,000 images each), in order.
pub const CIFAR_TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];

/// CIFAR-10's test batch file.
pub const CIFAR_TEST_FILE: &str = "test_batch.bin";

impl DatasetKind {
    /// Every built-in dataset.
    pub const ALL: [DatasetKind; 3] = [
        DatasetKind::Mnist,
        DatasetKind::FashionMnist,
        DatasetKind::Cifar10,
    ];

    /// Short id used in URLs, file paths, the manifest and the CLI (also the serde name).
    pub fn id(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
            DatasetKind::Cifar10 => "cifar10",
        }
    }

    /// Human name.
    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "MNIST",
            DatasetKind::FashionMnist => "Fashion-MNIST",
            DatasetKind::Cifar10 => "CIFAR-10",
        }
    }

    /// Authors and licence, for the credits.
    pub fn credit(self) -> &'static str {
        match self {
            DatasetKind::Mnist => {
                "Y. LeCun, C. Cortes, C. J. C. Burges (commonly cited under CC BY-SA 3.0)"
            }
            DatasetKind::FashionMnist => "H. Xiao, K. Rasul, R. Vollgraf, Zalando Research (MIT)",
            DatasetKind::Cifar10 => {
                "A. Krizhevsky, \"Learning Multiple Layers of Features from Tiny Images\", 2009"
            }
        }
    }

    /// Parses [`Self::id`].
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    /// Class names, in label order.
    pub fn class_names(self) -> Vec<String> {
        let names: &[&str] = match self {
            DatasetKind::Mnist => &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            DatasetKind::FashionMnist => &[
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
            // batches.meta.txt of the binary version.
            DatasetKind::Cifar10 => &[
                "airplane",
                "automobile",
                "bird",
                "cat",
                "deer",
                "dog",
                "frog",
                "horse",
                "ship",
                "truck",
            ],
        };
        names.iter().map(|n| n.to_string()).collect()
    }

    /// Image shape `(channels, height, width)`.
    pub fn shape(self) -> (usize, usize, usize) {
        match self {
            DatasetKind::Mnist | DatasetKind::FashionMnist => (1, 28, 28),
            DatasetKind::Cifar10 => (3, 32, 32),
        }
    }

    /// How the files are stored.
    pub fn format(self) -> FileFormat {
        match self {
            DatasetKind::Mnist | DatasetKind::FashionMnist => FileFormat::Idx,
            DatasetKind::Cifar10 => FileFormat::CifarBin,
        }
    }

    /// Training files that can be loaded separately (CIFAR-10's 5 batches); 1 for the others.
    pub fn train_batches(self) -> usize {
        match self.format() {
            FileFormat::Idx => 1,
            FileFormat::CifarBin => CIFAR_TRAIN_FILES.len(),
        }
    }

    /// Every file of the dataset as served under the data folder (`mnist/….gz`,
    /// `cifar10/….bin`), in [`Self::files_for`] order: the four IDX files
    /// ([`IDX_FILES`] order), or CIFAR-10's test batch then its five training batches.
    pub fn files(self) -> Vec<String> {
        self.files_for(self.train_batches())
    }

    /// The served files needed to train on `train_batches` training batches (clamped to
    /// `1..=`[`Self::train_batches`]; only CIFAR-10 has more than one): the four IDX files, or
    /// `cifar10/test_batch.bin` then `cifar10/data_batch_1.bin` … `data_batch_{n}.bin`.
    pub fn files_for(self, train_batches: usize) -> Vec<String> {
        let dir = self.id();
        match self.format() {
            FileFormat::Idx => IDX_FILES.iter().map(|f| format!("{dir}/{f}.gz")).collect(),
            FileFormat::CifarBin => {
                let n = train_batches.clamp(1, CIFAR_TRAIN_FILES.len());
                std::iter::once(CIFAR_TEST_FILE)
                    .chain(CIFAR_TRAIN_FILES[..n].iter().copied())
                    .map(|f| format!("{dir}/{f}"))
                    .collect()
            }
        }
    }
}

/// One split (train or test) of an image dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSet {
    /// `len × channels × height × width` bytes, channel-planar per image.
    pub images: Vec<u8>,
    /// One label per image, `< classes`.
    pub labels: Vec<u8>,
    /// Channels per image (1 grey, 3 colour).
    pub channels: usize,
    /// Image height in pixels.
    pub height: usize,
    /// Image width in pixels.
    pub width: usize,
}

impl ImageSet {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split is empty.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Bytes per image.
    pub fn image_len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// The bytes of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.image_len();
        &self.images[i * n..(i + 1) * n]
    }

    /// Image `i` as interleaved RGBA bytes for a canvas: colour images are read from their
    /// R, G and B planes, grey images repeat their one channel; alpha is opaque.
    pub fn rgba(&self, i: usize) -> Vec<u8> {
        let img = self.image(i);
        let plane = self.height * self.width;
        let mut out = Vec::with_capacity(plane * 4);
        for p in 0..plane {
            let (r, g, b) = if self.channels >= 3 {
                (img[p], img[plane + p], img[2 * plane + p])
            } else {
                (img[p], img[p], img[p])
            };
            out.extend_from_slice(&[r, g, b, 255]);
        }
        out
    }

    /// Builds a grey-scale split from an IDX image file (`[N, H, W]`) and label file (`[N]`).
    ///
    /// # Errors
    /// A [`FileError`] naming the file and the problem.
    pub fn from_idx(
        images: (&str, &[u8]),
        labels: (&str, &[u8]),
        classes: usize,
        limits: Limits,
    ) -> Result<Self, FileError> {
        let img = parse_idx(images.1, limits).map_err(|e| e.at(images.0))?;
        let lab = parse_idx(labels.1, limits).map_err(|e| e.at(labels.0))?;
        Self::from_parsed((images.0, img), (labels.0, lab), classes)
    }

    /// Builds a grey-scale split from parsed IDX images (`[N, H, W]`) and labels (`[N]`).
    ///
    /// # Errors
    /// A [`FileError`] naming the file: a wrong shape, counts that differ, or a label
    /// `>= classes`.
    pub fn from_parsed(
        images: (&str, Idx),
        labels: (&str, Idx),
        classes: usize,
    ) -> Result<Self, FileError> {
        let (img, lab) = (images.1, labels.1);
        if img.dims.len() != 3 || img.dims[1] == 0 || img.dims[2] == 0 {
            return Err(DataError::Shape {
                found: img.dims,
                expected: "[N, height, width] images".into(),
            }
            .at(images.0));
        }
        if lab.dims.len() != 1 {
            return Err(DataError::Shape {
                found: lab.dims,
                expected: "[N] labels".into(),
            }
            .at(labels.0));
        }
        if img.dims[0] != lab.dims[0] {
            return Err(DataError::CountMismatch {
                images: img.dims[0],
                labels: lab.dims[0],
            }
            .at(labels.0));
        }
        check_labels(&lab.data, classes).map_err(|e| e.at(labels.0))?;
        Ok(Self {
            images: img.data,
            labels: lab.data,
            channels: 1,
            height: img.dims[1],
            width: img.dims[2],
        })
    }

    /// Splits off the last `n` examples (at most all) into a new set.
    pub fn split_off_tail(&mut self, n: usize) -> Self {
        let keep = self.len() - n.min(self.len());
        Self {
            images: self.images.split_off(keep * self.image_len()),
            labels: self.labels.split_off(keep),
            ..*self
        }
    }

    /// The first `n` examples (or all, if fewer).
    pub fn head(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self {
            images: self.images[..n * self.image_len()].to_vec(),
            labels: self.labels[..n].to_vec(),
            ..*self
        }
    }
}

pub(crate) fn check_labels(labels: &[u8], classes: usize) -> Result<(), DataError> {
    let max = classes.saturating_sub(1).min(255) as u8;
    match labels.iter().position(|&l| l as usize >= classes) {
        Some(index) => Err(DataError::Label {
            label: labels[index],
            index,
            max,
        }),
        None => Ok(()),
    }
}

/// A dataset ready for training: both splits plus what the model and legend need.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Display name.
    pub name: String,
    /// Class names in label order.
    pub class_names: Vec<String>,
    /// Training split.
    pub train: ImageSet,
    /// Test split.
    pub test: ImageSet,
    /// Per-channel mean of the training pixels, in `[0, 1]`.
    pub mean: Vec<f32>,
    /// Per-channel standard deviation of the training pixels, in `[0, 1]`.
    pub std: Vec<f32>,
}

impl Dataset {
    /// Assembles a dataset, checking that both splits have the same image shape, and computes
    /// the normalisation statistics from the training split.
    ///
    /// # Errors
    /// [`DataError::Shape`] when the splits disagree or are empty.
    pub fn new(
        name: &str,
        class_names: Vec<String>,
        train: ImageSet,
        test: ImageSet,
    ) -> Result<Self, DataError> {
        let shape = |s: &ImageSet| [s.channels, s.height, s.width];
        if shape(&train) != shape(&test) || train.is_empty() || test.is_empty() {
            return Err(DataError::Shape {
                found: shape(&test).to_vec(),
                expected: format!(
                    "non-empty splits of one image shape (train is {:?} × {})",
                    shape(&train),
                    train.len()
                ),
            });
        }
        let (mean, std) = channel_stats(&train);
        Ok(Self {
            name: name.to_string(),
            class_names,
            train,
            test,
            mean,
            std,
        })
    }

    /// Loads a built-in dataset from its first four files' bytes, in [`DatasetKind::files`]
    /// order (for CIFAR-10: the test batch and the first three training batches). See
    /// [`Self::from_named`] for any number of files.
    ///
    /// # Errors
    /// A [`FileError`] naming the first bad file.
    pub fn from_files(kind: DatasetKind, files: [&[u8]; 4]) -> Result<Self, FileError> {
        let names = kind.files();
        let named: Vec<(&str, &[u8])> = names.iter().map(String::as_str).zip(files).collect();
        Self::from_named(kind, &named)
    }

    /// Loads a built-in dataset from `(file name, bytes)` pairs, as fetched: names as in
    /// [`DatasetKind::files_for`] (the folder and a `.gz` suffix are optional), bytes raw or
    /// gzipped. MNIST and Fashion-MNIST need their four IDX files; CIFAR-10 needs
    /// `test_batch.bin` and one or more of `data_batch_{1..5}.bin` (in any order: training
    /// batches are concatenated by number). Every file is validated (format, shape
    /// `kind.shape()`, exact length, labels `0..10`) before it is kept.
    ///
    /// # Errors
    /// A [`FileError`] naming the file: unknown or duplicate name, a file missing, or any
    /// parse error of [`parse_idx`] / [`super::append_cifar`].
    pub fn from_named<N: AsRef<str>, B: AsRef<[u8]>>(
        kind: DatasetKind,
        files: &[(N, B)],
    ) -> Result<Self, FileError> {
        let title = kind.title();
        let (channels, height, width) = kind.shape();
        let classes = kind.class_names();
        let limits = Limits::default();
        // The role of each file: its index among the expected names.
        let expected: Vec<&str> = match kind.format() {
            FileFormat::Idx => IDX_FILES.to_vec(),
            FileFormat::CifarBin => std::iter::once(CIFAR_TEST_FILE)
                .chain(CIFAR_TRAIN_FILES)
                .collect(),
        };
        let mut by_role: Vec<Option<(&str, &[u8])>> = vec![None; expected.len()];
        for (name, bytes) in files {
            let name = name.as_ref();
            let base = name.rsplit('/').next().unwrap_or(name);
            let base = base.strip_suffix(".gz").unwrap_or(base);
            let Some(role) = expected.iter().position(|e| *e == base) else {
                return Err(DataError::Conflict(format!(
                    "not a file of {title} (expected {})",
                    expected.join(", ")
                ))
                .at(name));
            };
            if by_role[role].is_some() {
                return Err(DataError::Conflict(format!("given twice for {title}")).at(name));
            }
            by_role[role] = Some((name, bytes.as_ref()));
        }
        let need = |role: usize| {
            by_role[role].ok_or_else(|| {
                DataError::Missing(format!("{title} needs this file")).at(expected[role])
            })
        };
        let (train, test) = match kind.format() {
            FileFormat::Idx => {
                let split = |i: usize, l: usize| -> Result<ImageSet, FileError> {
                    let (images, labels) = (need(i)?, need(l)?);
                    let set = ImageSet::from_idx(images, labels, classes.len(), limits)?;
                    if (set.height, set.width) != (height, width) {
                        return Err(DataError::Shape {
                            found: vec![set.len(), set.height, set.width],
                            expected: format!("[N, {height}, {width}] images of {title}"),
                        }
                        .at(images.0));
                    }
                    Ok(set)
                };
                (split(0, 1)?, split(2, 3)?)
            }
            FileFormat::CifarBin => {
                let (test_name, test_bytes) = need(0)?;
                let test = super::parse_cifar(test_bytes, classes.len(), limits)
                    .map_err(|e| e.at(test_name))?;
                let given: Vec<(&str, &[u8])> = by_role[1..].iter().flatten().copied().collect();
                if given.is_empty() {
                    return Err(DataError::Missing(format!(
                        "{title} needs at least one training batch besides {CIFAR_TEST_FILE}"
                    ))
                    .at(CIFAR_TRAIN_FILES[0]));
                }
                let mut train = super::empty_cifar_set();
                let records: usize = given
                    .iter()
                    .map(|(_, b)| b.len().min(limits.max_payload_bytes))
                    .sum::<usize>()
                    / super::CIFAR_RECORD_LEN;
                train.images.reserve(records * super::CIFAR_IMAGE_LEN);
                for (name, bytes) in given {
                    super::append_cifar(bytes, classes.len(), limits, &mut train)
                        .map_err(|e| e.at(name))?;
                }
                (train, test)
            }
        };
        debug_assert_eq!(train.channels, channels);
        // Both splits were checked against the kind's shape: a failure here is an empty split.
        let test_file = match kind.format() {
            FileFormat::Idx => IDX_FILES[2],
            FileFormat::CifarBin => CIFAR_TEST_FILE,
        };
        Self::new(title, classes, train, test).map_err(|e| e.at(test_file))
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.class_names.len()
    }
}

/// Per-channel mean and standard deviation of pixel values scaled to `[0, 1]`.
pub fn channel_stats(set: &ImageSet) -> (Vec<f32>, Vec<f32>) {
    let plane = set.height * set.width;
    let mut sum = vec![0f64; set.channels];
    let mut sq = vec![0f64; set.channels];
    for img in set.images.chunks_exact(set.image_len()) {
        for (c, p) in img.chunks_exact(plane).enumerate() {
            let (s, q) = p.iter().fold((0u64, 0u64), |(s, q), &v| {
                (s + v as u64, q + (v as u64) * (v as u64))
            });
            sum[c] += s as f64;
            sq[c] += q as f64;
        }
    }
    let n = (set.len() * plane) as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / n / 255.0).collect();
    let std = sq
        .iter()
        .zip(&mean)
        .map(|(q, m)| ((q / n / (255.0 * 255.0) - m * m).max(1e-12)).sqrt() as f32)
        .collect();
    (mean.into_iter().map(|m| m as f32).collect(), std)
}

#[cfg(test)]
mod rgba_tests {
    use super::ImageSet;

    #[test]
    fn rgba_interleaves_planes_and_repeats_grey() {
        // One 1×2 colour image: R plane [1, 2], G [3, 4], B [5, 6].
        let colour = ImageSet {
            images: vec![1, 2, 3, 4, 5, 6],
            labels: vec![0],
            channels: 3,
            height: 1,
            width: 2,
        };
        assert_eq!(colour.rgba(0), [1, 3, 5, 255, 2, 4, 6, 255]);
        // Two 1×2 grey images; the second is [7, 8].
        let grey = ImageSet {
            images: vec![0, 0, 7, 8],
            labels: vec![0, 1],
            channels: 1,
            height: 1,
            width: 2,
        };
        assert_eq!(grey.rgba(1), [7, 7, 7, 255, 8, 8, 8, 255]);
    }
}
