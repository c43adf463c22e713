//! ArcFace: an additive angular margin on the target logit (shared/LOSSES.md #5).
//!
//! ```text
//! cos θ_ij = ŵ_j · ẑ_i          x̂ = x / max(‖x‖, 1e-12)
//! θ_iy     = arccos(clamp(cos θ_iy, −1+1e−7, 1−1e−7))
//! l_ij     = s · cos θ_ij                              (j ≠ y_i)
//! l_iy     = s · cos(θ_iy + m)                         if θ_iy + m ≤ π
//!          = s · (cos θ_iy − m · sin m)                otherwise (keeps the logit monotonic)
//! L        = mean_i  −log softmax(l_i)[y_i]
//! ```
//!
//! Deng et al., "ArcFace: Additive Angular Margin Loss for Deep Face Recognition" (CVPR 2019).
//! The fallback is the one of the paper's reference implementation (`cos θ − m·sin m`, with the
//! unclamped `cos θ`). Class scores at inference are `s · cos θ` (no margin).
//!
//! Parameters:
//! - `scale` (`s`, dimensionless, default `16`): logit scale; must be `> 0`.
//! - `margin_rad` (`m`, radians, default `0.5`): must be in `[0, π)`.

use std::f64::consts::PI;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::cosine::{CosineHead, at_label, margin_output};
use super::normface::check_positive;
use super::{LossOutput, Targets};

/// How far `cos θ` is kept from ±1 before `arccos` (its derivative is infinite there).
pub const COS_CLAMP: f64 = 1e-7;

/// Parameters of the ArcFace loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArcFaceConfig {
    /// Logit scale `s`. Default `16`.
    pub scale: f64,
    /// Angular margin `m` in radians. Default `0.5`.
    pub margin_rad: f64,
}

impl Default for ArcFaceConfig {
    fn default() -> Self {
        Self {
            scale: 16.0,
            margin_rad: 0.5,
        }
    }
}

impl ArcFaceConfig {
    /// Checks `scale > 0`, `0 ≤ margin_rad < π`.
    ///
    /// # Errors
    /// A message naming the parameter and the bad value.
    pub fn validate(&self) -> Result<(), String> {
        check_positive("arcface scale", self.scale)?;
        let m = self.margin_rad;
        if !(m.is_finite() && (0.0..PI).contains(&m)) {
            return Err(format!("arcface margin_rad must be in [0, π), got {m}"));
        }
        Ok(())
    }

    /// The loss with a freshly initialised cosine head.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> ArcFaceLoss {
        ArcFaceLoss {
            head: CosineHead::init(embed_dim, classes, device),
            scale: self.scale,
            margin_rad: self.margin_rad,
        }
    }
}

/// ArcFace with its cosine head.
#[derive(Module, Debug)]
pub struct ArcFaceLoss {
    /// The class weights `W` (`[classes, d]`).
    pub head: CosineHead,
    /// `s`.
    pub scale: f64,
    /// `m`, radians.
    pub margin_rad: f64,
}

/// The ArcFace target transform `f(cos θ)` (without the scale).
///
/// # Shapes
/// - `cos`: `[n, 1]` → `[n, 1]`
pub fn arc_margin(cos: Tensor<2>, m: f64) -> Tensor<2> {
    let theta = cos.clone().clamp(-1.0 + COS_CLAMP, 1.0 - COS_CLAMP).acos();
    let past_pi = theta.clone().detach().add_scalar(m).greater_elem(PI);
    let main = theta.add_scalar(m).cos();
    let fallback = cos.sub_scalar(m * m.sin());
    main.mask_where(past_pi, fallback)
}

impl ArcFaceLoss {
    /// The loss with given class weights (trainable), `[classes, d]`.
    pub fn from_weights(c: &ArcFaceConfig, weights: Tensor<2>) -> Self {
        Self {
            head: CosineHead::from_weights(weights),
            scale: c.scale,
            margin_rad: c.margin_rad,
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

    /// Mean cross-entropy with the angular margin on the target logit.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        let cos = self.head.products(embeddings, true, true);
        let one_hot = targets.one_hot.clone();
        let target = arc_margin(at_label(cos.clone(), one_hot.clone()), self.margin_rad);
        margin_output(cos, target, one_hot, self.scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let c: ArcFaceConfig = serde_json::from_str("{}").unwrap();
        assert_eq!((c.scale, c.margin_rad), (16.0, 0.5));
        let bad = ArcFaceConfig {
            margin_rad: 4.0,
            ..c.clone()
        };
        assert!(bad.validate().unwrap_err().contains("margin_rad"));
        let bad = ArcFaceConfig { scale: -1.0, ..c };
        assert!(bad.validate().unwrap_err().contains("-1"));
    }

    #[test]
    fn margin_transform_both_branches() {
        let dev = crate::backend::cpu();
        let cos = Tensor::<2>::from_floats([[0.5f32], [-0.95]], &dev);
        let v: Vec<f32> = arc_margin(cos, 0.5).into_data().try_to_vec().unwrap();
        let expect0 = (0.5f64.acos() + 0.5).cos();
        // θ = acos(−0.95) ≈ 2.82 > π − 0.5: fallback.
        let expect1 = -0.95 - 0.5 * 0.5f64.sin();
        assert!((v[0] as f64 - expect0).abs() < 1e-5, "{v:?}");
        assert!((v[1] as f64 - expect1).abs() < 1e-5, "{v:?}");
    }
}
