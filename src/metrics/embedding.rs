//! Embedding-quality metrics on plain row-major slices: `n × d` coordinates (`f32`) and `n`
//! labels (`u8`), optionally the loss's class prototypes and the head's predicted labels.
//!
//! One entry point, [`EmbeddingMetrics::compute`], and each metric as a small public function
//! ([`classification`], [`nearest_prototype`], [`class_means`], [`retrieval`],
//! [`average_precision_at_r`], [`silhouette`], [`spread`], [`angles`], [`kmeans`], [`nmi`]),
//! plus the run [`fingerprint`]. Every definition is written out on its function; `docs/metrics.md`
//! collects them for the README.
//!
//! # Conventions
//! - Distances are computed in `f64` from the `f32` coordinates. Euclidean:
//!   `d(x, y) = ‖x − y‖₂`; cosine: `d(x, y) = 1 − x·y / (‖x‖ ‖y‖)`, where a zero vector has cosine
//!   0 with everything (distance 1).
//! - Rankings break distance ties by the lower point index, so every result is deterministic.
//! - A metric that is undefined for the data (one class only, no points, …) is `None` (JSON
//!   `null`), never NaN. [`EmbeddingMetrics::compute`] first drops the rows with a non-finite
//!   coordinate and reports how many in [`EmbeddingMetrics::nonfinite_points`].
//!
//! # Cost budget
//! With `n` points in `d` dimensions and `C` classes:
//!
//! | metric | cost | on |
//! |---|---|---|
//! | head, nearest prototype, nearest class mean, spread, angles | `O(n·C·d)` | all points |
//! | k-means + NMI | `O(iterations · n·C·d)` | all points |
//! | k-NN, precision@1, MAP@R (Euclidean and cosine) | `O(m²·d + m·R log R)` | `m = min(n, retrieval_sample)` |
//! | silhouette | `O(s²·d)` | `s = min(n, silhouette_sample)` |
//!
//! The quadratic metrics run on a seeded uniform subsample (without replacement) of at most
//! [`MetricsConfig::retrieval_sample`] (default 2,000) and [`MetricsConfig::silhouette_sample`]
//! (default 1,000) points; [`MetricsConfig::validate`] refuses sizes above
//! [`MAX_PAIRWISE_POINTS`]. On fewer points than the budget, all points are used and the
//! result does not depend on the seed.

mod cluster;
mod fingerprint;
mod scalars;

pub use cluster::{kmeans, nmi};
pub use fingerprint::{fingerprint, fnv1a64};
pub use scalars::{SCALARS, ScalarInfo, Unit, scalar_info};

use serde::{Deserialize, Serialize};

use crate::data::Rng;

/// The largest subsample [`MetricsConfig::validate`] accepts for a quadratic metric
/// (10,000² pairs is already tens of seconds in the browser).
pub const MAX_PAIRWISE_POINTS: usize = 10_000;

/// The most classes (and prototype rows) a label of type `u8` can name.
pub const MAX_CLASSES: usize = 256;

/// Seed salts, so that the subsamples and k-means draw independent streams from one seed.
const SALT_RETRIEVAL: u64 = 0x7e7a_1e5a_b5a3_0001;
const SALT_SILHOUETTE: u64 = 0x5117_0e77_e5a3_0002;
const SALT_KMEANS: u64 = 0x0c1a_55e5_b5a3_0003;

/// Why metrics could not be computed (bad shapes or configuration; bad *values* such as NaN
/// are skipped and counted instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsError {
    /// The embedding dimension is 0.
    #[error("the embedding dimension must be at least 1")]
    ZeroDim,
    /// The coordinates are not `labels × dim` values.
    #[error("{values} coordinates are not {labels} points × {dim} dimensions")]
    Shape {
        /// Number of coordinates given.
        values: usize,
        /// Number of labels given.
        labels: usize,
        /// Embedding dimension.
        dim: usize,
    },
    /// The prototypes are not whole rows of the embedding dimension, or too many.
    #[error(
        "{values} prototype values are not whole rows of dimension {dim} (at most {MAX_CLASSES} rows)"
    )]
    Prototypes {
        /// Number of prototype values given.
        values: usize,
        /// Embedding dimension.
        dim: usize,
    },
    /// No prototype row is finite.
    #[error("no prototype has finite coordinates")]
    NoPrototypes,
    /// There is not one head prediction per point.
    #[error("{predictions} head predictions for {points} points")]
    Predictions {
        /// Number of predictions given.
        predictions: usize,
        /// Number of points.
        points: usize,
    },
    /// A configuration value is out of range.
    #[error("invalid metrics configuration: {0}")]
    Config(String),
}

/// Points of an embedding: `len × dim` coordinates, row-major, and one label per point.
/// Borrowed; validated once by [`Points::new`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Points<'a> {
    dim: usize,
    xs: &'a [f32],
    labels: &'a [u8],
}

impl<'a> Points<'a> {
    /// Points from row-major coordinates and labels.
    ///
    /// # Errors
    /// [`MetricsError::ZeroDim`] for `dim == 0`, [`MetricsError::Shape`] when
    /// `xs.len() != labels.len() × dim`.
    pub fn new(dim: usize, xs: &'a [f32], labels: &'a [u8]) -> Result<Self, MetricsError> {
        if dim == 0 {
            return Err(MetricsError::ZeroDim);
        }
        if labels.len().checked_mul(dim) != Some(xs.len()) {
            return Err(MetricsError::Shape {
                values: xs.len(),
                labels: labels.len(),
                dim,
            });
        }
        Ok(Self { dim, xs, labels })
    }

