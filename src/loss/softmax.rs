//! Softmax cross-entropy on a linear head (shared/LOSSES.md #1).
//!
//! ```text
//! l_ij = w_j · z_i + b_j            (b omitted when `bias` is off)
//! L    = mean_i  −log softmax(l_i)[y_i]
//! ```
//!
//! The baseline of Scholl 2024 (arXiv 2408.01767, §2.1); the classifier weights `W` (C×d)
//! and bias `b` (C) are trained with the network.
//!
//! Parameters:
//! - `bias` (bool, default `true`): whether the head has a bias term. The paper compares
//!   both: without bias every class region is a cone from the origin.

use burn::module::{Module, Param};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::{LossOutput, Targets};

/// Parameters of the softmax loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SoftmaxConfig {
    /// Classifier bias on or off. Default `true`.
    pub bias: bool,
}

impl Default for SoftmaxConfig {
    fn default() -> Self {
        Self { bias: true }
    }
}

impl SoftmaxConfig {
    /// Every value of every field is valid.
    ///
    /// # Errors
    /// Never.
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }

    /// The loss with a freshly initialised linear head.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> SoftmaxLoss {
        SoftmaxLoss {
            head: LinearConfig::new(embed_dim, classes)
                .with_bias(self.bias)
                .init(device),
        }
    }
}

/// Softmax cross-entropy with its linear head.
#[derive(Module, Debug)]
pub struct SoftmaxLoss {
    /// `W` (stored transposed, d×C, as burn's `Linear` does) and optional `b`.
    pub head: Linear,
}

impl SoftmaxLoss {
    /// The loss with given head values (trainable): `W` as `[classes, d]` rows `w_j`, and
    /// an optional bias `[classes]`.
    pub fn from_weights(weights: Tensor<2>, bias: Option<Tensor<1>>) -> Self {
        Self {
            head: linear_from(weights, bias),
        }
    }

    /// Logits `l = zWᵀ + b`.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        self.head.forward(embeddings)
    }

    /// Mean cross-entropy of a batch.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        let scores = self.scores(embeddings);
        let total = cross_entropy(scores.clone(), targets.one_hot.clone());
        LossOutput {
            total,
            terms: Vec::new(),
            scores,
        }
    }
}

/// A linear head `l = zWᵀ + b` from `W` given as `[classes, d]` rows.
pub(crate) fn linear_from(weights: Tensor<2>, bias: Option<Tensor<1>>) -> Linear {
    Linear {
        weight: Param::from_tensor(weights.transpose()),
        bias: bias.map(Param::from_tensor),
    }
}

/// `mean_i −Σ_j onehot_ij · log softmax(l_i)_j`, shared by every classification loss.
///
/// # Shapes
/// - `logits`, `one_hot`: `[batch, classes]` → `[1]`
pub fn cross_entropy(logits: Tensor<2>, one_hot: Tensor<2>) -> Tensor<1> {
    let n = logits.dims()[0] as f64;
    (log_softmax(logits, 1) * one_hot).sum().neg().div_scalar(n)
}
