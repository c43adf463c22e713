//! Everything that defines a run. Serialises into share links and `lab` flags; validated once.

use serde::{Deserialize, Serialize};

use crate::data::DatasetKind;
use crate::loss::LossConfig;
use crate::model::Activation;

/// A training run's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Dataset.
    pub dataset: DatasetKind,
    /// Embedding dimension `d`: 2 or 3.
    pub dim: usize,
    /// Activation of the embedding layer.
    pub activation: Activation,
    /// Loss and its parameters.
    pub loss: LossConfig,
    /// Adam learning rate. Default `1e-3`; valid `(0, 1]`.
    pub lr: f64,
    /// How the learning rate changes over the run. Default [`LrSchedule::Constant`].
    pub lr_schedule: LrSchedule,
    /// Examples per batch. Default 128; valid `1..=1024`.
    pub batch_size: usize,
    /// Epochs to train before stopping. Default 1; valid `1..=100`.
    pub epochs: usize,
    /// Seed of weights and batch order.
    pub seed: u64,
    /// Steps between two embeddings of the test subset. Default 20; valid `1..=10000`.
    pub eval_every: usize,
    /// Test examples embedded and plotted (the first N of the test split). Default 2000;
    /// valid `1..=10000`.
    pub eval_points: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            dataset: DatasetKind::Mnist,
            dim: 2,
            activation: Activation::Linear,
            loss: LossConfig::default(),
            lr: 1e-3,
            lr_schedule: LrSchedule::Constant,
            batch_size: 128,
            epochs: 1,
            seed: 1,
            eval_every: 20,
            eval_points: 2000,
        }
    }
}

/// Learning-rate schedule over a run of `total` steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LrSchedule {
    /// `lr` throughout.
    #[default]
    Constant,
    /// Cosine decay from `lr` at step 0 to `lr / 100` at the last step:
    /// `lr · (0.01 + 0.99 · (1 + cos(π · step / total)) / 2)`. Reaches a better minimum in a
    /// short budget; used by `lab table`.
    Cosine,
}

impl LrSchedule {
    /// Every schedule, in the order the page lists them.
    pub const ALL: [Self; 2] = [Self::Constant, Self::Cosine];

    /// The id used in flags and links.
    pub fn id(self) -> &'static str {
        match self {
            Self::Constant => "constant",
            Self::Cosine => "cosine",
        }
    }

    /// The schedule with this id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The learning rate at `step` (0-based) of a `total`-step run with base rate `lr`.
    /// Steps past `total` keep the last rate.
    pub fn lr_at(self, lr: f64, step: usize, total: usize) -> f64 {
        match self {
            Self::Constant => lr,
            Self::Cosine => {
                let t = if total <= 1 {
                    1.0
                } else {
                    (step as f64 / (total - 1) as f64).min(1.0)
                };
                lr * (0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
            }
        }
    }
}

impl TrainConfig {
    /// Checks every field; the message names the field and the bad value.
    ///
    /// # Errors
    /// The first invalid field.
    pub fn validate(&self) -> Result<(), String> {
        if !(2..=3).contains(&self.dim) {
            return Err(format!("dim must be 2 or 3, got {}", self.dim));
        }
        if !(self.lr > 0.0 && self.lr <= 1.0) {
            return Err(format!("lr must be in (0, 1], got {}", self.lr));
        }
        if !(1..=1024).contains(&self.batch_size) {
            return Err(format!(
                "batch_size must be in 1..=1024, got {}",
                self.batch_size
            ));
        }
        if !(1..=100).contains(&self.epochs) {
            return Err(format!("epochs must be in 1..=100, got {}", self.epochs));
        }
        if !(1..=10_000).contains(&self.eval_every) {
            return Err(format!(
                "eval_every must be in 1..=10000, got {}",
                self.eval_every
            ));
        }
        if !(1..=10_000).contains(&self.eval_points) {
            return Err(format!(
                "eval_points must be in 1..=10000, got {}",
                self.eval_points
            ));
        }
        self.loss.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::LrSchedule;

    #[test]
    fn cosine_runs_from_lr_to_a_hundredth() {
        let s = LrSchedule::Cosine;
        assert!((s.lr_at(1e-3, 0, 101) - 1e-3).abs() < 1e-15);
        // Halfway: cos(π/2) = 0 → 0.01 + 0.99 · 0.5 = 0.505.
        assert!((s.lr_at(1e-3, 50, 101) - 0.505e-3).abs() < 1e-15);
        assert!((s.lr_at(1e-3, 100, 101) - 1e-5).abs() < 1e-15);
        assert!((s.lr_at(1e-3, 500, 101) - 1e-5).abs() < 1e-15);
        assert_eq!(LrSchedule::Constant.lr_at(2e-3, 77, 100), 2e-3);
        for s in LrSchedule::ALL {
            assert_eq!(LrSchedule::from_id(s.id()), Some(s));
        }
    }
}
