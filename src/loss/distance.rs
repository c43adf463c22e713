//! Pairwise distances, pair masks and class prototypes, shared by the metric losses
//! (contrastive, triplet) and the distance heads (center, regression).

use burn::module::Module;
use burn::tensor::{Device, Tensor};

/// Floor of a Euclidean distance: `d = sqrt(max(‖·‖², 1e-24))`, so the gradient of a distance
/// between coincident points (the diagonal) is zero instead of infinite.
pub const DIST_EPS_SQ: f64 = 1e-24;

/// A value larger than any distance, used to exclude entries from a min.
pub const FAR: f64 = 1e18;

/// Squared Euclidean distances between the rows of `a` and the rows of `b`, computed from the
/// differences (exact, unlike the Gram expansion).
///
/// # Shapes
/// - `a`: `[n, d]`, `b`: `[m, d]` → `[n, m]`
pub fn squared_distances(a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
    let [n, _] = a.dims();
    let [m, _] = b.dims();
    let diff = a.unsqueeze_dim::<3>(1) - b.unsqueeze_dim::<3>(0);
    diff.powi_scalar(2).sum_dim(2).reshape([n, m])
}

/// Euclidean distances `sqrt(max(d², 1e-24))` from squared ones.
///
/// # Shapes
/// - `squared`: `[n, m]` → `[n, m]`
pub fn distances(squared: Tensor<2>) -> Tensor<2> {
    squared.clamp_min(DIST_EPS_SQ).sqrt()
}

/// Pair masks of a batch, as floats (1 = in the set).
#[derive(Debug, Clone)]
pub struct PairMasks {
    /// `i ≠ j`, same class. Shape `[n, n]`.
    pub positive: Tensor<2>,
    /// Different classes. Shape `[n, n]`.
    pub negative: Tensor<2>,
}

impl PairMasks {
    /// Masks from one-hot labels.
    ///
    /// # Shapes
    /// - `one_hot`: `[n, classes]`
    pub fn new(one_hot: Tensor<2>) -> Self {
        let [n, _] = one_hot.dims();
        let device = one_hot.device();
        let one_hot = one_hot.detach();
        let same = one_hot.clone().matmul(one_hot.transpose());
        let eye = Tensor::<2>::eye(n, &device);
        Self {
            positive: same.clone() - eye,
            negative: same.neg().add_scalar(1.0),
        }
    }
}

/// `Σ x / max(Σ mask, 1)`: the mean of `x` over a mask's set, 0 for an empty set.
///
/// # Shapes
/// - `x`, `mask`: same shape → `[1]`
pub fn masked_mean<const D: usize>(x: Tensor<D>, mask: Tensor<D>) -> Tensor<1> {
    let count = mask.clone().sum().clamp_min(1.0);
    (x * mask).sum() / count
}

/// Class means of the training embeddings, the decision of the metric losses ("prototypes"
/// head of shared/LOSSES.md): an embedding is assigned to the nearest prototype.
///
/// Not trainable. [`Prototypes::observe`] (called by `Loss::after_step` on each training batch)
/// moves each class's prototype towards the mean of that class in the batch: the first time
/// a class is seen it is set to that mean, later by an exponential moving average with weight
/// `max(0.1, n_batch / n_seen)` (embeddings move while training, so old batches are
/// forgotten). [`Prototypes::set_means`] sets them exactly, e.g. from a pass over the
/// training set.
#[derive(Module, Debug)]
pub struct Prototypes {
    /// One row per class. Shape `[classes, d]`.
    pub means: Tensor<2>,
    /// Embeddings seen per class. Shape `[classes, 1]`.
    pub seen: Tensor<2>,
}

impl Prototypes {
    /// Weight of the newest batch once a class has been seen often.
    pub const MOMENTUM: f64 = 0.1;

    /// All prototypes at the origin, none seen yet.
    pub fn new(embed_dim: usize, classes: usize, device: &Device) -> Self {
        Self {
            means: Tensor::zeros([classes, embed_dim], device),
            seen: Tensor::zeros([classes, 1], device),
        }
    }

    /// Sums and counts per class of a batch (detached).
    fn class_sums(embeddings: Tensor<2>, one_hot: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let one_hot = one_hot.detach().transpose();
        let counts = one_hot.clone().sum_dim(1);
        (one_hot.matmul(embeddings.detach()), counts)
    }

    /// Moves the prototypes towards the class means of a batch (see the type's doc).
    ///
    /// # Shapes
    /// - `embeddings`: `[n, d]`, `one_hot`: `[n, classes]`
    pub fn observe(&mut self, embeddings: Tensor<2>, one_hot: Tensor<2>) {
        let (sums, counts) = Self::class_sums(embeddings, one_hot);
        let present = counts.clone().greater_elem(0.0).float();
        let batch_means = sums / counts.clone().clamp_min(1.0);
        let first = counts.clone() / (self.seen.clone() + counts.clone()).clamp_min(1.0);
        let weight = first.max_pair(present.mul_scalar(Self::MOMENTUM));
        let means = self.means.clone();
        self.means = means.clone() + (batch_means - means) * weight;
        self.seen = self.seen.clone() + counts;
    }

    /// Sets the prototype of every class present in `embeddings` to its mean there.
    ///
    /// # Shapes
    /// - `embeddings`: `[n, d]`, `one_hot`: `[n, classes]`
    pub fn set_means(&mut self, embeddings: Tensor<2>, one_hot: Tensor<2>) {
        let (sums, counts) = Self::class_sums(embeddings, one_hot);
        let present = counts.clone().greater_elem(0.0).float();
        let batch_means = sums / counts.clone().clamp_min(1.0);
        let means = self.means.clone();
        self.means = means.clone() + (batch_means - means) * present;
        self.seen = self.seen.clone() + counts;
    }

    /// Scores `−‖z_i − p_j‖²` (nearest prototype wins).
    ///
    /// # Shapes
    /// - `embeddings`: `[n, d]` → `[n, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        squared_distances(embeddings, self.means.clone()).neg()
    }
}
