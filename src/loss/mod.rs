//! The loss registry: a serialisable [`LossConfig`] enum whose [`LossConfig::init`] gives the
//! trainable [`Loss`] module enum. Each loss lives in its own file and owns its head (the
//! parameters that turn an embedding into a class decision), following shared/LOSSES.md.
//!
//! Adding a loss is one file plus one variant in each enum.
//!
//! Training calls, per step: [`Loss::forward`] (loss, terms, scores; the gradient flows
//! through the total), the optimiser step, then [`Loss::after_step`] with the (detached) batch
//! embeddings, which updates the state that is not trained by gradient: the center loss's
//! centers (their own SGD rule) and the metric losses' prototypes.

mod arcface;
mod center;
pub mod check;
mod contrastive;
mod cosface;
pub mod cosine;
pub mod distance;
mod normface;
mod params;
mod regression;
mod softmax;
mod sphereface;
mod triplet;

pub use arcface::{ArcFaceConfig, ArcFaceLoss};
pub use center::{CenterConfig, CenterLoss};
pub use contrastive::{ContrastiveConfig, ContrastiveLoss};
pub use cosface::{CosFaceConfig, CosFaceLoss};
pub use normface::{NormFaceConfig, NormFaceLoss};
pub use params::{ParamKind, ParamSpec};
pub use regression::{RegressionConfig, RegressionLoss, default_targets};
pub use softmax::{SoftmaxConfig, SoftmaxLoss, cross_entropy};
pub use sphereface::{SphereFaceConfig, SphereFaceLoss};
pub use triplet::{Mining, TripletConfig, TripletLoss};

use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

/// Labels of a batch in the two forms losses use, and the training step (for schedules such
/// as sphereface's annealing).
#[derive(Debug, Clone)]
pub struct Targets {
    /// Class indices. Shape `[batch]`.
    pub classes: Tensor<1, Int>,
    /// One-hot rows. Shape `[batch, classes]`.
    pub one_hot: Tensor<2>,
    /// Optimisation steps completed before this batch (0 for the first); 0 outside training.
    pub step: usize,
}

impl Targets {
    /// Builds both forms from host labels (step 0).
    pub fn new(labels: &[u8], classes: usize, device: &Device) -> Self {
        let labels: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
        Self::from_labels(&labels, classes, device)
    }

    /// Builds both forms from host labels (step 0). Labels `≥ classes` get an all-zero
    /// one-hot row; callers check them first.
    pub fn from_labels(labels: &[usize], classes: usize, device: &Device) -> Self {
        let n = labels.len();
        let mut hot = vec![0f32; n * classes];
        for (i, &l) in labels.iter().enumerate() {
            if l < classes {
                hot[i * classes + l] = 1.0;
            }
        }
        let idx: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
        Self {
            classes: Tensor::from_data(TensorData::new(idx, [n]), device),
            one_hot: Tensor::from_data(TensorData::new(hot, [n, classes]), device),
            step: 0,
        }
    }

    /// The same labels at training step `step`.
    pub fn with_step(mut self, step: usize) -> Self {
        self.step = step;
        self
    }
}

/// What a loss returns for a batch.
#[derive(Debug, Clone)]
pub struct LossOutput {
    /// The scalar minimised. Shape `[1]`.
    pub total: Tensor<1>,
    /// Named terms (for the curves); empty for single-term losses. Each of shape `[1]`; they
    /// add up to `total`.
    pub terms: Vec<(&'static str, Tensor<1>)>,
    /// Class scores, larger is more likely. Shape `[batch, classes]`.
    pub scores: Tensor<2>,
}

/// What to draw in the embedded space for a loss's head: plain data, row-major, `classes × dim`
/// matrices. Absent parts are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Geometry {
    /// Embedding dimension `d`.
    pub dim: usize,
    /// Number of classes `C`.
    pub classes: usize,
    /// Class weight vectors `w_j` as trained (not normalised): their directions are the class
    /// directions (linear and cosine heads).
    pub weights: Option<Vec<f32>>,
    /// Bias `b_j` of the linear head, when it has one.
    pub bias: Option<Vec<f32>>,
    /// Class centers `c_j` (center loss).
    pub centers: Option<Vec<f32>>,
    /// Fixed targets `t_j` (regression).
    pub targets: Option<Vec<f32>>,
    /// Class prototypes (metric losses): the current class means.
    pub prototypes: Option<Vec<f32>>,
    /// Whether the head compares normalised weights, `ŵ_j` (draw unit-length directions).
    pub normalized_weights: bool,
    /// Whether the head sees normalised features, `ẑ_i` (draw the unit circle / sphere).
    pub normalized_features: bool,
    /// The margin the training logit puts on the target class (angular-margin losses).
    pub margin: Option<Margin>,
}

