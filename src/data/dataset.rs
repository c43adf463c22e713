//! In-memory image classification datasets: images kept as `u8`, normalised per batch.

use super::error::{DataError, FileError};
use super::idx::{Limits, parse_idx};

/// Which built-in dataset a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    /// Handwritten digits, 28×28 grey (LeCun, Cortes, Burges).
    Mnist,
}

impl DatasetKind {
    /// Every built-in dataset.
    pub const ALL: [DatasetKind; 1] = [DatasetKind::Mnist];

    /// Short id used in URLs, file paths and the CLI.
    pub fn id(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
        }
    }

    /// Human name.
    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "MNIST",
        }
    }

    /// Parses [`Self::id`].
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    /// Class names, in label order.
    pub fn class_names(self) -> Vec<String> {
        match self {
            DatasetKind::Mnist => (0..10).map(|d| d.to_string()).collect(),
        }
    }

    /// The four IDX file names (train images, train labels, test images, test labels), gzipped,
    /// relative to the data folder.
    pub fn files(self) -> [String; 4] {
        let dir = self.id();
        [
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        ]
        .map(|f| format!("{dir}/{f}"))
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
        fn at(file: &str) -> impl Fn(DataError) -> FileError + '_ {
            move |error| FileError {
                file: file.to_string(),
                error,
            }
        }
        let img = parse_idx(images.1, limits).map_err(at(images.0))?;
        if img.dims.len() != 3 || img.dims[1] == 0 || img.dims[2] == 0 {
            return Err(at(images.0)(DataError::Shape {
                found: img.dims,
                expected: "[N, height, width] images".into(),
            }));
        }
        let lab = parse_idx(labels.1, limits).map_err(at(labels.0))?;
        if lab.dims.len() != 1 {
            return Err(at(labels.0)(DataError::Shape {
                found: lab.dims,
                expected: "[N] labels".into(),
            }));
        }
        if img.dims[0] != lab.dims[0] {
            return Err(at(labels.0)(DataError::CountMismatch {
                images: img.dims[0],
                labels: lab.dims[0],
            }));
        }
        check_labels(&lab.data, classes).map_err(at(labels.0))?;
        Ok(Self {
            images: img.data,
            labels: lab.data,
            channels: 1,
            height: img.dims[1],
            width: img.dims[2],
        })
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

fn check_labels(labels: &[u8], classes: usize) -> Result<(), DataError> {
    let max = (classes - 1) as u8;
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

    /// Loads a built-in dataset from the four files' bytes, in [`DatasetKind::files`] order.
    ///
    /// # Errors
    /// A [`FileError`] naming the first bad file.
    pub fn from_files(kind: DatasetKind, files: [&[u8]; 4]) -> Result<Self, FileError> {
        let names = kind.files();
        let classes = kind.class_names();
        let limits = Limits::default();
        let train = ImageSet::from_idx(
            (&names[0], files[0]),
            (&names[1], files[1]),
            classes.len(),
            limits,
        )?;
        let test = ImageSet::from_idx(
            (&names[2], files[2]),
            (&names[3], files[3]),
            classes.len(),
            limits,
        )?;
        Self::new(kind.title(), classes, train, test).map_err(|error| FileError {
            file: names[2].clone(),
            error,
        })
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
