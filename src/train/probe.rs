//! A short measured probe: which device trains this model faster here?
//!
//! A software WebGPU adapter (SwiftShader) can be far slower than the CPU backend, and a real
//! GPU far faster, so the page measures instead of assuming.

use std::sync::Arc;

use burn::tensor::Device;
use web_time::Instant;

use super::{TrainConfig, TrainError, Trainer};
use crate::data::Dataset;

/// Batch size used by the probe.
pub const PROBE_BATCH: usize = 16;

/// Milliseconds one training step of `config`'s model takes on `device` at batch
/// [`PROBE_BATCH`], measured on the second of two steps (the first compiles shaders and
/// allocates).
///
/// # Errors
/// Whatever the device reports.
pub async fn step_ms(
    config: &TrainConfig,
    dataset: Arc<Dataset>,
    device: &Device,
) -> Result<f64, TrainError> {
    let config = TrainConfig {
        batch_size: PROBE_BATCH,
        epochs: 1,
        ..config.clone()
    };
    let mut t = Trainer::new(config, dataset, device)?;
    t.train_step().await?;
    let start = Instant::now();
    t.train_step().await?;
    Ok(start.elapsed().as_secs_f64() * 1000.0)
}