    /// Embedding dimension `d`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of points `n`.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The coordinates, row-major.
    pub fn xs(&self) -> &'a [f32] {
        self.xs
    }

    /// The labels.
    pub fn labels(&self) -> &'a [u8] {
        self.labels
    }

    /// The rows (one slice of `dim` coordinates per point).
    pub fn rows(&self) -> std::slice::ChunksExact<'a, f32> {
        self.xs.chunks_exact(self.dim)
    }

    /// `1 + ` the largest label (0 without points).
    pub fn classes(&self) -> usize {
        self.labels
            .iter()
            .map(|&l| l as usize + 1)
            .max()
            .unwrap_or(0)
    }
}

/// How two embeddings are compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Distance {
    /// `‖x − y‖₂`.
    #[default]
    Euclidean,
    /// `1 − cos(x, y)`, with `cos = 0` when either vector is zero.
    Cosine,
}

/// Settings of [`EmbeddingMetrics::compute`]; every field has a default (serde fills missing
/// fields from it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsConfig {
    /// Neighbours in the k-NN vote. Default 5; `1..=MAX_PAIRWISE_POINTS`.
    pub k: usize,
    /// Points (at most) for k-NN, precision@1 and MAP@R: a seeded uniform subsample when there
    /// are more. Default 2,000; `2..=MAX_PAIRWISE_POINTS`.
    pub retrieval_sample: usize,
    /// Points (at most) for the silhouette, subsampled like `retrieval_sample`. Default 1,000;
    /// `2..=MAX_PAIRWISE_POINTS`.
    pub silhouette_sample: usize,
    /// Lloyd iterations of k-means (at most; it stops early at a fixed point). Default 50;
    /// `1..=1000`.
    pub kmeans_iterations: usize,
    /// Seed of the subsamples and of the k-means++ initialisation. Default 0.
    pub seed: u64,
    /// Distance of the nearest-prototype classifier. Default Euclidean (use cosine for the
    /// class directions of a cosine head).
    pub prototype_distance: Distance,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            k: 5,
            retrieval_sample: 2_000,
            silhouette_sample: 1_000,
            kmeans_iterations: 50,
            seed: 0,
            prototype_distance: Distance::Euclidean,
        }
    }
}

impl MetricsConfig {
    /// Checks every field's range.
    ///
    /// # Errors
    /// [`MetricsError::Config`] naming the first bad field and its value.
    pub fn validate(&self) -> Result<(), MetricsError> {
        let bad = |name: &str, v: usize, lo: usize, hi: usize| {
            MetricsError::Config(format!("{name} = {v} is outside {lo}..={hi}"))
        };
        if !(1..=MAX_PAIRWISE_POINTS).contains(&self.k) {
            return Err(bad("k", self.k, 1, MAX_PAIRWISE_POINTS));
        }
        if !(2..=MAX_PAIRWISE_POINTS).contains(&self.retrieval_sample) {
            return Err(bad(
                "retrieval_sample",
                self.retrieval_sample,
                2,
                MAX_PAIRWISE_POINTS,
            ));
        }
        if !(2..=MAX_PAIRWISE_POINTS).contains(&self.silhouette_sample) {
            return Err(bad(
                "silhouette_sample",
                self.silhouette_sample,
                2,
                MAX_PAIRWISE_POINTS,
            ));
        }
        if !(1..=1000).contains(&self.kmeans_iterations) {
            return Err(bad("kmeans_iterations", self.kmeans_iterations, 1, 1000));
        }
        Ok(())
    }
}

/// How well one classifier labels the points.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// Number of points classified, `N`.
    pub evaluated: usize,
    /// `(1/N) Σᵢ [ŷᵢ = yᵢ]`; `None` when `N = 0`.
    pub accuracy: Option<f64>,
    /// Per true class `c`: `M[c][c] / Σ_p M[c][p]` (the recall of `c`); `None` for a class
    /// without points.
    pub per_class_accuracy: Vec<Option<f64>>,
    /// The confusion matrix `M[true][predicted]` (counts), `C × C`.
    pub confusion: Vec<Vec<usize>>,
}

/// Retrieval metrics of one distance, leave-one-out on the (subsampled) points.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Retrieval {
    /// The distance used.
    pub distance: Distance,
    /// Number of points `m` (queries and references; the subsample).
    pub points: usize,
    /// Neighbours in the vote.
    pub k: usize,
    /// The k-NN classifier (leave-one-out), see [`retrieval`].
    pub knn: Classification,
    /// Queries with at least one same-class reference (`Rᵢ ≥ 1`): the ones precision@1 and
    /// MAP@R average over.
    pub queries: usize,
    /// Precision@1 (Musgrave et al. 2020).
    pub precision_at_1: Option<f64>,
    /// MAP@R (Musgrave et al. 2020).
    pub map_at_r: Option<f64>,
}

