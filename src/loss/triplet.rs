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
        LossOutput {
            total: self.mined_loss(embeddings.clone(), targets, CHUNK_ELEMENTS),
            terms: Vec::new(),
            scores: self.prototypes.scores(embeddings),
        }
    }

    /// The mined loss, with `[anchors, n, n]` intermediates of at most `chunk_elements`.
    fn mined_loss(
        &self,
        embeddings: Tensor<2>,
        targets: &Targets,
        chunk_elements: usize,
    ) -> Tensor<1> {
        let [n, _] = embeddings.dims();
        let masks = PairMasks::new(targets.one_hot.clone());
        let d = distances(squared_distances(embeddings.clone(), embeddings));
        let m = self.margin;
        match self.mining() {
            Mining::All => {
                // ℓ over [a, p, n], a chunk of anchors at a time.
                let mut sum = Vec::new();
                let mut count = Vec::new();
                for rows in anchor_chunks(n, chunk_elements) {
                    let dc = d.clone().slice([rows.clone(), 0..n]);
                    let pos = masks.positive.clone().slice([rows.clone(), 0..n]);
                    let neg = masks.negative.clone().slice([rows, 0..n]);
                    let l = relu(dc.clone().unsqueeze_dim::<3>(2) - dc.unsqueeze_dim::<3>(1) + m);
                    let valid = pos.unsqueeze_dim::<3>(2) * neg.unsqueeze_dim(1);
                    count.push(valid.clone().sum());
                    sum.push((l * valid).sum());
                }
                Tensor::cat(sum, 0).sum() / Tensor::cat(count, 0).sum().clamp_min(1.0)
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
                // The closest semi-hard negative of every (a, p), a chunk of anchors at a time.
                let mut semi = Vec::new();
                let mut has_semi = Vec::new();
                for rows in anchor_chunks(n, chunk_elements) {
                    let b = rows.len();
                    let dc = d.clone().slice([rows.clone(), 0..n]);
                    let d_ap = dc.clone().unsqueeze_dim::<3>(2).repeat_dim(2, n); // [a, p, n]
                    let d_an = dc.unsqueeze_dim::<3>(1).repeat_dim(1, n); // [a, p, n]
                    let plain_ap = d_ap.detach();
                    let plain_an = d_an.clone().detach();
                    let candidate = no_neg
                        .clone()
                        .slice([rows, 0..n])
                        .unsqueeze_dim::<3>(1)
                        .repeat_dim(1, n)
                        .bool_not()
                        .bool_and(plain_an.clone().greater(plain_ap.clone()))
                        .bool_and(plain_an.lower(plain_ap.add_scalar(m)));
                    semi.push(
                        d_an.mask_fill(candidate.clone().bool_not(), FAR)
                            .min_dim(2)
                            .reshape([b, n]),
                    );
                    has_semi.push(candidate.any_dim(2).reshape([b, n]));
                }
                let semi = Tensor::cat(semi, 0);
                let has_semi = Tensor::cat(has_semi, 0);
                let chosen = hardest_neg.repeat_dim(1, n).mask_where(has_semi, semi);
                let has_neg = masks.negative.sum_dim(1).greater_elem(0.5).float();
                let valid = masks.positive * has_neg;
                masked_mean(relu(d - chosen + m), valid)
            }
        }
    }
}

/// Most elements of an `[anchors, n, n]` intermediate (16 MiB of f32), so large batches do
/// not need `n³` memory at once.
const CHUNK_ELEMENTS: usize = 1 << 22;

/// Ranges of anchors whose `[anchors, n, n]` intermediates hold at most `chunk_elements`
/// (at least one anchor per range).
fn anchor_chunks(n: usize, chunk_elements: usize) -> Vec<std::ops::Range<usize>> {
    let step = (chunk_elements / (n * n).max(1)).clamp(1, n.max(1));
    (0..n).step_by(step).map(|s| s..(s + step).min(n)).collect()
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

    #[test]
    fn anchor_chunks_cover_the_batch() {
        assert_eq!(anchor_chunks(5, CHUNK_ELEMENTS), vec![0..5]);
        let c = anchor_chunks(1000, CHUNK_ELEMENTS);
        assert_eq!(c.len(), 250);
        assert_eq!(c.iter().map(|r| r.len()).sum::<usize>(), 1000);
        assert_eq!(c.last(), Some(&(996..1000)));
        assert!(anchor_chunks(0, CHUNK_ELEMENTS).is_empty());
        assert_eq!(anchor_chunks(3, 1), vec![0..1, 1..2, 2..3]);
    }

    #[test]
    fn chunked_mining_equals_unchunked() {
        let dev = crate::backend::cpu().autodiff();
        let n = 24;
        let z: Vec<f32> = (0..n * 2)
            .map(|i| ((i * 7919 % 97) as f32 / 97.0 - 0.5) * 3.0)
            .collect();
        let labels: Vec<usize> = (0..n).map(|i| i % 4).collect();
        let targets = Targets::from_labels(&labels, 4, &dev);
        for mining in [Mining::All, Mining::SemiHard] {
            let loss = TripletConfig {
                margin: 0.7,
                mining,
            }
            .init(2, 4, &dev);
            let run = |chunk: usize| {
                let x =
                    Tensor::<2>::from_data(burn::tensor::TensorData::new(z.clone(), [n, 2]), &dev)
                        .require_grad();
                let l = loss.mined_loss(x.clone(), &targets, chunk);
                let g = x.grad(&l.backward()).unwrap();
                let v: Vec<f32> = l.into_data().try_to_vec().unwrap();
                let g: Vec<f32> = g.into_data().try_to_vec().unwrap();
                (v[0], g)
            };
            let (whole, gw) = run(CHUNK_ELEMENTS);
            let (each, ge) = run(n * n * 5); // 5 anchors per chunk, last one short
            assert!(whole > 0.0);
            assert!((whole - each).abs() < 1e-5, "{mining:?}: {whole} vs {each}");
            for (a, b) in gw.iter().zip(&ge) {
                assert!((a - b).abs() < 1e-5, "{mining:?}");
            }
        }
    }
}
