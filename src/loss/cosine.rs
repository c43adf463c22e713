//! The cosine head shared by the angular family (normface, sphereface, cosface, arcface).
//!
//! ```text
//! x̂        = x / max(‖x‖, 1e-12)
//! cos θ_ij = ŵ_j · ẑ_i
//! l_ij     = s · cos θ_ij               (non-target classes)
//! l_iy     = s · f(cos θ_iy)            (target class: each loss's own transform f)
//! ```
//!
//! The four losses differ only in `f` (and sphereface in the scale, `‖z_i‖`), so this module
//! gives the head, the normalisation and the splicing of a transformed target logit into the
//! logit matrix; each loss file writes its own `f`.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

/// Smallest norm used to normalise (shared/LOSSES.md: `x̂ = x / max(‖x‖, 1e-12)`).
pub const NORM_EPS: f64 = 1e-12;

/// `max(‖x_i‖, 1e-12)` of every row, with zero gradient where the floor applies.
///
/// # Shapes
/// - `x`: `[n, d]` → `[n, 1]`
pub fn row_norms(x: Tensor<2>) -> Tensor<2> {
    x.powi_scalar(2)
        .sum_dim(1)
        .clamp_min(NORM_EPS * NORM_EPS)
        .sqrt()
}

/// Every row divided by its norm (`x̂`).
///
/// # Shapes
/// - `x`: `[n, d]` → `[n, d]`
pub fn normalize_rows(x: Tensor<2>) -> Tensor<2> {
    let n = row_norms(x.clone());
    x / n
}

/// The entry of each row at its label: `Σ_j x_ij · onehot_ij`.
///
/// # Shapes
/// - `x`, `one_hot`: `[n, classes]` → `[n, 1]`
pub fn at_label(x: Tensor<2>, one_hot: Tensor<2>) -> Tensor<2> {
    (x * one_hot).sum_dim(1)
}

/// Replaces each row's target entry by `target`: `x·(1 − onehot) + target·onehot`.
///
/// # Shapes
/// - `x`, `one_hot`: `[n, classes]`; `target`: `[n, 1]` → `[n, classes]`
pub fn with_target(x: Tensor<2>, target: Tensor<2>, one_hot: Tensor<2>) -> Tensor<2> {
    let rest = one_hot.clone().neg().add_scalar(1.0);
    x * rest + target * one_hot
}

/// The additive-margin output shared by cosface and arcface: logits `s·cos θ` with each row's
/// target replaced by `s·target`, their cross-entropy, and the unmodified `s·cos θ` as scores.
///
/// # Shapes
/// - `cos`, `one_hot`: `[n, classes]`; `target`: `[n, 1]`
pub fn margin_output(
    cos: Tensor<2>,
    target: Tensor<2>,
    one_hot: Tensor<2>,
    scale: f64,
) -> super::LossOutput {
    let logits = with_target(cos.clone(), target, one_hot.clone()).mul_scalar(scale);
    super::LossOutput {
        total: super::cross_entropy(logits, one_hot),
        terms: Vec::new(),
        scores: cos.mul_scalar(scale),
    }
}

/// Class weight vectors `w_j` whose directions the cosine head compares embeddings with.
#[derive(Module, Debug)]
pub struct CosineHead {
    /// `W`, one row per class. Shape `[classes, d]`. Initialised to unit vectors spread evenly
    /// (the regression loss's default targets of radius 1: a regular polygon in 2-D, spread on
    /// the sphere in 3-D). Random `N(0, 1)` directions left some classes nearly parallel in 2-D,
    /// which training did not undo: normface reached 38 % after 300 steps of 64, evenly spread
    /// 89 %.
    pub weight: Param<Tensor<2>>,
}

impl CosineHead {
    /// A fresh head with evenly spread directions (see [`Self::weight`]).
    pub fn init(embed_dim: usize, classes: usize, device: &Device) -> Self {
        let w: Vec<f32> = super::default_targets(embed_dim, classes, 1.0)
            .into_iter()
            .map(|v| v as f32)
            .collect();
        Self {
            weight: Param::from_tensor(Tensor::from_data(
                burn::tensor::TensorData::new(w, [classes, embed_dim]),
                device,
            )),
        }
    }

    /// A head with the given weights (trainable).
    ///
    /// # Shapes
    /// - `weights`: `[classes, d]`
    pub fn from_weights(weights: Tensor<2>) -> Self {
        Self {
            weight: Param::from_tensor(weights),
        }
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.weight.val().dims()[0]
    }

    /// `(ŵ or w)_j · (ẑ or z)_i`: the cosines when both are normalised.
    ///
    /// # Shapes
    /// - `embeddings`: `[n, d]` → `[n, classes]`
    pub fn products(
        &self,
        embeddings: Tensor<2>,
        normalize_weights: bool,
        normalize_features: bool,
    ) -> Tensor<2> {
        let w = self.weight.val();
        let w = if normalize_weights {
            normalize_rows(w)
        } else {
            w
        };
        let z = if normalize_features {
            normalize_rows(embeddings)
        } else {
            embeddings
        };
        z.matmul(w.transpose())
    }
}