/// Intra-class spread against inter-class distance, see [`spread`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// `S = sqrt((1/N) Σᵢ ‖xᵢ − μ_{yᵢ}‖²)`.
    pub intra_class_rms: Option<f64>,
    /// `D = mean over class pairs a < b of ‖μ_a − μ_b‖`.
    pub inter_class_mean: Option<f64>,
    /// `min over class pairs a < b of ‖μ_a − μ_b‖`.
    pub inter_class_min: Option<f64>,
    /// `S / D` (lower is better; scale-free).
    pub ratio: Option<f64>,
}

/// Angles seen from the origin, in degrees, see [`angles`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Angles {
    /// Mean over points of `∠(xᵢ, μ_{yᵢ})`.
    pub mean_intra_class_deg: Option<f64>,
    /// Minimum over class pairs of `∠(μ_a, μ_b)`.
    pub min_inter_class_deg: Option<f64>,
}

/// Every embedding metric of one embedding; serde, so it exports as JSON (and as a CSV row
/// with [`EmbeddingMetrics::to_csv`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingMetrics {
    /// The configuration used.
    pub config: MetricsConfig,
    /// Points given.
    pub points: usize,
    /// Points dropped because a coordinate was NaN or infinite (all metrics use the rest).
    pub nonfinite_points: usize,
    /// Prototype rows ignored because a coordinate was NaN or infinite.
    pub nonfinite_prototypes: usize,
    /// Number of classes `C`: `1 +` the largest label, prediction or prototype index.
    pub classes: usize,
    /// Points per class (after dropping non-finite ones).
    pub class_counts: Vec<usize>,
    /// The head's predictions, when given.
    pub head: Option<Classification>,
    /// Nearest given prototype, when prototypes are given.
    pub nearest_prototype: Option<Classification>,
    /// Nearest class mean (Euclidean) — the means of these same points, so slightly optimistic.
    pub nearest_class_mean: Option<Classification>,
    /// k-NN, precision@1 and MAP@R with the Euclidean distance.
    pub euclidean: Option<Retrieval>,
    /// k-NN, precision@1 and MAP@R with the cosine distance.
    pub cosine: Option<Retrieval>,
    /// Intra-class spread against inter-class distance.
    pub spread: Spread,
    /// Silhouette of the classes (Euclidean).
    pub silhouette: Option<f64>,
    /// Points the silhouette was computed on (the subsample).
    pub silhouette_points: usize,
    /// Angles of points and class means.
    pub angles: Angles,
    /// NMI (arithmetic-mean normalisation) between the labels and k-means clusters, `k = `
    /// number of non-empty classes.
    pub nmi_kmeans: Option<f64>,
}

/// `Some(x)` when `x` is finite.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

impl EmbeddingMetrics {
    /// Computes every metric.
    ///
    /// `prototypes`: `P × dim` values, row-major, row `j` the prototype of class `j` (class
    /// means, the loss's centers or targets, or a cosine head's class directions with
    /// [`MetricsConfig::prototype_distance`] = cosine); rows with a non-finite coordinate are
    /// ignored. `head_predictions`: one predicted label per point.
    ///
    /// Rows of `points` with a non-finite coordinate are dropped first (counted in
    /// [`EmbeddingMetrics::nonfinite_points`]); if nothing is left, every metric is `None`.
    ///
    /// # Errors
    /// An invalid configuration, prototypes that are not whole rows (or more than
    /// [`MAX_CLASSES`]), or not one prediction per point. Never for bad values.
    pub fn compute(
        points: &Points<'_>,
        config: &MetricsConfig,
        prototypes: Option<&[f32]>,
        head_predictions: Option<&[u8]>,
    ) -> Result<Self, MetricsError> {
        config.validate()?;
        let dim = points.dim();
        let proto_rows = match prototypes {
            Some(p) if !p.len().is_multiple_of(dim) || p.len() / dim > MAX_CLASSES => {
                return Err(MetricsError::Prototypes {
                    values: p.len(),
                    dim,
                });
            }
            Some(p) => p.len() / dim,
            None => 0,
        };
        if let Some(h) = head_predictions
            && h.len() != points.len()
        {
            return Err(MetricsError::Predictions {
                predictions: h.len(),
                points: points.len(),
            });
        }

        // Keep the finite rows.
        let mut xs = Vec::with_capacity(points.xs().len());
        let mut labels = Vec::with_capacity(points.len());
        let mut preds = Vec::new();
        for (i, (row, &l)) in points.rows().zip(points.labels()).enumerate() {
            if row.iter().all(|v| v.is_finite()) {
                xs.extend_from_slice(row);
                labels.push(l);
                if let Some(p) = head_predictions.and_then(|h| h.get(i)) {
                    preds.push(*p);
                }
            }
        }
        let kept = Points::new(dim, &xs, &labels)?;
        let max_pred = head_predictions
            .into_iter()
            .flatten()
            .map(|&p| p as usize + 1)
            .max()
            .unwrap_or(0);
        let classes = points.classes().max(max_pred).max(proto_rows);
        let mut class_counts = vec![0; classes];
        for &l in &labels {
            if let Some(c) = class_counts.get_mut(l as usize) {
                *c += 1;
            }
        }
        let present = class_counts.iter().filter(|&&c| c > 0).count();

        let mut out = Self {
            config: config.clone(),
            points: points.len(),
            nonfinite_points: points.len() - kept.len(),
            classes,
            class_counts,
            ..Self::default()
        };
        if let Some(p) = prototypes {
            out.nonfinite_prototypes = p
                .chunks_exact(dim)
                .filter(|r| r.iter().any(|v| !v.is_finite()))
                .count();
        }
        if kept.is_empty() {
            return Ok(out);
        }

        if head_predictions.is_some() {
            out.head = Some(classification(&labels, &preds, classes));
        }
        if let Some(p) = prototypes
            && let Ok(pred) = nearest_prototype(&kept, p, config.prototype_distance)
        {
            out.nearest_prototype = Some(classification(&labels, &pred, classes));
        }
        let means = class_means(&kept, classes);
        let pred = nearest_of(&kept, &means, Distance::Euclidean);
        out.nearest_class_mean = Some(classification(&labels, &pred, classes));

        let idx = subsample(
            kept.len(),
            config.retrieval_sample,
            config.seed ^ SALT_RETRIEVAL,
        );
        let (sx, sl) = gather(&kept, &idx);
        let sub = Points::new(dim, &sx, &sl)?;
        if sub.len() >= 2 {
            out.euclidean = Some(retrieval(&sub, config.k, Distance::Euclidean));
            out.cosine = Some(retrieval(&sub, config.k, Distance::Cosine));
        }

        out.spread = spread(&kept);
        out.angles = angles(&kept);

        let idx = subsample(
            kept.len(),
            config.silhouette_sample,
            config.seed ^ SALT_SILHOUETTE,
        );
        let (sx, sl) = gather(&kept, &idx);
        let sub = Points::new(dim, &sx, &sl)?;
        out.silhouette = silhouette(&sub);
        out.silhouette_points = sub.len();

        let clusters = kmeans(
            &kept,
            present,
            config.kmeans_iterations,
            config.seed ^ SALT_KMEANS,
        );
        let truth: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
        out.nmi_kmeans = nmi(&truth, &clusters);
        Ok(out)
    }

