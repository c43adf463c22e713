//! One training run: model, optimiser and batch order, advanced one step at a time.

use std::sync::Arc;

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use web_time::Instant;

use super::TrainConfig;
use crate::data::{Augment, BalancedSampler, BatchSampler, Dataset, EpochSampler, ImageSet, Rng};
use crate::loss::{Loss, Targets};
use crate::model::{Cnn, CnnConfig};

/// Network and loss (with its head), trained together.
#[derive(Module, Debug)]
pub struct Model {
    /// Feature extractor; its output is the embedding.
    pub net: Cnn,
    /// Loss with its trainable head.
    pub loss: Loss,
}

/// Touches every float parameter, which materialises lazily initialised ones.
struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// Why a run cannot go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The loss became NaN or infinite; the model keeps its last good weights.
    #[error(
        "the loss diverged at step {step} (loss = {loss}); training stopped, the last good state is kept — lower the learning rate and reset"
    )]
    Diverged {
        /// Step whose loss was not finite.
        step: usize,
        /// The value read.
        loss: f32,
    },
    /// Reading a tensor back failed (a lost GPU device, for example).
    #[error("the compute device failed: {0}")]
    Device(String),
}

/// Held while a new run seeds the backend's generator and draws its initial weights.
static SEEDED_INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Figures of one training step.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepStats {
    /// Steps completed, this one included.
    pub step: usize,
    /// Epochs completed (fractional).
    pub epoch: f64,
    /// Batch loss.
    pub loss: f32,
    /// Named loss terms, when the loss has several.
    pub terms: Vec<(String, f32)>,
    /// Fraction of the batch classified correctly by the loss's head.
    pub batch_accuracy: f32,
    /// Training throughput over the run so far (time inside steps only).
    pub samples_per_sec: f64,
    /// Whether this step finished the configured number of epochs.
    pub finished: bool,
}

/// Embeddings of the fixed test subset at one moment of training.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Embedding {
    /// Step after which it was taken.
    pub step: usize,
    /// Embedding dimension.
    pub dim: usize,
    /// `len × dim` coordinates, row-major.
    pub points: Vec<f32>,
    /// True labels.
    pub labels: Vec<u8>,
    /// Predicted classes (by the loss's head).
    pub predictions: Vec<u8>,
    /// The loss's geometry (class directions, centers, targets…) at the same moment.
    pub geometry: Option<crate::loss::Geometry>,
}

impl Embedding {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Fraction of points whose prediction equals the label.
    pub fn accuracy(&self) -> f64 {
        crate::metrics::accuracy(&self.predictions, &self.labels)
    }
}

/// Normalised images of `indices` as a tensor.
///
/// # Shapes
/// - output: `[indices.len(), channels, height, width]`
pub fn images_tensor(
    set: &ImageSet,
    indices: &[usize],
    mean: &[f32],
    std: &[f32],
    device: &Device,
) -> Tensor<4> {
    let mut bytes = Vec::with_capacity(indices.len() * set.image_len());
    for &i in indices {
        bytes.extend_from_slice(set.image(i));
    }
    normalized_tensor(&bytes, set, mean, std, device)
}

/// `u8` images with the shape of `set`'s (concatenated, channel-planar) as a normalised
/// tensor: `(v / 255 − mean[c]) / std[c]` per channel `c`.
///
/// # Shapes
/// - output: `[bytes.len() / set.image_len(), channels, height, width]`
pub fn normalized_tensor(
    bytes: &[u8],
    set: &ImageSet,
    mean: &[f32],
    std: &[f32],
    device: &Device,
) -> Tensor<4> {
    let plane = set.height * set.width;
    let n = bytes.len() / set.image_len().max(1);
    let mut out = Vec::with_capacity(bytes.len());
    for (k, p) in bytes.chunks_exact(plane).enumerate() {
        let c = k % set.channels;
        let (m, s) = (mean[c], std[c]);
        out.extend(p.iter().map(|&v| (v as f32 / 255.0 - m) / s));
    }
    Tensor::from_data(
        TensorData::new(out, [n, set.channels, set.height, set.width]),
        device,
    )
}