/// How an angular-margin loss modifies the target class's cosine during training. Class
/// scores at inference are the plain cosines; the margin only shapes training, and the page
/// draws where it is satisfied as wedges around the class directions (2-D).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Margin {
    /// CosFace: `cos θ − m`.
    Cosine(f64),
    /// ArcFace: `cos(θ + m)`, or `cos θ − m·sin m` when `θ + m > π`.
    Angular(f64),
    /// SphereFace at the current `λ`: `(λ·cos θ + ψ(θ)) / (1 + λ)`,
    /// `ψ(θ) = (−1)^k cos(mθ) − 2k`, `k = ⌊mθ/π⌋`.
    Multiplicative {
        /// Integer margin `m`.
        m: u32,
        /// Blending weight `λ` at the step the geometry was read.
        lambda: f64,
    },
}

impl Margin {
    /// The target cosine the loss trains with when the embedding is at angle `theta` (radians,
    /// `[0, π]`) from its class direction. The training logit of class `y` beats class `j`
    /// exactly when `target_cos(θ_y) > cos θ_j`.
    pub fn target_cos(self, theta: f64) -> f64 {
        use std::f64::consts::PI;
        match self {
            Self::Cosine(m) => theta.cos() - m,
            Self::Angular(m) => {
                if theta + m <= PI {
                    (theta + m).cos()
                } else {
                    theta.cos() - m * m.sin()
                }
            }
            Self::Multiplicative { m, lambda } => {
                let mf = f64::from(m.max(1));
                let k = (mf * theta / PI).floor().clamp(0.0, mf - 1.0);
                let sign = if (k as u32).is_multiple_of(2) {
                    1.0
                } else {
                    -1.0
                };
                let psi = sign * (mf * theta).cos() - 2.0 * k;
                (lambda * theta.cos() + psi) / (1.0 + lambda)
            }
        }
    }
}

/// Reads a tensor back (asynchronously, as WebGPU requires).
async fn read<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, String> {
    let data = t
        .into_data_async()
        .await
        .map_err(|e| format!("reading a tensor back failed: {e:?}"))?;
    data.try_to_vec::<f32>()
        .map_err(|e| format!("reading a tensor back failed: {e:?}"))
}

/// A row-major host matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// `rows × cols` values, row-major.
    pub data: Vec<f32>,
}

impl Matrix {
    /// From rows, which must all have the same length.
    ///
    /// # Errors
    /// A message naming `field` when the rows are ragged, empty or not finite.
    pub fn from_rows(field: &str, rows: &[Vec<f32>]) -> Result<Self, String> {
        let cols = rows.first().map_or(0, Vec::len);
        if rows.is_empty() || cols == 0 {
            return Err(format!("{field}: must be a non-empty matrix"));
        }
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != cols {
                return Err(format!(
                    "{field}: row {i} has {} values, row 0 has {cols}",
                    r.len()
                ));
            }
            if let Some(v) = r.iter().find(|v| !v.is_finite()) {
                return Err(format!("{field}: row {i} holds the non-finite value {v}"));
            }
            data.extend_from_slice(r);
        }
        Ok(Self {
            rows: rows.len(),
            cols,
            data,
        })
    }

    /// As a tensor on `device`.
    pub fn tensor(&self, device: &Device) -> Tensor<2> {
        Tensor::from_data(
            TensorData::new(self.data.clone(), [self.rows, self.cols]),
            device,
        )
    }
}