    /// The scalar metrics by name, in a fixed order (the panel's rows and the CSV columns).
    pub fn scalars(&self) -> Vec<(&'static str, Option<f64>)> {
        let acc = |c: &Option<Classification>| c.as_ref().and_then(|c| c.accuracy);
        let ret = |r: &Option<Retrieval>, f: fn(&Retrieval) -> Option<f64>| r.as_ref().and_then(f);
        vec![
            ("points", Some(self.points as f64)),
            ("nonfinite_points", Some(self.nonfinite_points as f64)),
            ("head_accuracy", acc(&self.head)),
            ("nearest_prototype_accuracy", acc(&self.nearest_prototype)),
            ("nearest_class_mean_accuracy", acc(&self.nearest_class_mean)),
            (
                "knn_accuracy_euclidean",
                ret(&self.euclidean, |r| r.knn.accuracy),
            ),
            ("knn_accuracy_cosine", ret(&self.cosine, |r| r.knn.accuracy)),
            (
                "precision_at_1_euclidean",
                ret(&self.euclidean, |r| r.precision_at_1),
            ),
            (
                "precision_at_1_cosine",
                ret(&self.cosine, |r| r.precision_at_1),
            ),
            ("map_at_r_euclidean", ret(&self.euclidean, |r| r.map_at_r)),
            ("map_at_r_cosine", ret(&self.cosine, |r| r.map_at_r)),
            ("intra_class_rms", self.spread.intra_class_rms),
            ("inter_class_mean_distance", self.spread.inter_class_mean),
            ("inter_class_min_distance", self.spread.inter_class_min),
            ("spread_ratio", self.spread.ratio),
            ("silhouette", self.silhouette),
            (
                "mean_intra_class_angle_deg",
                self.angles.mean_intra_class_deg,
            ),
            ("min_inter_class_angle_deg", self.angles.min_inter_class_deg),
            ("nmi_kmeans", self.nmi_kmeans),
        ]
    }

    /// The scalars as two CSV lines (header, values; an undefined metric is an empty field).
    pub fn to_csv(&self) -> String {
        let s = self.scalars();
        let header: Vec<&str> = s.iter().map(|(n, _)| *n).collect();
        let values: Vec<String> = s
            .iter()
            .map(|(_, v)| v.map(|v| v.to_string()).unwrap_or_default())
            .collect();
        format!("{}\n{}\n", header.join(","), values.join(","))
    }
}

/// Copies the rows `idx` of `p`.
fn gather(p: &Points<'_>, idx: &[usize]) -> (Vec<f32>, Vec<u8>) {
    let d = p.dim();
    let mut xs = Vec::with_capacity(idx.len() * d);
    let mut labels = Vec::with_capacity(idx.len());
    for &i in idx {
        if let (Some(row), Some(&l)) = (p.xs().get(i * d..(i + 1) * d), p.labels().get(i)) {
            xs.extend_from_slice(row);
            labels.push(l);
        }
    }
    (xs, labels)
}

/// A seeded uniform subsample of `min(n, m)` distinct indices of `0..n`, in increasing order
/// (a partial Fisher–Yates shuffle with SplitMix64). `0..n` itself when `n ≤ m`.
pub fn subsample(n: usize, m: usize, seed: u64) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    if n <= m {
        return all;
    }
    let mut rng = Rng::new(seed);
    for i in 0..m {
        let j = i + rng.below(n - i);
        all.swap(i, j);
    }
    all.truncate(m);
    all.sort_unstable();
    all
}

