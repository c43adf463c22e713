//! The loss registry: a serialisable [`LossConfig`] enum whose [`LossConfig::init`] gives the
//! trainable [`Loss`] module enum. Each loss lives in its own file and owns its head (the
//! parameters that turn an embedding into a class decision), following shared/LOSSES.md.
//!
//! Adding a loss is one file plus one variant in each enum.

mod softmax;

pub use softmax::{SoftmaxConfig, SoftmaxLoss};

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

/// Labels of a batch in the two forms losses use.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Class indices. Shape `[batch]`.
    pub classes: Tensor<1, Int>,
    /// One-hot rows. Shape `[batch, classes]`.
    pub one_hot: Tensor<2>,
}

impl Targets {
    /// Builds both forms from host labels.
    pub fn new(labels: &[u8], classes: usize, device: &Device) -> Self {
        let n = labels.len();
        let mut hot = vec![0f32; n * classes];
        for (i, &l) in labels.iter().enumerate() {
            hot[i * classes + l as usize] = 1.0;
        }
        let idx: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
        Self {
            classes: Tensor::from_data(TensorData::new(idx, [n]), device),
            one_hot: Tensor::from_data(TensorData::new(hot, [n, classes]), device),
        }
    }
}

/// What a loss returns for a batch.
#[derive(Debug, Clone)]
pub struct LossOutput {
    /// The scalar minimised. Shape `[1]`.
    pub total: Tensor<1>,
    /// Named terms (for the curves); empty for single-term losses. Each of shape `[1]`.
    pub terms: Vec<(&'static str, Tensor<1>)>,
    /// Class scores, larger is more likely. Shape `[batch, classes]`.
    pub scores: Tensor<2>,
}

/// A loss and its parameters, as chosen by the user (serialises into share links).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "lowercase")]
pub enum LossConfig {
    /// Cross-entropy on a linear head (LOSSES.md #1).
    Softmax(SoftmaxConfig),
}

impl Default for LossConfig {
    fn default() -> Self {
        Self::Softmax(SoftmaxConfig::default())
    }
}

impl LossConfig {
    /// Short id.
    pub fn id(&self) -> &'static str {
        match self {
            Self::Softmax(_) => "softmax",
        }
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// A message naming the parameter and the bad value.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::Softmax(c) => c.validate(),
        }
    }

    /// Builds the loss with its trainable head for `embed_dim`-dimensional embeddings and
    /// `classes` classes.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> Loss {
        match self {
            Self::Softmax(c) => Loss::Softmax(c.init(embed_dim, classes, device)),
        }
    }
}

/// A trainable loss (with its head).
#[derive(Module, Debug)]
pub enum Loss {
    /// See [`SoftmaxLoss`].
    Softmax(SoftmaxLoss),
}

impl Loss {
    /// Loss, terms and class scores of a batch of embeddings.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        match self {
            Self::Softmax(l) => l.forward(embeddings, targets),
        }
    }

    /// Class scores only (inference), larger is more likely.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        match self {
            Self::Softmax(l) => l.scores(embeddings),
        }
    }
}
