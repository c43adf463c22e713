//! CosFace (large margin cosine loss): an additive cosine margin on the target logit
//! (shared/LOSSES.md #4).
//!
//! ```text
//! cos θ_ij = ŵ_j · ẑ_i          x̂ = x / max(‖x‖, 1e-12)
//! l_ij     = s · cos θ_ij                  (j ≠ y_i)
//! l_iy     = s · (cos θ_iy − m)
//! L        = mean_i  −log softmax(l_i)[y_i]
//! ```
//!
//! Wang et al., "CosFace: Large Margin Cosine Loss for Deep Face Recognition" (CVPR 2018).
//! Class scores at inference are `s · cos θ` (no margin).
//!
//! Parameters:
//! - `scale` (`s`, dimensionless, default `16`): logit scale; must be `> 0`.
//! - `margin` (`m`, in cosine units, default `0.35`): must be `≥ 0`.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::cosine::{CosineHead, at_label, margin_output};
use super::normface::{check_non_negative, check_positive};
use super::{LossOutput, Targets};

/// Parameters of the CosFace loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CosFaceConfig {
    /// Logit scale `s`. Default `16`.
    pub scale: f64,
    /// Cosine margin `m`. Default `0.35`.
    pub margin: f64,
}

impl Default for CosFaceConfig {
    fn default() -> Self {
        Self {
            scale: 16.0,
            margin: 0.35,
        }
    }
}

impl CosFaceConfig {
    /// Checks `scale > 0`, `margin ≥ 0`.
    ///
    /// # Errors
    /// A message naming the parameter and the bad value.
    pub fn validate(&self) -> Result<(), String> {
        check_positive("cosface scale", self.scale)?;
        check_non_negative("cosface margin", self.margin)
    }

    /// The loss with a freshly initialised cosine head.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> CosFaceLoss {
        CosFaceLoss {
            head: CosineHead::init(embed_dim, classes, device),
            scale: self.scale,
            margin: self.margin,
        }
    }
}

/// CosFace with its cosine head.
#[derive(Module, Debug)]
pub struct CosFaceLoss {
    /// The class weights `W` (`[classes, d]`).
    pub head: CosineHead,
    /// `s`.
    pub scale: f64,
    /// `m`.
    pub margin: f64,
}

impl CosFaceLoss {
    /// The loss with given class weights (trainable), `[classes, d]`.
    pub fn from_weights(c: &CosFaceConfig, weights: Tensor<2>) -> Self {
        Self {
            head: CosineHead::from_weights(weights),
            scale: c.scale,
            margin: c.margin,
        }
    }

    /// Scores `s · cos θ` (no margin).
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        self.head
            .products(embeddings, true, true)
            .mul_scalar(self.scale)
    }

    /// Mean cross-entropy with the margin on the target logit.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        let cos = self.head.products(embeddings, true, true);
        let one_hot = targets.one_hot.clone();
        let target = at_label(cos.clone(), one_hot.clone()).sub_scalar(self.margin);
        margin_output(cos, target, one_hot, self.scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let c: CosFaceConfig = serde_json::from_str("{}").unwrap();
        assert_eq!((c.scale, c.margin), (16.0, 0.35));
        let bad = CosFaceConfig {
            margin: -0.1,
            ..c.clone()
        };
        assert!(bad.validate().unwrap_err().contains("-0.1"));
    }
}