/// Accuracy, per-class accuracy and confusion matrix of `predictions` against `labels`
/// (pairs beyond the shorter slice are ignored).
///
/// ```text
/// M[c][p]  = #{i : yᵢ = c, ŷᵢ = p}                     (C × C, C = max(classes, 1 + max label, 1 + max prediction))
/// accuracy = (1/N) Σᵢ [ŷᵢ = yᵢ] = Σ_c M[c][c] / N
/// acc_c    = M[c][c] / Σ_p M[c][p]                      (None when class c has no points)
/// ```
pub fn classification(labels: &[u8], predictions: &[u8], classes: usize) -> Classification {
    let classes = labels
        .iter()
        .chain(predictions)
        .map(|&l| l as usize + 1)
        .max()
        .unwrap_or(0)
        .max(classes);
    let mut confusion = vec![vec![0usize; classes]; classes];
    let mut evaluated = 0;
    let mut hits = 0;
    for (&y, &p) in labels.iter().zip(predictions) {
        if let Some(cell) = confusion
            .get_mut(y as usize)
            .and_then(|row| row.get_mut(p as usize))
        {
            *cell += 1;
        }
        evaluated += 1;
        hits += usize::from(y == p);
    }
    let per_class_accuracy = confusion
        .iter()
        .enumerate()
        .map(|(c, row)| {
            let total: usize = row.iter().sum();
            (total > 0).then(|| row.get(c).copied().unwrap_or(0) as f64 / total as f64)
        })
        .collect();
    Classification {
        evaluated,
        accuracy: (evaluated > 0).then(|| hits as f64 / evaluated as f64),
        per_class_accuracy,
        confusion,
    }
}

/// Class means `μ_c = (1/n_c) Σ_{i: yᵢ = c} xᵢ` (in `f64`) for `c < classes` (and any larger
/// label); `None` for a class without points.
pub fn class_means(points: &Points<'_>, classes: usize) -> Vec<Option<Vec<f64>>> {
    let d = points.dim();
    let classes = classes.max(points.classes());
    let mut sums = vec![vec![0.0f64; d]; classes];
    let mut counts = vec![0usize; classes];
    for (row, &l) in points.rows().zip(points.labels()) {
        if let (Some(s), Some(n)) = (sums.get_mut(l as usize), counts.get_mut(l as usize)) {
            for (s, &v) in s.iter_mut().zip(row) {
                *s += v as f64;
            }
            *n += 1;
        }
    }
    sums.into_iter()
        .zip(counts)
        .map(|(s, n)| (n > 0).then(|| s.into_iter().map(|v| v / n as f64).collect()))
        .collect()
}

/// Predicted class of each point: the nearest prototype.
///
/// ```text
/// ŷᵢ = argmin_j d(xᵢ, p_j)     (Euclidean: ‖xᵢ − p_j‖; cosine: 1 − cos(xᵢ, p_j); ties → lower j)
/// ```
/// `prototypes` holds `P × dim` values, row-major; rows with a non-finite coordinate are never
/// chosen.
///
/// # Errors
/// [`MetricsError::Prototypes`] when they are not whole rows or more than [`MAX_CLASSES`];
/// [`MetricsError::NoPrototypes`] when no row is finite.
pub fn nearest_prototype(
    points: &Points<'_>,
    prototypes: &[f32],
    distance: Distance,
) -> Result<Vec<u8>, MetricsError> {
    let d = points.dim();
    if !prototypes.len().is_multiple_of(d) || prototypes.len() / d > MAX_CLASSES {
        return Err(MetricsError::Prototypes {
            values: prototypes.len(),
            dim: d,
        });
    }
    let protos: Vec<Option<Vec<f64>>> = prototypes
        .chunks_exact(d)
        .map(|r| {
            r.iter()
                .all(|v| v.is_finite())
                .then(|| r.iter().map(|&v| v as f64).collect())
        })
        .collect();
    if protos.iter().all(Option::is_none) {
        return Err(MetricsError::NoPrototypes);
    }
    Ok(nearest_of(points, &protos, distance))
}

/// Nearest of the `Some` prototypes (class 0 when there is none).
fn nearest_of(points: &Points<'_>, protos: &[Option<Vec<f64>>], distance: Distance) -> Vec<u8> {
    let protos: Vec<(u8, Vec<f64>)> = protos
        .iter()
        .enumerate()
        .filter_map(|(j, p)| {
            let p = p.as_ref()?;
            let j = u8::try_from(j).ok()?;
            Some((j, prepare(p.clone(), distance)))
        })
        .collect();
    points
        .rows()
        .map(|row| {
            let x = prepare(row.iter().map(|&v| v as f64).collect(), distance);
            let mut best: Option<(f64, u8)> = None;
            for (j, p) in &protos {
                let dist = rank_distance(&x, p, distance);
                if best.is_none_or(|(b, _)| dist < b) {
                    best = Some((dist, *j));
                }
            }
            best.map_or(0, |(_, j)| j)
        })
        .collect()
}

/// A vector ready for [`rank_distance`]: unchanged for Euclidean, unit length for cosine (a
/// zero vector stays zero).
fn prepare(mut x: Vec<f64>, distance: Distance) -> Vec<f64> {
    if distance == Distance::Cosine {
        let n = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        if n > 0.0 {
            x.iter_mut().for_each(|v| *v /= n);
        }
    }
    x
}

