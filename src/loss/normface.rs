//! NormFace: softmax cross-entropy on the cosine head (shared/LOSSES.md #2).
//!
//! ```text
//! cos θ_ij = ŵ_j · ẑ_i          x̂ = x / max(‖x‖, 1e-12)
//! l_ij     = s · cos θ_ij
//! L        = mean_i  −log softmax(l_i)[y_i]
//! ```
//!
//! Wang et al., "NormFace: L2 Hypersphere Embedding for Face Verification" (ACM MM 2017).
//! With a normalisation switched off, the raw `w_j` or `z_i` is used in its place (still scaled
//! by `s`).
//!
//! Parameters:
//! - `scale` (`s`, dimensionless, default `16`): logit scale; must be `> 0`.
//! - `normalize_weights` (bool, default `true`): use `ŵ_j` instead of `w_j`.
//! - `normalize_features` (bool, default `true`): use `ẑ_i` instead of `z_i`.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::cosine::CosineHead;
use super::{LossOutput, Targets, cross_entropy};

/// Parameters of the NormFace loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NormFaceConfig {
    /// Logit scale `s`. Default `16`.
    pub scale: f64,
    /// Normalise the class weights. Default `true`.
    pub normalize_weights: bool,
    /// Normalise the features. Default `true`.
    pub normalize_features: bool,
}

impl Default for NormFaceConfig {
    fn default() -> Self {
        Self {
            scale: 16.0,
            normalize_weights: true,
            normalize_features: true,
        }
    }
}

/// `Err` unless `value` is finite and `> 0`.
pub(crate) fn check_positive(name: &str, value: f64) -> Result<(), String> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be a finite number > 0, got {value}"))
    }
}

/// `Err` unless `value` is finite and `≥ 0`.
pub(crate) fn check_non_negative(name: &str, value: f64) -> Result<(), String> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be a finite number ≥ 0, got {value}"))
    }
}

impl NormFaceConfig {
    /// Checks `scale > 0`.
    ///
    /// # Errors
    /// A message naming the parameter and the bad value.
    pub fn validate(&self) -> Result<(), String> {
        check_positive("normface scale", self.scale)
    }

    /// The loss with a freshly initialised cosine head.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> NormFaceLoss {
        NormFaceLoss::from_head(self, CosineHead::init(embed_dim, classes, device))
    }
}

/// NormFace with its cosine head.
#[derive(Module, Debug)]
pub struct NormFaceLoss {
    /// The class weights `W` (`[classes, d]`).
    pub head: CosineHead,
    /// `s`.
    pub scale: f64,
    /// Whether weights are normalised.
    pub normalize_weights: bool,
    /// Whether features are normalised.
    pub normalize_features: bool,
}

impl NormFaceLoss {
    fn from_head(c: &NormFaceConfig, head: CosineHead) -> Self {
        Self {
            head,
            scale: c.scale,
            normalize_weights: c.normalize_weights,
            normalize_features: c.normalize_features,
        }
    }

    /// The loss with given class weights (trainable), `[classes, d]`.
    pub fn from_weights(c: &NormFaceConfig, weights: Tensor<2>) -> Self {
        Self::from_head(c, CosineHead::from_weights(weights))
    }

    /// Logits `s · cos θ`.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        self.head
            .products(embeddings, self.normalize_weights, self.normalize_features)
            .mul_scalar(self.scale)
    }

    /// Mean cross-entropy of a batch.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        let scores = self.scores(embeddings);
        LossOutput {
            total: cross_entropy(scores.clone(), targets.one_hot.clone()),
            terms: Vec::new(),
            scores,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let c: NormFaceConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c, NormFaceConfig::default());
        assert_eq!(c.scale, 16.0);
        let bad = NormFaceConfig {
            scale: 0.0,
            ..c.clone()
        };
        assert!(bad.validate().unwrap_err().contains("scale"));
        assert!(serde_json::from_str::<NormFaceConfig>(r#"{"s": 3}"#).is_err());
    }
}
