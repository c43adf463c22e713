//! SphereFace (A-Softmax): a multiplicative angular margin, weights normalised, features not
//! (shared/LOSSES.md #3).
//!
//! ```text
//! cos θ_ij = ŵ_j · ẑ_i                     x̂ = x / max(‖x‖, 1e-12)
//! l_ij     = ‖z_i‖ cos θ_ij                                   (j ≠ y_i)
//! ψ(θ)     = (−1)^k cos(mθ) − 2k,  θ ∈ [kπ/m, (k+1)π/m],  k ∈ {0..m−1}
//! l_iy     = (λ ‖z_i‖ cos θ_iy + ‖z_i‖ ψ(θ_iy)) / (1 + λ)
//! λ        = max(λ_min, λ_base · (1 + γ·step)^(−p))          (annealing)
//! L        = mean_i  −log softmax(l_i)[y_i]
//! ```
//!
//! Liu et al., "SphereFace: Deep Hypersphere Embedding for Face Recognition" (CVPR 2017).
//! `cos(mθ)` is evaluated as the Chebyshev polynomial `T_m(cos θ)` (as in the paper), so no
//! `arccos` lies on the gradient path; `k = floor(m·arccos(cos θ)/π)` is piecewise constant.
//! `step` is [`Targets::step`], the optimisation steps done so far. Class scores at inference
//! are `‖z_i‖ cos θ_ij` (no margin).
//!
//! Parameters:
//! - `margin` (`m`, integer in `{1, 2, 3, 4}`, default `4`).
//! - `lambda` (`λ`, dimensionless, default absent): when given, a fixed `λ ≥ 0` and no
//!   annealing; `0` is the pure A-Softmax formula.
//! - `lambda_base` (`λ_base`, default `1000`), `lambda_min` (`λ_min`, default `5`),
//!   `gamma` (`γ`, per step, default `0.12`), `power` (`p`, default `1`): the annealing
//!   schedule of the paper's code, all `≥ 0`.

use std::f64::consts::PI;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::cosine::{CosineHead, at_label, row_norms, with_target};
use super::normface::check_non_negative;
use super::{LossOutput, Targets, cross_entropy};

/// Parameters of the SphereFace loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SphereFaceConfig {
    /// Integer angular margin `m ∈ {1, 2, 3, 4}`. Default `4`.
    pub margin: u32,
    /// Fixed `λ` (no annealing) when given. Default absent (annealing).
    pub lambda: Option<f64>,
    /// `λ_base`. Default `1000`.
    pub lambda_base: f64,
    /// `λ_min`. Default `5`.
    pub lambda_min: f64,
    /// `γ`, per step. Default `0.12`.
    pub gamma: f64,
    /// `p`. Default `1`.
    pub power: f64,
}

impl Default for SphereFaceConfig {
    fn default() -> Self {
        Self {
            margin: 4,
            lambda: None,
            lambda_base: 1000.0,
            lambda_min: 5.0,
            gamma: 0.12,
            power: 1.0,
        }
    }
}

impl SphereFaceConfig {
    /// Checks `margin ∈ {1,2,3,4}` and every `λ` parameter `≥ 0`.
    ///
    /// # Errors
    /// A message naming the parameter and the bad value.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=4).contains(&self.margin) {
            return Err(format!(
                "sphereface margin must be 1, 2, 3 or 4, got {}",
                self.margin
            ));
        }
        if let Some(l) = self.lambda {
            check_non_negative("sphereface lambda", l)?;
        }
        check_non_negative("sphereface lambda_base", self.lambda_base)?;
        check_non_negative("sphereface lambda_min", self.lambda_min)?;
        check_non_negative("sphereface gamma", self.gamma)?;
        check_non_negative("sphereface power", self.power)
    }

    /// The loss with a freshly initialised cosine head.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> SphereFaceLoss {
        SphereFaceLoss::from_head(self, CosineHead::init(embed_dim, classes, device))
    }
}

/// SphereFace with its cosine head (weights normalised, features not).
#[derive(Module, Debug)]
pub struct SphereFaceLoss {
    /// The class weights `W` (`[classes, d]`).
    pub head: CosineHead,
    /// `m`.
    pub margin: u32,
    /// Fixed `λ`, or negative for annealing.
    pub lambda_fixed: f64,
    /// `λ_base`.
    pub lambda_base: f64,
    /// `λ_min`.
    pub lambda_min: f64,
    /// `γ`.
    pub gamma: f64,
    /// `p`.
    pub power: f64,
}

/// `T_m(c) = cos(m·arccos c)` for `m ∈ {1,2,3,4}`.
fn chebyshev(c: Tensor<2>, m: u32) -> Tensor<2> {
    match m {
        1 => c,
        2 => c.powi_scalar(2).mul_scalar(2.0).sub_scalar(1.0),
        3 => c.clone().powi_scalar(3).mul_scalar(4.0) - c.mul_scalar(3.0),
        _ => {
            let c2 = c.powi_scalar(2);
            c2.clone().powi_scalar(2).mul_scalar(8.0) - c2.mul_scalar(8.0) + 1.0
        }
    }
}