/// A distance with the same order as `distance` on [`prepare`]d vectors: `‖x − y‖²`, or
/// `1 − x̂·ŷ`.
fn rank_distance(x: &[f64], y: &[f64], distance: Distance) -> f64 {
    match distance {
        Distance::Euclidean => x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum(),
        Distance::Cosine => 1.0 - x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>(),
    }
}

/// Average precision at R of one query, from the relevance of its ranked references
/// (Musgrave et al., "A Metric Learning Reality Check", ECCV 2020, §3.2):
///
/// ```text
/// AP@R = (1/R) Σ_{r=1..R} P(r) · rel(r),   P(r) = (1/r) Σ_{s=1..r} rel(s)
/// ```
/// where `rel(r)` is whether the `r`-th nearest reference has the query's class and
/// `R = r_total` is the number of references of that class. `None` when `R = 0`; positions
/// beyond the slice count as not relevant.
pub fn average_precision_at_r(ranked_relevant: &[bool], r_total: usize) -> Option<f64> {
    if r_total == 0 {
        return None;
    }
    let mut hits = 0usize;
    let mut sum = 0.0;
    for (pos, &rel) in ranked_relevant.iter().take(r_total).enumerate() {
        if rel {
            hits += 1;
            sum += hits as f64 / (pos + 1) as f64;
        }
    }
    Some(sum / r_total as f64)
}

/// Leave-one-out retrieval on `points` (every point is a query; the references are all other
/// points): the k-NN classifier, precision@1 and MAP@R, for one distance. Costs `O(n²·d)`:
/// subsample first (as [`EmbeddingMetrics::compute`] does).
///
/// For query `i` the references `j ≠ i` are ranked by `d(xᵢ, x_j)` (ties → lower `j`; a
/// cosine distance that rounding makes slightly negative counts as 0);
/// `Rᵢ = #{j ≠ i : y_j = yᵢ}`.
/// ```text
/// k-NN:   ŷᵢ = the class with most votes among the k nearest references (all n − 1 when fewer);
///         a tie in votes goes to the tied class whose member ranks first
/// P@1   = (1/|Q|) Σ_{i∈Q} rel_i(1)                       Q = {i : Rᵢ ≥ 1}
/// MAP@R = (1/|Q|) Σ_{i∈Q} (1/Rᵢ) Σ_{r=1..Rᵢ} P_i(r) rel_i(r)     (see average_precision_at_r)
/// ```
/// Queries with `Rᵢ = 0` (the only point of their class) are left out of P@1 and MAP@R, as
/// pytorch-metric-learning's `AccuracyCalculator` leaves out "lone" query labels; they are
/// still classified by k-NN.
pub fn retrieval(points: &Points<'_>, k: usize, distance: Distance) -> Retrieval {
    let n = points.len();
    let classes = points.classes();
    let d = points.dim();
    // One flat buffer: the inner loop below is the hot path (m² distances).
    let flat: Vec<f64> = points
        .rows()
        .flat_map(|r| prepare(r.iter().map(|&v| v as f64).collect(), distance))
        .collect();
    let labels = points.labels();
    let mut counts = vec![0usize; classes];
    for &l in labels {
        if let Some(c) = counts.get_mut(l as usize) {
            *c += 1;
        }
    }
    let mut preds = Vec::with_capacity(n);
    let mut truth = Vec::with_capacity(n);
    let mut queries = 0usize;
    let mut p1_sum = 0.0;
    let mut map_sum = 0.0;
    // Each reference as one integer key `distance bits · 2⁶⁴ + index · 2⁸ + label`: a
    // non-negative f64's bits order like its value, so integer order is (distance, index)
    // order, and the selection below compares plain integers (the hot path: m² keys).
    let key = |dist: f64, j: usize, l: u8| {
        let dist = if dist > 0.0 { dist } else { 0.0 };
        (u128::from(dist.to_bits()) << 64) | ((j as u128) << 8) | u128::from(l)
    };
    let label = |key: &u128| (*key & 0xff) as u8;
    let mut ranked: Vec<u128> = Vec::with_capacity(n);
    let mut votes = vec![0usize; classes];
    let mut relevant = Vec::with_capacity(n);
    for (i, (x, &y)) in flat.chunks_exact(d).zip(labels).enumerate() {
        ranked.clear();
        for (j, (z, &l)) in flat.chunks_exact(d).zip(labels).enumerate() {
            if j != i {
                ranked.push(key(rank_distance(x, z, distance), j, l));
            }
        }
        if ranked.is_empty() {
            continue;
        }
        let r = counts
            .get(y as usize)
            .copied()
            .unwrap_or(1)
            .saturating_sub(1);
        let t = r.max(k).min(ranked.len());
        if t < ranked.len() {
            ranked.select_nth_unstable(t);
            ranked.truncate(t);
        }
        ranked.sort_unstable();

        votes.iter_mut().for_each(|v| *v = 0);
        for l in ranked.iter().take(k).map(label) {
            if let Some(v) = votes.get_mut(l as usize) {
                *v += 1;
            }
        }
        let top = votes.iter().copied().max().unwrap_or(0);
        let pred = ranked
            .iter()
            .take(k)
            .map(label)
            .find(|&l| votes.get(l as usize) == Some(&top))
            .unwrap_or(0);
        preds.push(pred);
        truth.push(y);

        if r >= 1 {
            queries += 1;
            relevant.clear();
            relevant.extend(ranked.iter().map(|k| label(k) == y));
            p1_sum += f64::from(u8::from(relevant.first() == Some(&true)));
            map_sum += average_precision_at_r(&relevant, r).unwrap_or(0.0);
        }
    }
    let mean = |s: f64| (queries > 0).then(|| s / queries as f64).and_then(finite);
    Retrieval {
        distance,
        points: n,
        k,
        knn: classification(&truth, &preds, classes),
        queries,
        precision_at_1: mean(p1_sum),
        map_at_r: mean(map_sum),
    }
}