/// Explicit head values for [`LossConfig::build`] (cross-checks and tests); each loss takes the
/// ones shared/LOSSES.md lists for it and rejects the others.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeadValues {
    /// `W` (`C×d`): softmax, normface, sphereface, cosface, arcface, center.
    pub weights: Option<Matrix>,
    /// `b` (`C`): softmax, center. Absent: no bias.
    pub bias: Option<Vec<f32>>,
    /// Centers (`C×d`): center.
    pub centers: Option<Matrix>,
    /// Targets (`C×d`): regression.
    pub targets: Option<Matrix>,
}

/// Checks that `m` is `classes × dim`.
fn check_shape(field: &str, m: &Matrix, classes: usize, dim: usize) -> Result<(), String> {
    if m.rows != classes || m.cols != dim {
        return Err(format!(
            "{field}: expected {classes}×{dim} (classes × embedding dimension), got {}×{}",
            m.rows, m.cols
        ));
    }
    Ok(())
}

/// A loss and its parameters, as chosen by the user (serialises into share links).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "lowercase")]
pub enum LossConfig {
    /// Cross-entropy on a linear head (LOSSES.md #1).
    Softmax(SoftmaxConfig),
    /// Cross-entropy on the cosine head (LOSSES.md #2).
    NormFace(NormFaceConfig),
    /// A-Softmax, multiplicative angular margin (LOSSES.md #3).
    SphereFace(SphereFaceConfig),
    /// Additive cosine margin (LOSSES.md #4).
    CosFace(CosFaceConfig),
    /// Additive angular margin (LOSSES.md #5).
    ArcFace(ArcFaceConfig),
    /// Softmax plus pull towards class centers (LOSSES.md #6).
    Center(CenterConfig),
    /// Pairwise contrastive loss (LOSSES.md #7).
    Contrastive(ContrastiveConfig),
    /// Triplet loss with batch mining (LOSSES.md #8).
    Triplet(TripletConfig),
    /// Squared distance to fixed class targets (LOSSES.md #9).
    Regression(RegressionConfig),
}

impl Default for LossConfig {
    fn default() -> Self {
        Self::Softmax(SoftmaxConfig::default())
    }
}