/// `ψ(θ) = (−1)^k cos(mθ) − 2k` as a function of `cos θ`.
///
/// # Shapes
/// - `cos`: `[n, 1]` → `[n, 1]`
pub fn psi(cos: Tensor<2>, m: u32) -> Tensor<2> {
    let mf = m as f64;
    let k = cos
        .clone()
        .detach()
        .clamp(-1.0, 1.0)
        .acos()
        .mul_scalar(mf / PI)
        .floor()
        .clamp(0.0, mf - 1.0);
    let sign = k
        .clone()
        .remainder_scalar(2.0)
        .mul_scalar(-2.0)
        .add_scalar(1.0);
    chebyshev(cos, m) * sign - k.mul_scalar(2.0)
}

impl SphereFaceLoss {
    fn from_head(c: &SphereFaceConfig, head: CosineHead) -> Self {
        Self {
            head,
            margin: c.margin,
            lambda_fixed: c.lambda.unwrap_or(-1.0),
            lambda_base: c.lambda_base,
            lambda_min: c.lambda_min,
            gamma: c.gamma,
            power: c.power,
        }
    }

    /// The loss with given class weights (trainable), `[classes, d]`.
    pub fn from_weights(c: &SphereFaceConfig, weights: Tensor<2>) -> Self {
        Self::from_head(c, CosineHead::from_weights(weights))
    }

    /// `λ` at optimisation step `step`.
    pub fn lambda(&self, step: usize) -> f64 {
        if self.lambda_fixed >= 0.0 {
            return self.lambda_fixed;
        }
        let annealed = self.lambda_base * (1.0 + self.gamma * step as f64).powf(-self.power);
        annealed.max(self.lambda_min)
    }

    /// Scores `‖z_i‖ cos θ_ij` (no margin).
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        let norms = row_norms(embeddings.clone());
        self.head.products(embeddings, true, true) * norms
    }

    /// Mean cross-entropy with the annealed multiplicative margin on the target logit.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        let norms = row_norms(embeddings.clone());
        let cos = self.head.products(embeddings, true, true);
        let one_hot = targets.one_hot.clone();
        let lambda = self.lambda(targets.step);
        let target_cos = at_label(cos.clone(), one_hot.clone());
        let target = (target_cos.clone().mul_scalar(lambda) + psi(target_cos, self.margin))
            .div_scalar(1.0 + lambda);
        let scores = cos * norms.clone();
        let logits = with_target(scores.clone(), target * norms, one_hot.clone());
        LossOutput {
            total: cross_entropy(logits, one_hot),
            terms: Vec::new(),
            scores,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validation_and_annealing() {
        let c: SphereFaceConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c, SphereFaceConfig::default());
        for m in [0, 5] {
            let bad = SphereFaceConfig {
                margin: m,
                ..c.clone()
            };
            assert!(bad.validate().unwrap_err().contains(&m.to_string()));
        }
        let bad = SphereFaceConfig {
            lambda: Some(-1.0),
            ..c.clone()
        };
        assert!(bad.validate().unwrap_err().contains("lambda"));
        let l = c.init(2, 3, &crate::backend::cpu());
        assert_eq!(l.lambda(0), 1000.0);
        assert!((l.lambda(10) - 1000.0 / 2.2).abs() < 1e-9);
        assert_eq!(l.lambda(1_000_000), 5.0);
        let fixed: SphereFaceConfig = serde_json::from_str(r#"{"lambda": 0}"#).unwrap();
        assert_eq!(fixed.init(2, 3, &crate::backend::cpu()).lambda(0), 0.0);
    }

    #[test]
    fn psi_matches_definition_on_every_branch() {
        let dev = crate::backend::cpu();
        for m in 1..=4u32 {
            let thetas: Vec<f64> = (0..12).map(|i| 0.1 + i as f64 * 0.25).collect();
            let cos: Vec<f32> = thetas.iter().map(|t| t.cos() as f32).collect();
            let t = Tensor::<2>::from_data(burn::tensor::TensorData::new(cos, [12, 1]), &dev);
            let v: Vec<f32> = psi(t, m).into_data().try_to_vec().unwrap();
            for (i, th) in thetas.iter().enumerate() {
                let k = ((m as f64 * th / PI).floor()).min(m as f64 - 1.0);
                let sign = if (k as i64) % 2 == 0 { 1.0 } else { -1.0 };
                let want = sign * (m as f64 * th).cos() - 2.0 * k;
                assert!(
                    (v[i] as f64 - want).abs() < 1e-4,
                    "m={m} θ={th}: {} vs {want}",
                    v[i]
                );
            }
        }
    }
}