/// k-NN accuracy (leave-one-out) of [`retrieval`].
pub fn knn_accuracy(points: &Points<'_>, k: usize, distance: Distance) -> Option<f64> {
    retrieval(points, k, distance).knn.accuracy
}

/// Precision@1 of [`retrieval`].
pub fn precision_at_1(points: &Points<'_>, distance: Distance) -> Option<f64> {
    retrieval(points, 1, distance).precision_at_1
}

/// MAP@R of [`retrieval`].
pub fn map_at_r(points: &Points<'_>, distance: Distance) -> Option<f64> {
    retrieval(points, 1, distance).map_at_r
}

/// Euclidean distance in `f64`.
fn dist(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = x as f64 - y as f64;
            d * d
        })
        .sum::<f64>()
        .sqrt()
}

/// Mean silhouette of the classes (Rousseeuw 1987), Euclidean, on all `points` (`O(n²·d)`:
/// subsample first, as [`EmbeddingMetrics::compute`] does).
///
/// ```text
/// a(i) = (1/(|C_{yᵢ}| − 1)) Σ_{j ∈ C_{yᵢ}, j ≠ i} d(i, j)
/// b(i) = min_{c ≠ yᵢ, C_c ≠ ∅} (1/|C_c|) Σ_{j ∈ C_c} d(i, j)
/// s(i) = (b(i) − a(i)) / max(a(i), b(i))     s(i) = 0 when |C_{yᵢ}| = 1 or max(a, b) = 0
/// S    = (1/n) Σᵢ s(i)
/// ```
/// The singleton and zero conventions are Rousseeuw's and scikit-learn's. `None` with fewer
/// than two non-empty classes.
pub fn silhouette(points: &Points<'_>) -> Option<f64> {
    let classes = points.classes();
    let mut counts = vec![0usize; classes];
    for &l in points.labels() {
        if let Some(c) = counts.get_mut(l as usize) {
            *c += 1;
        }
    }
    if counts.iter().filter(|&&c| c > 0).count() < 2 {
        return None;
    }
    let rows: Vec<&[f32]> = points.rows().collect();
    let mut sums = vec![0.0f64; classes];
    let mut total = 0.0;
    for (x, &y) in rows.iter().zip(points.labels()) {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for (z, &l) in rows.iter().zip(points.labels()) {
            if let Some(s) = sums.get_mut(l as usize) {
                *s += dist(x, z);
            }
        }
        let own = counts.get(y as usize).copied().unwrap_or(0);
        if own <= 1 {
            continue;
        }
        let a = sums.get(y as usize).copied().unwrap_or(0.0) / (own - 1) as f64;
        let b = sums
            .iter()
            .zip(&counts)
            .enumerate()
            .filter(|&(c, (_, &n))| c != y as usize && n > 0)
            .map(|(_, (s, &n))| s / n as f64)
            .fold(f64::INFINITY, f64::min);
        let m = a.max(b);
        if m > 0.0 {
            total += (b - a) / m;
        }
    }
    finite(total / points.len() as f64)
}

/// Pairs of non-empty class means.
fn mean_pairs(means: &[Option<Vec<f64>>]) -> Vec<(&[f64], &[f64])> {
    let present: Vec<&[f64]> = means.iter().flatten().map(Vec::as_slice).collect();
    let mut pairs = Vec::new();
    for (a, pa) in present.iter().enumerate() {
        for pb in present.iter().skip(a + 1) {
            pairs.push((*pa, *pb));
        }
    }
    pairs
}

/// Intra-class spread against inter-class distance (Euclidean, class means `μ_c` of
/// [`class_means`]):
///
/// ```text
/// S     = sqrt((1/N) Σᵢ ‖xᵢ − μ_{yᵢ}‖²)               pooled RMS distance to the own class mean
/// D     = (1/#pairs) Σ_{a<b} ‖μ_a − μ_b‖               over pairs of non-empty classes
/// D_min = min_{a<b} ‖μ_a − μ_b‖
/// ratio = S / D                                        (None when D = 0 or fewer than 2 classes)
/// ```
pub fn spread(points: &Points<'_>) -> Spread {
    let means = class_means(points, 0);
    let mut sq = 0.0;
    for (row, &l) in points.rows().zip(points.labels()) {
        if let Some(Some(m)) = means.get(l as usize) {
            sq += row
                .iter()
                .zip(m)
                .map(|(&x, &c)| (x as f64 - c) * (x as f64 - c))
                .sum::<f64>();
        }
    }
    let intra = (!points.is_empty())
        .then(|| (sq / points.len() as f64).sqrt())
        .and_then(finite);
    let dists: Vec<f64> = mean_pairs(&means)
        .into_iter()
        .map(|(a, b)| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y) * (x - y))
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let inter = (!dists.is_empty())
        .then(|| dists.iter().sum::<f64>() / dists.len() as f64)
        .and_then(finite);
    let inter_min = dists.iter().copied().reduce(f64::min).and_then(finite);
    Spread {
        intra_class_rms: intra,
        inter_class_mean: inter,
        inter_class_min: inter_min,
        ratio: match (intra, inter) {
            (Some(s), Some(d)) if d > 0.0 => finite(s / d),
            _ => None,
        },
    }
}

