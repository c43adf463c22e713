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
    /// CIFAR-10 training batches loaded (10,000 images each; [`DatasetKind::files_for`]).
    /// Default 5; valid `1..=5`; the other datasets have a single training file.
    pub train_batches: usize,
    /// Data augmentation of the training batches ([`crate::data::Augment`]): a random crop
    /// with 4 pixels of zero padding and a horizontal flip with probability ½, on the `u8`
    /// images before normalisation, seeded by `seed`. Meant for CIFAR-10. Default off.
    pub augment: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            dataset: DatasetKind::Mnist,
            dim: 2,
            activation: Activation::Linear,
            loss: LossConfig::default(),
            lr: 1e-3,
            batch_size: 128,
            epochs: 1,
            seed: 1,
            eval_every: 20,
            eval_points: 2000,
            train_batches: 5,
            augment: false,
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
        if !(1..=5).contains(&self.train_batches) {
            return Err(format!(
                "train_batches must be in 1..=5, got {}",
                self.train_batches
            ));
        }
        self.loss.validate()
    }
}