impl LossConfig {
    /// Short id (the serde `name`).
    pub fn id(&self) -> &'static str {
        match self {
            Self::Softmax(_) => "softmax",
            Self::NormFace(_) => "normface",
            Self::SphereFace(_) => "sphereface",
            Self::CosFace(_) => "cosface",
            Self::ArcFace(_) => "arcface",
            Self::Center(_) => "center",
            Self::Contrastive(_) => "contrastive",
            Self::Triplet(_) => "triplet",
            Self::Regression(_) => "regression",
        }
    }

    /// Every loss id, in the order of shared/LOSSES.md.
    pub const IDS: [&'static str; 9] = [
        "softmax",
        "normface",
        "sphereface",
        "cosface",
        "arcface",
        "center",
        "contrastive",
        "triplet",
        "regression",
    ];

    /// The loss `id` with every parameter at its default, or `None` for an unknown id.
    pub fn default_for(id: &str) -> Option<Self> {
        serde_json::from_value(serde_json::json!({ "name": id })).ok()
    }

    /// The loss `id` with `params` (a JSON object of parameters, serde names as in
    /// shared/LOSSES.md) merged into `base` when given, else into the defaults. Validated.
    ///
    /// # Errors
    /// A one-line message naming the unknown loss, or the parameter and its bad value.
    pub fn with_params(
        id: &str,
        base: Option<Self>,
        params: &serde_json::Value,
    ) -> Result<Self, String> {
        let base = match base {
            Some(b) if b.id() == id => b,
            _ => Self::default_for(id).ok_or_else(|| {
                format!(
                    "loss: unknown loss '{id}', expected one of {}",
                    Self::IDS.join(", ")
                )
            })?,
        };
        let serde_json::Value::Object(params) = params else {
            return Err(format!(
                "loss-params: expected a JSON object such as {{\"margin\": 1.0}}, got {params}"
            ));
        };
        let mut merged = serde_json::to_value(&base).map_err(|e| format!("loss: {e}"))?;
        let one_line = |e: serde_json::Error| e.to_string().replace('\n', " ");
        for (key, value) in params {
            if key == "name" {
                return Err("loss-params: name: choose the loss with --loss, not here".into());
            }
            let mut trial = merged.clone();
            if let Some(obj) = trial.as_object_mut() {
                obj.insert(key.clone(), value.clone());
            }
            match serde_json::from_value::<Self>(trial.clone()) {
                Ok(_) => merged = trial,
                Err(e) => {
                    return Err(format!(
                        "loss-params: {key} = {value}: {} (loss {id})",
                        one_line(e)
                    ));
                }
            }
        }
        let config: Self = serde_json::from_value(merged).map_err(|e| format!("loss: {e}"))?;
        config.validate().map_err(|e| format!("loss-params: {e}"))?;
        Ok(config)
    }

    /// The parameters as a JSON object (without the `name`).
    pub fn params(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.remove("name");
        }
        v
    }

    /// Whether training needs class-balanced batches (`P` classes × `K` examples): the metric
    /// losses, whose pairs and triplets need at least 2 examples of a class in a batch.
    pub fn needs_balanced_batches(&self) -> bool {
        matches!(self, Self::Contrastive(_) | Self::Triplet(_))
    }

    /// Whether the head classifies by prototypes (class means of training embeddings), which
    /// must be refreshed before evaluating.
    pub fn uses_prototypes(&self) -> bool {
        matches!(self, Self::Contrastive(_) | Self::Triplet(_))
    }

    /// A known-good setting for `id` and the Adam learning rate to train it with: verified to
    /// learn MNIST well above chance in 2-D within 300 steps of 64 (see the README's table).
    /// `None` for an unknown id.
    ///
    /// Where it differs from the defaults of shared/LOSSES.md: the margins of cosface and
    /// arcface are smaller, because ten classes share only 36° each on the 2-D circle; triplet
    /// mines semi-hard negatives (hard mining collapsed the 2-D embedding: 17 % after 300 steps,
    /// semi-hard 96 %).
    pub fn preset(id: &str) -> Option<(Self, f64)> {
        let config = match id {
            "softmax" => Self::Softmax(SoftmaxConfig::default()),
            "normface" => Self::NormFace(NormFaceConfig::default()),
            "sphereface" => Self::SphereFace(SphereFaceConfig::default()),
            "cosface" => Self::CosFace(CosFaceConfig {
                margin: 0.1,
                ..CosFaceConfig::default()
            }),
            "arcface" => Self::ArcFace(ArcFaceConfig {
                margin_rad: 0.1,
                ..ArcFaceConfig::default()
            }),
            "center" => Self::Center(CenterConfig::default()),
            "contrastive" => Self::Contrastive(ContrastiveConfig::default()),
            "triplet" => Self::Triplet(TripletConfig {
                mining: Mining::SemiHard,
                ..TripletConfig::default()
            }),
            "regression" => Self::Regression(RegressionConfig::default()),
            _ => return None,
        };
        let lr = match id {
            "contrastive" | "triplet" => 1e-3,
            _ => 2e-3,
        };
        Some((config, lr))
    }

    /// Checks every parameter.
    ///
    /// # Errors
    /// A message naming the parameter and the bad value.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::Softmax(c) => c.validate(),
            Self::NormFace(c) => c.validate(),
            Self::SphereFace(c) => c.validate(),
            Self::CosFace(c) => c.validate(),
            Self::ArcFace(c) => c.validate(),
            Self::Center(c) => c.validate(),
            Self::Contrastive(c) => c.validate(),
            Self::Triplet(c) => c.validate(),
            Self::Regression(c) => c.validate(),
        }
    }

    /// Builds the loss with its trainable head for `embed_dim`-dimensional embeddings and
    /// `classes` classes.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> Loss {
        match self {
            Self::Softmax(c) => Loss::Softmax(c.init(embed_dim, classes, device)),
            Self::NormFace(c) => Loss::NormFace(c.init(embed_dim, classes, device)),
            Self::SphereFace(c) => Loss::SphereFace(c.init(embed_dim, classes, device)),
            Self::CosFace(c) => Loss::CosFace(c.init(embed_dim, classes, device)),
            Self::ArcFace(c) => Loss::ArcFace(c.init(embed_dim, classes, device)),
            Self::Center(c) => Loss::Center(c.init(embed_dim, classes, device)),
            Self::Contrastive(c) => Loss::Contrastive(c.init(embed_dim, classes, device)),
            Self::Triplet(c) => Loss::Triplet(c.init(embed_dim, classes, device)),
            Self::Regression(c) => Loss::Regression(c.init(embed_dim, classes, device)),
        }
    }

    /// Builds the loss with given head values instead of initialised ones (the `lab loss`
    /// cross-check and tests). `classes` is `C`: the rows of `weights` / `targets` must match
    /// it. Validates the configuration first.
    ///
    /// # Errors
    /// A message naming the field: an invalid parameter, a missing or superfluous value, a
    /// wrong shape.
    pub fn build(
        &self,
        embed_dim: usize,
        classes: usize,
        values: HeadValues,
        device: &Device,
    ) -> Result<Loss, String> {
        self.validate().map_err(|e| format!("loss: {e}"))?;
        let name = self.id();
        let uses_weights = matches!(
            self,
            Self::Softmax(_)
                | Self::NormFace(_)
                | Self::SphereFace(_)
                | Self::CosFace(_)
                | Self::ArcFace(_)
                | Self::Center(_)
        );
        let uses_bias = matches!(self, Self::Softmax(_) | Self::Center(_));
        let unused = [
            ("weights", values.weights.is_some() && !uses_weights),
            ("bias", values.bias.is_some() && !uses_bias),
            (
                "centers",
                values.centers.is_some() && !matches!(self, Self::Center(_)),
            ),
            (
                "targets",
                values.targets.is_some() && !matches!(self, Self::Regression(_)),
            ),
        ];
        if let Some((field, _)) = unused.iter().find(|(_, bad)| *bad) {
            return Err(format!("{field}: not used by the {name} loss"));
        }
        let weights = if uses_weights {
            let w = values
                .weights
                .as_ref()
                .ok_or_else(|| format!("weights: required by the {name} loss (C×d)"))?;
            check_shape("weights", w, classes, embed_dim)?;
            Some(w.tensor(device))
        } else {
            None
        };
        let bias = match &values.bias {
            Some(b) if b.len() != classes => {
                return Err(format!(
                    "bias: expected {classes} values (one per class), got {}",
                    b.len()
                ));
            }
            Some(b) => {
                if let Some(v) = b.iter().find(|v| !v.is_finite()) {
                    return Err(format!("bias: holds the non-finite value {v}"));
                }
                Some(Tensor::<1>::from_data(
                    TensorData::new(b.clone(), [classes]),
                    device,
                ))
            }
            None => None,
        };
        let missing = |field: &str| format!("{field}: required by the {name} loss (C×d)");
        Ok(match (self, weights) {
            (Self::Softmax(c), Some(w)) => {
                if bias.is_some() && !c.bias {
                    return Err("bias: given, but the loss has \"bias\": false".into());
                }
                Loss::Softmax(SoftmaxLoss::from_weights(w, bias))
            }
            (Self::NormFace(c), Some(w)) => Loss::NormFace(NormFaceLoss::from_weights(c, w)),
            (Self::SphereFace(c), Some(w)) => Loss::SphereFace(SphereFaceLoss::from_weights(c, w)),
            (Self::CosFace(c), Some(w)) => Loss::CosFace(CosFaceLoss::from_weights(c, w)),
            (Self::ArcFace(c), Some(w)) => Loss::ArcFace(ArcFaceLoss::from_weights(c, w)),
            (Self::Center(c), Some(w)) => {
                if bias.is_some() && !c.bias {
                    return Err("bias: given, but the loss has \"bias\": false".into());
                }
                let centers = values.centers.as_ref().ok_or_else(|| missing("centers"))?;
                check_shape("centers", centers, classes, embed_dim)?;
                Loss::Center(CenterLoss::from_parts(c, w, bias, centers.tensor(device)))
            }
            (Self::Contrastive(c), _) => Loss::Contrastive(c.init(embed_dim, classes, device)),
            (Self::Triplet(c), _) => Loss::Triplet(c.init(embed_dim, classes, device)),
            (Self::Regression(c), _) => {
                let t = values.targets.as_ref().ok_or_else(|| missing("targets"))?;
                check_shape("targets", t, classes, embed_dim)?;
                Loss::Regression(RegressionLoss::from_targets(c, t.tensor(device)))
            }
            (_, None) => return Err(missing("weights")),
        })
    }
}