/// A training run in progress.
pub struct Trainer {
    config: TrainConfig,
    dataset: Arc<Dataset>,
    device: Device,
    model: Model,
    optim: ModuleOptimizer,
    sampler: BatchSampler,
    /// Crops and flips of the training batches, when the configuration asks for them.
    augment: Option<Augment>,
    /// Training examples whose class means become the prototypes (metric losses).
    prototype_sample: Vec<usize>,
    /// Step at which the prototypes were last refreshed from `prototype_sample`.
    prototypes_step: Option<usize>,
    step: usize,
    samples: usize,
    busy_secs: f64,
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("config", &self.config)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl Trainer {
    /// Starts a run on `device` (a plain device; autodiff is enabled here). Weights and batch
    /// order follow `config.seed`, identically on every backend. Losses that
    /// [need balanced batches](crate::loss::LossConfig::needs_balanced_batches) get a
    /// [`BalancedSampler`] (`P` classes × about 4 examples), the others an [`EpochSampler`].
    ///
    /// # Errors
    /// [`TrainError::Config`] for an invalid configuration or a dataset the model cannot take.
    pub fn new(
        config: TrainConfig,
        dataset: Arc<Dataset>,
        device: &Device,
    ) -> Result<Self, TrainError> {
        config.validate().map_err(TrainError::Config)?;
        let t = &dataset.train;
        if t.height != t.width {
            return Err(TrainError::Config(format!(
                "images must be square, got {}×{}",
                t.height, t.width
            )));
        }
        let net = CnnConfig {
            channels: t.channels,
            image_size: t.height,
            embed_dim: config.dim,
            activation: config.activation,
        };
        net.validate().map_err(TrainError::Config)?;
        // Weights are drawn on the CPU backend and then moved, so one seed gives the same
        // initial model on every backend (GPU random generators differ from the CPU's).
        // The generator is the backend's, shared by the whole process: hold it while seeding
        // and drawing, or runs started at the same moment on other threads (tests, `lab table`)
        // would interleave their draws.
        let guard = SEEDED_INIT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let cpu = crate::backend::cpu().autodiff();
        cpu.seed(config.seed);
        let model = Model {
            net: net.init(&cpu),
            loss: config.loss.init(config.dim, dataset.classes(), &cpu),
        };
        // burn initialises parameters lazily, on first use, on the device they are on by then:
        // materialise them here, on the CPU, before moving.
        model.visit(&mut Materialize);
        let device = device.clone().autodiff();
        device.seed(config.seed);
        drop(guard);
        let model = model.fork(&device);
        let sampler = if config.loss.needs_balanced_batches() {
            BatchSampler::Balanced(BalancedSampler::new(
                &t.labels,
                BalancedSampler::DEFAULT_PER_CLASS,
                config.seed,
            ))
        } else {
            BatchSampler::Epoch(EpochSampler::new(t.len(), config.seed))
        };
        let prototype_sample = if config.loss.uses_prototypes() {
            let mut all: Vec<usize> = (0..t.len()).collect();
            Rng::new(config.seed ^ 0x9e0f_0e7a_11ce_5eed).shuffle(&mut all);
            all.truncate(Self::PROTOTYPE_SAMPLE);
            all
        } else {
            Vec::new()
        };
        Ok(Self {
            augment: config.augment.then(|| Augment::new(config.seed)),
            prototype_sample,
            prototypes_step: None,
            optim: AdamConfig::new().init(),
            config,
            dataset,
            device,
            model,
            sampler,
            step: 0,
            samples: 0,
            busy_secs: 0.0,
        })
    }

    /// Continues a saved run: builds the model `checkpoint`'s configuration describes for
    /// `dataset`, checks that every saved parameter fits (paths and shapes), loads the weights
    /// and replays the batch order up to the saved step. Adam starts afresh.
    ///
    /// # Errors
    /// [`TrainError::Config`] for an invalid configuration, a dataset of another shape than the
    /// one the weights were trained on, or weights that do not fit the model.
    pub fn from_checkpoint(
        checkpoint: &super::record::Checkpoint,
        dataset: Arc<Dataset>,
        device: &Device,
    ) -> Result<Self, TrainError> {
        use super::record::{CheckpointError, DatasetShape, parameter_shapes};
        let h = &checkpoint.header;
        let t = &dataset.train;
        let here = DatasetShape {
            channels: t.channels,
            image_size: t.height,
            classes: dataset.classes(),
        };
        if here != h.dataset {
            return Err(CheckpointError::Shapes(format!(
                "trained on {}×{}×{} images with {} classes, the loaded dataset has {}×{}×{} and {}",
                h.dataset.channels,
                h.dataset.image_size,
                h.dataset.image_size,
                h.dataset.classes,
                here.channels,
                here.image_size,
                here.image_size,
                here.classes
            ))
            .into());
        }
        let mut trainer = Self::new(h.config.clone(), dataset, device)?;
        let expected = parameter_shapes(&trainer.model);
        if expected != h.shapes {
            let first = expected
                .iter()
                .zip(&h.shapes)
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("{} is {:?} here, {:?} in the file ({})", a.0, a.1, b.1, b.0))
                .unwrap_or_else(|| {
                    format!(
                        "{} parameters here, {} in the file",
                        expected.len(),
                        h.shapes.len()
                    )
                });
            return Err(CheckpointError::Shapes(first).into());
        }
        let record = checkpoint.record()?;
        trainer.model = trainer
            .model
            .clone()
            .try_load_record(record)
            .map_err(|e| TrainError::from(CheckpointError::Shapes(e.to_string())))?;
        for _ in 0..h.step {
            trainer.sampler.next_batch(trainer.config.batch_size);
        }
        trainer.step = h.step;
        Ok(trainer)
    }

