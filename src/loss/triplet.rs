//! Triplet loss with batch mining (shared/LOSSES.md #8).
//!
//! ```text
//! d(a, b)   = ‖z_a − z_b‖                          (Euclidean, not squared)
//! ℓ(a,p,n)  = max(0, d(a,p) − d(a,n) + m)          p ≠ a same class, n other class
//! all:      L = mean of ℓ over every valid triplet (a, p, n) of the batch
//! hard:     L = mean over anchors with a positive and a negative of
//!               ℓ(a, argmax_p d(a,p), argmin_n d(a,n))
//! semihard: L = mean over pairs (a, p) whose anchor has a negative of ℓ(a, p, n*), n* the
//!               closest negative with d(a,p) < d(a,n) < d(a,p) + m, else the hardest
//!               (closest) negative
//! ```
//!
//! Schroff, Kalenichenko, Philbin, "FaceNet" (CVPR 2015); batch-hard mining after Hermans,
//! Beyer, Leibe, "In Defense of the Triplet Loss for Person Re-Identification" (2017).
//! Every mean is 0 over an empty set. Distances are `sqrt(max(d², 1e-24))`. The semihard
//! fallback follows shared/LOSSES.md (the hardest negative); TensorFlow Addons' semihard
//! loss falls back to the *easiest* one instead. There is no classifier: the decision is the
//! nearest class prototype ([`super::distance::Prototypes`]). Batches should hold at least 2
//! examples per class.
//!
//! Parameters:
//! - `margin` (`m`, embedding-space distance, default `1.0`): must be `≥ 0`.
//! - `mining` (`all` | `hard` | `semihard`, default `hard`).

use burn::module::Module;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::distance::{FAR, PairMasks, Prototypes, distances, masked_mean, squared_distances};
use super::normface::check_non_negative;
use super::{LossOutput, Targets};

/// Which triplets of a batch the loss averages over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mining {
    /// Every valid triplet.
    All,
    /// Per anchor, the hardest positive and hardest negative.
    #[default]
    Hard,
    /// Per (anchor, positive), the closest semi-hard negative, else the hardest negative.
    SemiHard,
}

/// Parameters of the triplet loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TripletConfig {
    /// Margin `m`. Default `1.0`.
    pub margin: f64,
    /// Mining strategy. Default `hard`.
    pub mining: Mining,
}

impl Default for TripletConfig {
    fn default() -> Self {
        Self {
            margin: 1.0,
            mining: Mining::Hard,
        }
    }
}

impl TripletConfig {
    /// Checks `margin ≥ 0` (an unknown `mining` is a parse error already).
    ///
    /// # Errors
    /// A message naming the parameter and the bad value.
    pub fn validate(&self) -> Result<(), String> {
        check_non_negative("triplet margin", self.margin)
    }

    /// The loss with prototypes at the origin.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> TripletLoss {
        TripletLoss {
            prototypes: Prototypes::new(embed_dim, classes, device),
            margin: self.margin,
            mining: self.mining as u8,
        }
    }
}

/// Triplet loss with its prototypes head.
#[derive(Module, Debug)]
pub struct TripletLoss {
    /// Class means of the training embeddings.
    pub prototypes: Prototypes,
    /// `m`.
    pub margin: f64,
    /// [`Mining`] as its discriminant (a module field must be a plain value).
    pub mining: u8,
}

impl TripletLoss {
    /// The mining strategy.
    pub fn mining(&self) -> Mining {
        match self.mining {
            0 => Mining::All,
            1 => Mining::Hard,
            _ => Mining::SemiHard,
        }
    }

    /// Scores `−‖z_i − p_j‖²` (nearest prototype wins).
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        self.prototypes.scores(embeddings)
    }

    /// The loss of a batch.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        let [n, _] = embeddings.dims();
        let masks = PairMasks::new(targets.one_hot.clone());
        let d = distances(squared_distances(embeddings.clone(), embeddings.clone()));
        let m = self.margin;
        let total = match self.mining() {
            Mining::All => {
                // [a, p, n]
                let l = relu(d.clone().unsqueeze_dim::<3>(2) - d.unsqueeze_dim::<3>(1) + m);
                let valid = masks.positive.unsqueeze_dim::<3>(2) * masks.negative.unsqueeze_dim(1);
                masked_mean(l, valid)
            }
            Mining::Hard => {
                let no_pos = masks.positive.clone().lower_elem(0.5);
                let no_neg = masks.negative.clone().lower_elem(0.5);
                let hardest_pos = d.clone().mask_fill(no_pos, -1.0).max_dim(1);
                let hardest_neg = d.mask_fill(no_neg, FAR).min_dim(1);
                let has_pos = masks.positive.sum_dim(1).greater_elem(0.5).float();
                let has_neg = masks.negative.sum_dim(1).greater_elem(0.5).float();
                let valid = has_pos * has_neg;
                // Invalid anchors have −1 − FAR + m < 0 before the mask: no NaN, no gradient.
                masked_mean(relu(hardest_pos - hardest_neg + m), valid)
            }
            Mining::SemiHard => {
                let no_neg = masks.negative.clone().lower_elem(0.5);
                let hardest_neg = d.clone().mask_fill(no_neg.clone(), FAR).min_dim(1); // [a, 1]
                let d_ap = d.clone().unsqueeze_dim::<3>(2).repeat_dim(2, n); // [a, p, n]
                let d_an = d.clone().unsqueeze_dim::<3>(1).repeat_dim(1, n); // [a, p, n]
                let plain_ap = d_ap.clone().detach();
                let plain_an = d_an.clone().detach();
                let candidate = no_neg
                    .unsqueeze_dim::<3>(1)
                    .repeat_dim(1, n)
                    .bool_not()
                    .bool_and(plain_an.clone().greater(plain_ap.clone()))
                    .bool_and(plain_an.lower(plain_ap.add_scalar(m)));
                let semi = d_an
                    .mask_fill(candidate.clone().bool_not(), FAR)
                    .min_dim(2)
                    .reshape([n, n]);
                let has_semi = candidate.any_dim(2).reshape([n, n]);
                let chosen = hardest_neg.repeat_dim(1, n).mask_where(has_semi, semi);
                let has_neg = masks.negative.sum_dim(1).greater_elem(0.5).float();
                let valid = masks.positive * has_neg;
                masked_mean(relu(d - chosen + m), valid)
            }
        };
        LossOutput {
            total,
            terms: Vec::new(),
            scores: self.prototypes.scores(embeddings),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parsing_and_validation() {
        let c: TripletConfig = serde_json::from_str("{}").unwrap();
        assert_eq!((c.margin, c.mining), (1.0, Mining::Hard));
        let c: TripletConfig = serde_json::from_str(r#"{"mining":"semihard"}"#).unwrap();
        assert_eq!(c.mining, Mining::SemiHard);
        let l = c.init(2, 3, &crate::backend::cpu());
        assert_eq!(l.mining(), Mining::SemiHard);
        assert!(serde_json::from_str::<TripletConfig>(r#"{"mining":"easy"}"#).is_err());
        let bad = TripletConfig { margin: -1.0, ..c };
        assert!(bad.validate().unwrap_err().contains("-1"));
    }
}