/// The angle between two vectors in degrees, `None` if either is zero. Kahan's formula
/// `2·atan2(‖x̂ − ŷ‖, ‖x̂ + ŷ‖)`, accurate near 0° and 180° (unlike `acos` of the cosine).
pub fn angle_deg(x: &[f64], y: &[f64]) -> Option<f64> {
    let nx = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let ny = y.iter().map(|v| v * v).sum::<f64>().sqrt();
    if !(nx > 0.0 && ny > 0.0) {
        return None;
    }
    let (mut diff, mut sum) = (0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (a, b) = (a / nx, b / ny);
        diff += (a - b) * (a - b);
        sum += (a + b) * (a + b);
    }
    finite(2.0 * diff.sqrt().atan2(sum.sqrt()).to_degrees())
}

/// Angles seen from the origin (what angular-margin losses shape), in degrees, with the class
/// means `μ_c` of [`class_means`]:
///
/// ```text
/// mean intra-class angle = (1/N') Σᵢ ∠(xᵢ, μ_{yᵢ})        over the N' points with xᵢ ≠ 0, μ_{yᵢ} ≠ 0
/// min inter-class angle  = min_{a<b} ∠(μ_a, μ_b)            over pairs of non-empty, non-zero means
/// ∠(x, y) = arccos(x·y / (‖x‖ ‖y‖))
/// ```
pub fn angles(points: &Points<'_>) -> Angles {
    let means = class_means(points, 0);
    let (mut sum, mut count) = (0.0, 0usize);
    for (row, &l) in points.rows().zip(points.labels()) {
        if let Some(Some(m)) = means.get(l as usize) {
            let x: Vec<f64> = row.iter().map(|&v| v as f64).collect();
            if let Some(a) = angle_deg(&x, m) {
                sum += a;
                count += 1;
            }
        }
    }
    Angles {
        mean_intra_class_deg: (count > 0).then(|| sum / count as f64).and_then(finite),
        min_inter_class_deg: mean_pairs(&means)
            .into_iter()
            .filter_map(|(a, b)| angle_deg(a, b))
            .reduce(f64::min),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsample_is_seeded_sorted_and_distinct() {
        assert_eq!(subsample(5, 10, 1), vec![0, 1, 2, 3, 4]);
        let a = subsample(1000, 100, 7);
        assert_eq!(a, subsample(1000, 100, 7));
        assert_ne!(a, subsample(1000, 100, 8));
        assert_eq!(a.len(), 100);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(a.iter().all(|&i| i < 1000));
    }

    #[test]
    fn average_precision_at_r_follows_the_definition() {
        // R = 3, ranking [hit, miss, hit]: (1/3)(1/1 + 0 + 2/3) = 5/9; R-precision would be 2/3.
        let ap = average_precision_at_r(&[true, false, true, true], 3).unwrap();
        assert!((ap - 5.0 / 9.0).abs() < 1e-15);
        // A perfect ranking gives 1, a ranking with the hits beyond R gives 0.
        assert_eq!(average_precision_at_r(&[true, true], 2), Some(1.0));
        assert_eq!(average_precision_at_r(&[false, false, true], 2), Some(0.0));
        assert_eq!(average_precision_at_r(&[true], 0), None);
    }

    #[test]
    fn config_validation_names_the_field() {
        assert!(MetricsConfig::default().validate().is_ok());
        let bad = MetricsConfig {
            k: 0,
            ..MetricsConfig::default()
        };
        assert!(matches!(bad.validate(), Err(MetricsError::Config(m)) if m.contains("k = 0")));
        let bad = MetricsConfig {
            retrieval_sample: MAX_PAIRWISE_POINTS + 1,
            ..MetricsConfig::default()
        };
        assert!(
            matches!(bad.validate(), Err(MetricsError::Config(m)) if m.contains("retrieval_sample"))
        );
    }

    #[test]
    fn angles_are_accurate_near_zero() {
        assert!((angle_deg(&[1.0, 0.0], &[0.0, 2.0]).unwrap() - 90.0).abs() < 1e-12);
        assert!((angle_deg(&[1.0, 0.0], &[-1.0, 0.0]).unwrap() - 180.0).abs() < 1e-12);
        // 1e-9 rad: acos(cos) would round to 0.
        let t: f64 = 1e-9;
        let a = angle_deg(&[1.0, 0.0], &[t.cos(), t.sin()]).unwrap();
        assert!((a - t.to_degrees()).abs() < 1e-15);
        assert_eq!(angle_deg(&[0.0, 0.0], &[1.0, 0.0]), None);
    }
}