/// A trainable loss (with its head).
#[derive(Module, Debug)]
pub enum Loss {
    /// See [`SoftmaxLoss`].
    Softmax(SoftmaxLoss),
    /// See [`NormFaceLoss`].
    NormFace(NormFaceLoss),
    /// See [`SphereFaceLoss`].
    SphereFace(SphereFaceLoss),
    /// See [`CosFaceLoss`].
    CosFace(CosFaceLoss),
    /// See [`ArcFaceLoss`].
    ArcFace(ArcFaceLoss),
    /// See [`CenterLoss`].
    Center(CenterLoss),
    /// See [`ContrastiveLoss`].
    Contrastive(ContrastiveLoss),
    /// See [`TripletLoss`].
    Triplet(TripletLoss),
    /// See [`RegressionLoss`].
    Regression(RegressionLoss),
}

impl Loss {
    /// Loss, terms and class scores of a batch of embeddings.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        match self {
            Self::Softmax(l) => l.forward(embeddings, targets),
            Self::NormFace(l) => l.forward(embeddings, targets),
            Self::SphereFace(l) => l.forward(embeddings, targets),
            Self::CosFace(l) => l.forward(embeddings, targets),
            Self::ArcFace(l) => l.forward(embeddings, targets),
            Self::Center(l) => l.forward(embeddings, targets),
            Self::Contrastive(l) => l.forward(embeddings, targets),
            Self::Triplet(l) => l.forward(embeddings, targets),
            Self::Regression(l) => l.forward(embeddings, targets),
        }
    }

    /// Class scores only (inference), larger is more likely.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        match self {
            Self::Softmax(l) => l.scores(embeddings),
            Self::NormFace(l) => l.scores(embeddings),
            Self::SphereFace(l) => l.scores(embeddings),
            Self::CosFace(l) => l.scores(embeddings),
            Self::ArcFace(l) => l.scores(embeddings),
            Self::Center(l) => l.scores(embeddings),
            Self::Contrastive(l) => l.scores(embeddings),
            Self::Triplet(l) => l.scores(embeddings),
            Self::Regression(l) => l.scores(embeddings),
        }
    }

    /// Updates the state not trained by gradient, after the optimiser step, with the batch's
    /// embeddings (detached here): the center loss's centers (Wen et al.'s rule with rate
    /// `α`) and the metric losses' prototypes. Nothing for the other losses.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn after_step(&mut self, embeddings: Tensor<2>, targets: &Targets) {
        let z = embeddings.detach();
        match self {
            Self::Center(l) => l.update_centers(z, targets),
            Self::Contrastive(l) => l.prototypes.observe(l.features(z), targets.one_hot.clone()),
            Self::Triplet(l) => l.prototypes.observe(z, targets.one_hot.clone()),
            _ => {}
        }
    }

    /// Sets the metric losses' prototypes to the class means of `embeddings` (for the classes
    /// present); nothing for the other losses.
    ///
    /// # Shapes
    /// - `embeddings`: `[n, d]`
    pub fn update_prototypes(&mut self, embeddings: Tensor<2>, targets: &Targets) {
        let z = embeddings.detach();
        match self {
            Self::Contrastive(l) => l
                .prototypes
                .set_means(l.features(z), targets.one_hot.clone()),
            Self::Triplet(l) => l.prototypes.set_means(z, targets.one_hot.clone()),
            _ => {}
        }
    }

    /// The head's geometry to draw after optimisation step `step` (SphereFace's margin
    /// depends on it); reads tensors back asynchronously.
    ///
    /// # Errors
    /// When reading back fails (a lost GPU device).
    pub async fn geometry(&self, step: usize) -> Result<Geometry, String> {
        match self {
            Self::Softmax(l) => linear_geometry(&l.head, None).await,
            Self::NormFace(l) => {
                cosine_geometry(&l.head, l.normalize_weights, l.normalize_features).await
            }
            Self::SphereFace(l) => {
                let mut g = cosine_geometry(&l.head, true, false).await?;
                g.margin = Some(Margin::Multiplicative {
                    m: l.margin,
                    lambda: l.lambda(step),
                });
                Ok(g)
            }
            Self::CosFace(l) => {
                let mut g = cosine_geometry(&l.head, true, true).await?;
                g.margin = Some(Margin::Cosine(l.margin));
                Ok(g)
            }
            Self::ArcFace(l) => {
                let mut g = cosine_geometry(&l.head, true, true).await?;
                g.margin = Some(Margin::Angular(l.margin_rad));
                Ok(g)
            }
            Self::Center(l) => linear_geometry(&l.head, Some(l.centers.clone())).await,
            Self::Contrastive(l) => {
                let mut g = prototype_geometry(&l.prototypes).await?;
                g.normalized_features = l.normalize;
                Ok(g)
            }
            Self::Triplet(l) => prototype_geometry(&l.prototypes).await,
            Self::Regression(l) => {
                let [classes, dim] = l.targets.dims();
                Ok(Geometry {
                    dim,
                    classes,
                    targets: Some(read(l.targets.clone()).await?),
                    ..Geometry::default()
                })
            }
        }
    }
}

async fn linear_geometry(
    head: &burn::nn::Linear,
    centers: Option<Tensor<2>>,
) -> Result<Geometry, String> {
    let w = head.weight.val().transpose();
    let [classes, dim] = w.dims();
    let bias = match &head.bias {
        Some(b) => Some(read(b.val()).await?),
        None => None,
    };
    let centers = match centers {
        Some(c) => Some(read(c).await?),
        None => None,
    };
    Ok(Geometry {
        dim,
        classes,
        weights: Some(read(w).await?),
        bias,
        centers,
        ..Geometry::default()
    })
}

async fn cosine_geometry(
    head: &cosine::CosineHead,
    normalized_weights: bool,
    normalized_features: bool,
) -> Result<Geometry, String> {
    let w = head.weight.val();
    let [classes, dim] = w.dims();
    Ok(Geometry {
        dim,
        classes,
        weights: Some(read(w).await?),
        normalized_weights,
        normalized_features,
        ..Geometry::default()
    })
}

async fn prototype_geometry(p: &distance::Prototypes) -> Result<Geometry, String> {
    let [classes, dim] = p.means.dims();
    Ok(Geometry {
        dim,
        classes,
        prototypes: Some(read(p.means.clone()).await?),
        ..Geometry::default()
    })
}