    /// Saves the run: configuration, step and weights (read back asynchronously).
    ///
    /// # Errors
    /// [`TrainError::Device`] if reading the weights back fails.
    pub async fn checkpoint(&self) -> Result<super::record::Checkpoint, TrainError> {
        let (weights, shapes) = super::record::record_bytes(&self.model).await?;
        let t = &self.dataset.train;
        Ok(super::record::Checkpoint {
            header: super::record::CheckpointHeader {
                config: self.config.clone(),
                step: self.step,
                dataset: super::record::DatasetShape {
                    channels: t.channels,
                    image_size: t.height,
                    classes: self.dataset.classes(),
                },
                shapes,
            },
            weights,
        })
    }

    /// Training examples whose class means are the prototypes of the metric losses.
    pub const PROTOTYPE_SAMPLE: usize = 2000;

    /// The run's configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The dataset trained on.
    pub fn dataset(&self) -> &Arc<Dataset> {
        &self.dataset
    }

    /// Steps completed.
    pub fn step(&self) -> usize {
        self.step
    }

    /// Epochs completed (fractional).
    pub fn epoch(&self) -> f64 {
        self.sampler.epoch() as f64 + self.sampler.progress()
    }

    /// Steps the whole run takes: its epochs, or [`TrainConfig::max_steps`] when that is
    /// set and shorter.
    pub fn total_steps(&self) -> usize {
        let epochs = self.sampler.batches_per_epoch(self.config.batch_size) * self.config.epochs;
        match self.config.max_steps {
            0 => epochs,
            cap => epochs.min(cap),
        }
    }

    /// Whether every configured epoch is done, or the step cap reached.
    pub fn finished(&self) -> bool {
        self.sampler.epoch() >= self.config.epochs
            || (self.config.max_steps > 0 && self.step >= self.config.max_steps)
    }

    /// Training throughput so far, in samples per second of step time.
    pub fn samples_per_sec(&self) -> f64 {
        if self.busy_secs > 0.0 {
            self.samples as f64 / self.busy_secs
        } else {
            0.0
        }
    }

    /// The current model (trainable copy).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// One optimisation step on the next batch. Reads back the loss asynchronously; when it
    /// is not finite the update is discarded and [`TrainError::Diverged`] returned.
    ///
    /// # Errors
    /// [`TrainError::Diverged`] or [`TrainError::Device`].
    pub async fn train_step(&mut self) -> Result<StepStats, TrainError> {
        let start = Instant::now();
        let ds = &self.dataset;
        let idx = self.sampler.next_batch(self.config.batch_size);
        let n = idx.len();
        let x = match &mut self.augment {
            Some(a) => {
                let bytes = a.batch(&ds.train, &idx);
                normalized_tensor(&bytes, &ds.train, &ds.mean, &ds.std, &self.device)
            }
            None => images_tensor(&ds.train, &idx, &ds.mean, &ds.std, &self.device),
        };
        let labels: Vec<u8> = idx.iter().map(|&i| ds.train.labels[i]).collect();
        let targets = Targets::new(&labels, ds.classes(), &self.device).with_step(self.step);

        let z = self.model.net.forward(x);
        let out = self.model.loss.forward(z.clone(), &targets);
        let correct = out
            .scores
            .clone()
            .argmax(1)
            .flatten::<1>(0, 1)
            .equal(targets.classes.clone())
            .int()
            .sum()
            .float();
        let grads = GradientsParams::from_grads(out.total.backward(), &self.model);
        let lr = self
            .config
            .lr_schedule
            .lr_at(self.config.lr, self.step, self.total_steps());
        let mut updated = self.optim.step(lr, self.model.clone(), grads);
        // State the optimiser does not train (center-loss centers, metric-loss prototypes).
        updated.loss.after_step(z.detach(), &targets);

        let mut read = vec![out.total.clone().detach(), correct.detach()];
        read.extend(out.terms.iter().map(|(_, t)| t.clone().detach()));
        let values = Tensor::cat(read, 0)
            .into_data_async()
            .await
            .map_err(|e| TrainError::Device(format!("{e:?}")))?;
        let values: Vec<f32> = values.iter::<f32>().collect();
        self.step += 1;
        let loss = values[0];
        if !loss.is_finite() {
            return Err(TrainError::Diverged {
                step: self.step,
                loss,
            });
        }
        self.model = updated;
        self.samples += n;
        self.busy_secs += start.elapsed().as_secs_f64();
        Ok(StepStats {
            step: self.step,
            epoch: self.epoch(),
            loss,
            terms: out
                .terms
                .iter()
                .zip(&values[2..])
                .map(|((name, _), v)| (name.to_string(), *v))
                .collect(),
            batch_accuracy: values[1] / n as f32,
            samples_per_sec: self.samples_per_sec(),
            finished: self.finished(),
        })
    }

