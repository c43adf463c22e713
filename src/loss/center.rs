//! Center loss: softmax cross-entropy plus a pull of each embedding towards its class center
//! (shared/LOSSES.md #6).
//!
//! ```text
//! l_ij = w_j · z_i + b_j                                   (linear head, bias switchable)
//! L    = L_softmax + λ · (1/(2N)) Σ_i ‖z_i − c_{y_i}‖²
//! ```
//!
//! Wen et al., "A Discriminative Feature Learning Approach for Deep Face Recognition"
//! (ECCV 2016). Terms: `softmax` (the cross-entropy) and `center` (the second summand, `λ`
//! included, so the terms add up to the loss).
//!
//! The centers are **not** trained by the optimiser: in the loss they are constants (no
//! gradient flows to them), and after each optimiser step [`crate::loss::Loss::after_step`]
//! applies the paper's own SGD rule with rate `α` (Wen et al., eq. 4):
//!
//! ```text
//! Δc_j = Σ_{i: y_i = j} (c_j − z_i) / (1 + n_j)        n_j = members of class j in the batch
//! c_j ← c_j − α · Δc_j
//! ```
//!
//! Centers start at the origin.
//!
//! Parameters:
//! - `lambda` (`λ`, dimensionless, default `0.1`): weight of the center term, `≥ 0`.
//! - `alpha` (`α`, dimensionless rate, default `0.5`): center learning rate, in `[0, 1]`.
//! - `bias` (bool, default `true`): whether the linear head has a bias.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::normface::check_non_negative;
use super::softmax::linear_from;
use super::{LossOutput, Targets, cross_entropy};

/// Parameters of the center loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CenterConfig {
    /// Weight `λ` of the center term. Default `0.1`.
    pub lambda: f64,
    /// Center learning rate `α`. Default `0.5`.
    pub alpha: f64,
    /// Classifier bias on or off. Default `true`.
    pub bias: bool,
}

impl Default for CenterConfig {
    fn default() -> Self {
        Self {
            lambda: 0.1,
            alpha: 0.5,
            bias: true,
        }
    }
}

impl CenterConfig {
    /// Checks `λ ≥ 0` and `α ∈ [0, 1]`.
    ///
    /// # Errors
    /// A message naming the parameter and the bad value.
    pub fn validate(&self) -> Result<(), String> {
        check_non_negative("center lambda", self.lambda)?;
        if !(self.alpha.is_finite() && (0.0..=1.0).contains(&self.alpha)) {
            return Err(format!(
                "center alpha must be in [0, 1], got {}",
                self.alpha
            ));
        }
        Ok(())
    }

    /// The loss with a freshly initialised linear head and centers at the origin.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> CenterLoss {
        CenterLoss {
            head: LinearConfig::new(embed_dim, classes)
                .with_bias(self.bias)
                .init(device),
            centers: Tensor::zeros([classes, embed_dim], device),
            lambda: self.lambda,
            alpha: self.alpha,
        }
    }
}

/// Center loss with its linear head and class centers.
#[derive(Module, Debug)]
pub struct CenterLoss {
    /// `W` (stored transposed, d×C) and optional `b`.
    pub head: Linear,
    /// Class centers `c_j`, one row per class (`[classes, d]`); constants for the optimiser.
    pub centers: Tensor<2>,
    /// `λ`.
    pub lambda: f64,
    /// `α`.
    pub alpha: f64,
}

impl CenterLoss {
    /// The loss with given head values: `W` as `[classes, d]` rows, optional bias
    /// `[classes]`, centers `[classes, d]`.
    pub fn from_parts(
        c: &CenterConfig,
        weights: Tensor<2>,
        bias: Option<Tensor<1>>,
        centers: Tensor<2>,
    ) -> Self {
        Self {
            head: linear_from(weights, bias),
            centers,
            lambda: c.lambda,
            alpha: c.alpha,
        }
    }

    /// Logits `l = zWᵀ + b` (the decision is the linear head's).
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        self.head.forward(embeddings)
    }

    /// Cross-entropy plus the weighted center term; terms `softmax` and `center`.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        let n = embeddings.dims()[0] as f64;
        let scores = self.scores(embeddings.clone());
        let softmax = cross_entropy(scores.clone(), targets.one_hot.clone());
        let own = targets
            .one_hot
            .clone()
            .matmul(self.centers.clone().detach());
        let center = (embeddings - own)
            .powi_scalar(2)
            .sum()
            .mul_scalar(self.lambda / (2.0 * n));
        LossOutput {
            total: softmax.clone() + center.clone(),
            terms: vec![("softmax", softmax), ("center", center)],
            scores,
        }
    }

    /// Wen et al.'s center update with rate `α` (see the module doc).
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn update_centers(&mut self, embeddings: Tensor<2>, targets: &Targets) {
        let one_hot = targets.one_hot.clone().detach().transpose(); // [C, n]
        let counts = one_hot.clone().sum_dim(1); // [C, 1]
        let sums = one_hot.matmul(embeddings.detach()); // [C, d]
        let c = self.centers.clone().detach();
        let delta = (c.clone() * counts.clone() - sums) / counts.add_scalar(1.0);
        self.centers = c - delta.mul_scalar(self.alpha);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn defaults_and_validation() {
        let c: CenterConfig = serde_json::from_str("{}").unwrap();
        assert_eq!((c.lambda, c.alpha, c.bias), (0.1, 0.5, true));
        let bad = CenterConfig {
            alpha: 1.5,
            ..c.clone()
        };
        assert!(bad.validate().unwrap_err().contains("1.5"));
        let bad = CenterConfig { lambda: -2.0, ..c };
        assert!(bad.validate().unwrap_err().contains("lambda"));
    }

    #[test]
    fn center_update_follows_wen_et_al() {
        let dev = crate::backend::cpu();
        let c = CenterConfig::default();
        let w = Tensor::<2>::zeros([2, 2], &dev);
        let centers = Tensor::<2>::from_floats([[1.0f32, 0.0], [0.0, 0.0]], &dev);
        let mut l = CenterLoss::from_parts(&c, w, None, centers);
        let z = Tensor::<2>::from_data(
            TensorData::new(vec![3.0f32, 0.0, 1.0, 2.0, 5.0, 5.0], [3, 2]),
            &dev,
        );
        let t = Targets::from_labels(&[0, 0, 1], 2, &dev);
        l.update_centers(z, &t);
        let v: Vec<f32> = l.centers.into_data().try_to_vec().unwrap();
        // class 0: Δ = ((1−3, 0−0) + (1−1, 0−2)) / 3 = (−2/3, −2/3); c = (1, 0) + 0.5·(2/3, 2/3)
        // class 1: Δ = (0−5, 0−5) / 2; c = 0.5·(2.5, 2.5)
        let want = [1.0 + 1.0 / 3.0, 1.0 / 3.0, 1.25, 1.25];
        for (a, b) in v.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{v:?}");
        }
    }
}
