//! Contrastive loss over all pairs of the batch (shared/LOSSES.md #7).
//!
//! ```text
//! d_ij = ‖z_i − z_j‖          (over pairs i < j; z replaced by ẑ when `normalize` is on)
//! L    = mean_{pos pairs} d_ij²  +  mean_{neg pairs} max(0, m − d_ij)²
//! ```
//!
//! Hadsell, Chopra, LeCun, "Dimensionality Reduction by Learning an Invariant Mapping"
//! (CVPR 2006). Positive pairs share a class, negative pairs do not; each mean is over its own
//! set and is 0 when that set is empty. Terms: `positive` and `negative` (they add up to the
//! loss). Distances are `sqrt(max(d², 1e-24))` (zero gradient for coincident points). There is
//! no classifier: the decision is the nearest class prototype ([`super::distance::Prototypes`]).
//!
//! Parameters:
//! - `margin` (`m`, embedding-space distance, default `2.0`): must be `≥ 0`.
//! - `normalize` (bool, default `false`): normalise the features first (off, so 2-D plots are
//!   not forced onto a circle).

use burn::module::Module;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::cosine::normalize_rows;
use super::distance::{PairMasks, Prototypes, distances, masked_mean, squared_distances};
use super::normface::check_non_negative;
use super::{LossOutput, Targets};

/// Parameters of the contrastive loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContrastiveConfig {
    /// Margin `m` for negative pairs. Default `2.0`.
    pub margin: f64,
    /// Normalise features first. Default `false`.
    pub normalize: bool,
}

impl Default for ContrastiveConfig {
    fn default() -> Self {
        Self {
            margin: 2.0,
            normalize: false,
        }
    }
}

impl ContrastiveConfig {
    /// Checks `margin ≥ 0`.
    ///
    /// # Errors
    /// A message naming the parameter and the bad value.
    pub fn validate(&self) -> Result<(), String> {
        check_non_negative("contrastive margin", self.margin)
    }

    /// The loss with prototypes at the origin.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> ContrastiveLoss {
        ContrastiveLoss {
            prototypes: Prototypes::new(embed_dim, classes, device),
            margin: self.margin,
            normalize: self.normalize,
        }
    }
}

/// Contrastive loss with its prototypes head.
#[derive(Module, Debug)]
pub struct ContrastiveLoss {
    /// Class means of the (normalised, when `normalize`) training embeddings.
    pub prototypes: Prototypes,
    /// `m`.
    pub margin: f64,
    /// Whether features are normalised.
    pub normalize: bool,
}

impl ContrastiveLoss {
    /// The features the loss sees: `ẑ` when `normalize`, else `z`.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, d]`
    pub fn features(&self, embeddings: Tensor<2>) -> Tensor<2> {
        if self.normalize {
            normalize_rows(embeddings)
        } else {
            embeddings
        }
    }

    /// Scores `−‖f(z_i) − p_j‖²` (nearest prototype wins).
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        self.prototypes.scores(self.features(embeddings))
    }

    /// The loss of a batch; terms `positive` and `negative`.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        let z = self.features(embeddings);
        let masks = PairMasks::new(targets.one_hot.clone());
        let sq = squared_distances(z.clone(), z.clone());
        let d = distances(sq.clone());
        let positive = masked_mean(sq, masks.positive);
        let hinge = relu(d.neg().add_scalar(self.margin)).powi_scalar(2);
        let negative = masked_mean(hinge, masks.negative);
        LossOutput {
            total: positive.clone() + negative.clone(),
            terms: vec![("positive", positive), ("negative", negative)],
            scores: self.prototypes.scores(z),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let c: ContrastiveConfig = serde_json::from_str("{}").unwrap();
        assert_eq!((c.margin, c.normalize), (2.0, false));
        let bad = ContrastiveConfig {
            margin: f64::NAN,
            ..c
        };
        assert!(bad.validate().unwrap_err().contains("NaN"));
    }
}