    /// Whether the prototypes (metric losses) are older than the weights, so
    /// [`Self::refresh_prototypes`] has work to do before an evaluation.
    pub fn prototypes_stale(&self) -> bool {
        !self.prototype_sample.is_empty() && self.prototypes_step != Some(self.step)
    }

    /// Metric losses: sets every class prototype to the class mean of the embeddings of a
    /// fixed, seeded sample of [`Self::PROTOTYPE_SAMPLE`] training images with the current
    /// weights (chunked forward passes without gradients, nothing read back), so that the
    /// nearest-prototype decision reflects the current embedding. Nothing for the other
    /// losses, or when already done at this step.
    ///
    /// # Errors
    /// None so far (kept for device errors, like the other evaluation methods).
    pub async fn refresh_prototypes(&mut self) -> Result<(), TrainError> {
        if !self.prototypes_stale() {
            return Ok(());
        }
        let net = self.model.net.valid();
        let device = self.device.clone().inner();
        let ds = &self.dataset;
        let mut chunks = Vec::new();
        for chunk in self.prototype_sample.chunks(500) {
            let x = images_tensor(&ds.train, chunk, &ds.mean, &ds.std, &device);
            chunks.push(net.forward(x));
        }
        let z = Tensor::cat(chunks, 0).autodiff();
        let labels: Vec<u8> = self
            .prototype_sample
            .iter()
            .map(|&i| ds.train.labels[i])
            .collect();
        let targets = Targets::new(&labels, ds.classes(), &self.device);
        self.model.loss.update_prototypes(z, &targets);
        self.prototypes_step = Some(self.step);
        Ok(())
    }

    /// Embeds the first `eval_points` test images with the current weights (no gradients),
    /// after [`Self::refresh_prototypes`].
    ///
    /// # Errors
    /// [`TrainError::Device`] if reading back fails.
    pub async fn embed_test_subset(&mut self) -> Result<Embedding, TrainError> {
        self.refresh_prototypes().await?;
        let n = self.config.eval_points.min(self.dataset.test.len());
        let idx: Vec<usize> = (0..n).collect();
        self.embed(&self.dataset.test, &idx).await
    }

    /// Embeds `indices` of `set` with the current weights, in chunks of 500. Predictions of
    /// the metric losses use the prototypes as last refreshed: call
    /// [`Self::refresh_prototypes`] first.
    ///
    /// # Errors
    /// [`TrainError::Device`] if reading back fails.
    pub async fn embed(&self, set: &ImageSet, indices: &[usize]) -> Result<Embedding, TrainError> {
        let model = self.model.valid();
        let device = self.device.clone().inner();
        let ds = &self.dataset;
        let dim = self.config.dim;
        let mut points = Vec::with_capacity(indices.len() * dim);
        let mut predictions = Vec::with_capacity(indices.len());
        for chunk in indices.chunks(500) {
            let x = images_tensor(set, chunk, &ds.mean, &ds.std, &device);
            let z = model.net.forward(x);
            let pred = model
                .loss
                .scores(z.clone())
                .argmax(1)
                .float()
                .flatten::<1>(0, 1);
            let both = Tensor::cat(vec![z.flatten::<1>(0, 1), pred], 0)
                .into_data_async()
                .await
                .map_err(|e| TrainError::Device(format!("{e:?}")))?;
            let v: Vec<f32> = both.iter::<f32>().collect();
            let (z, p) = v.split_at(chunk.len() * dim);
            points.extend_from_slice(z);
            predictions.extend(p.iter().map(|&c| c as u8));
        }
        Ok(Embedding {
            step: self.step,
            dim,
            points,
            labels: indices.iter().map(|&i| set.labels[i]).collect(),
            predictions,
            geometry: None,
        })
    }

    /// Accuracy of the loss's head on the whole test split (after
    /// [`Self::refresh_prototypes`]).
    ///
    /// # Errors
    /// [`TrainError::Device`] if reading back fails.
    pub async fn test_accuracy(&mut self) -> Result<f64, TrainError> {
        self.refresh_prototypes().await?;
        let idx: Vec<usize> = (0..self.dataset.test.len()).collect();
        Ok(self.embed(&self.dataset.test, &idx).await?.accuracy())
    }
}
