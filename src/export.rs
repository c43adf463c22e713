//! What a run exports, as plain strings and structs (no DOM): the embeddings as CSV, the run
//! as JSON (configuration, metrics, fingerprint, link), the caption under exported plots, and
//! the metrics of a live embedding with the loss's prototypes.

use serde::Serialize;

use crate::metrics::{
    Distance, EmbeddingMetrics, MetricsConfig, MetricsError, Points, fingerprint,
};
use crate::train::{Embedding, TrainConfig};

/// Test-subset coordinates hashed into [`RunExport::fingerprint`] (the first 200 points of a
/// 2-D embedding).
pub const FINGERPRINT_VALUES: usize = 400;

/// The metrics settings of the live panel: a smaller retrieval and silhouette budget than
/// [`MetricsConfig::default`] (about four times cheaper), so one computation stays short in the
/// browser.
pub fn live_metrics_config() -> MetricsConfig {
    MetricsConfig {
        retrieval_sample: 1_000,
        silhouette_sample: 500,
        ..MetricsConfig::default()
    }
}

/// The prototypes the nearest-prototype classifier uses for `emb`, with their distance: the
/// loss's centers, targets or prototypes (Euclidean), else the normalised class directions of
/// a cosine head (cosine), else none (the class means are scored anyway).
pub fn prototypes(emb: &Embedding) -> Option<(&[f32], Distance)> {
    let g = emb.geometry.as_ref()?;
    if g.dim != emb.dim {
        return None;
    }
    if let Some(p) = g
        .centers
        .as_ref()
        .or(g.targets.as_ref())
        .or(g.prototypes.as_ref())
    {
        return Some((p, Distance::Euclidean));
    }
    match &g.weights {
        Some(w) if g.normalized_weights => Some((w, Distance::Cosine)),
        _ => None,
    }
}

/// [`EmbeddingMetrics::compute`] on `emb` with the head's predictions and [`prototypes`].
///
/// # Errors
/// What [`EmbeddingMetrics::compute`] refuses (an invalid configuration, ragged input).
pub fn embedding_metrics(
    emb: &Embedding,
    config: &MetricsConfig,
) -> Result<EmbeddingMetrics, MetricsError> {
    let points = Points::new(emb.dim, &emb.points, &emb.labels)?;
    let protos = prototypes(emb);
    let config = MetricsConfig {
        prototype_distance: protos.map(|(_, d)| d).unwrap_or(config.prototype_distance),
        ..config.clone()
    };
    let preds = (emb.predictions.len() == emb.len()).then_some(&emb.predictions[..]);
    EmbeddingMetrics::compute(&points, &config, protos.map(|(p, _)| p), preds)
}

/// The embedding as CSV: a header `x,y[,z],label,prediction`, then one line per point.
pub fn embeddings_csv(emb: &Embedding) -> String {
    let axes = ["x", "y", "z"];
    let d = emb.dim.max(1);
    let mut out = String::with_capacity(emb.len() * (12 * d + 8) + 32);
    for a in axes.iter().take(d) {
        out.push_str(a);
        out.push(',');
    }
    out.push_str("label,prediction\n");
    for (i, row) in emb.points.chunks_exact(d).enumerate() {
        for v in row {
            out.push_str(&v.to_string());
            out.push(',');
        }
        let label = emb.labels.get(i).copied().unwrap_or_default();
        out.push_str(&label.to_string());
        out.push(',');
        if let Some(p) = emb.predictions.get(i) {
            out.push_str(&p.to_string());
        }
        out.push('\n');
    }
    out
}

/// A run, as exported to JSON.
#[derive(Debug, Clone, Serialize)]
pub struct RunExport<'a> {
    /// Format id, `embedding-playground/run/v1`.
    pub format: &'static str,
    /// The run's configuration (as in share links and `lab`).
    pub config: &'a TrainConfig,
    /// Steps trained when the embedding was taken.
    pub step: usize,
    /// Points of the test subset.
    pub points: usize,
    /// The head's accuracy on the test subset.
    pub test_subset_accuracy: f64,
    /// [`fingerprint`] of that accuracy and the first [`FINGERPRINT_VALUES`] coordinates.
    pub fingerprint: String,
    /// The coordinates hashed into the fingerprint (for comparing with a tolerance).
    pub fingerprint_values: &'a [f32],
    /// Embedding metrics, when computed.
    pub metrics: Option<&'a EmbeddingMetrics>,
    /// The page's address (a share link of the run).
    pub link: &'a str,
}

impl<'a> RunExport<'a> {
    /// The export of `emb` trained with `config`.
    pub fn new(
        config: &'a TrainConfig,
        emb: &'a Embedding,
        metrics: Option<&'a EmbeddingMetrics>,
        link: &'a str,
    ) -> Self {
        let n = FINGERPRINT_VALUES.min(emb.points.len());
        let acc = emb.accuracy();
        Self {
            format: "embedding-playground/run/v1",
            config,
            step: emb.step,
            points: emb.len(),
            test_subset_accuracy: acc,
            fingerprint: fingerprint(acc, &emb.points, n),
            fingerprint_values: &emb.points[..n],
            metrics,
            link,
        }
    }

    /// Pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// The caption under an exported plot: loss and its parameters, dimension, epochs, accuracy,
/// seed, and the link, on two lines (`<br>`-separated, as plotly annotations take).
pub fn caption(config: &TrainConfig, emb: &Embedding, epochs_done: f64, link: &str) -> String {
    let params = config.loss.params();
    let params = match params.as_object() {
        Some(m) if !m.is_empty() => {
            let kv: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(" ({})", kv.join(", "))
        }
        _ => String::new(),
    };
    format!(
        "{}{params} · d={} · {} · step {} ({epochs_done:.2} of {} epochs) · test-subset accuracy {:.1} % · seed {} · lr {}<br>{link}",
        config.loss.id(),
        config.dim,
        config.dataset.title(),
        emb.step,
        config.epochs,
        emb.accuracy() * 100.0,
        config.seed,
        config.lr,
    )
}

/// A file name stem for the run's exports: `embedding-<loss>-d<dim>-seed<seed>-step<step>`.
pub fn file_stem(config: &TrainConfig, step: usize) -> String {
    format!(
        "embedding-{}-d{}-seed{}-step{step}",
        config.loss.id(),
        config.dim,
        config.seed
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::Geometry;

    fn emb(dim: usize) -> Embedding {
        Embedding {
            step: 40,
            dim,
            points: (0..4 * dim).map(|i| i as f32 * 0.5).collect(),
            labels: vec![0, 1, 0, 1],
            predictions: vec![0, 1, 1, 1],
            geometry: None,
        }
    }

    #[test]
    fn csv_has_one_line_per_point_and_named_columns() {
        let csv = embeddings_csv(&emb(2));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "x,y,label,prediction");
        assert_eq!(lines[1], "0,0.5,0,0");
        assert_eq!(lines[3], "2,2.5,0,1");
        assert_eq!(lines.len(), 5);
        let csv = embeddings_csv(&emb(3));
        assert!(
            csv.starts_with("x,y,z,label,prediction\n0,0.5,1,0,0\n"),
            "{csv}"
        );
    }

    #[test]
    fn json_carries_config_metrics_fingerprint_and_link() {
        let e = emb(2);
        let c = TrainConfig::default();
        let m = embedding_metrics(&e, &live_metrics_config()).unwrap();
        let j = RunExport::new(&c, &e, Some(&m), "http://x/?v=1&d=2").to_json();
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(v["config"], serde_json::to_value(&c).unwrap());
        assert_eq!(v["step"], 40);
        assert_eq!(v["test_subset_accuracy"], 0.75);
        assert_eq!(v["metrics"]["head"]["accuracy"], 0.75);
        assert_eq!(v["link"], "http://x/?v=1&d=2");
        assert_eq!(
            v["fingerprint"].as_str().unwrap(),
            fingerprint(0.75, &e.points, 8)
        );
        let back: TrainConfig = serde_json::from_value(v["config"].clone()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn caption_names_loss_dim_epochs_accuracy_seed_and_link() {
        let c = TrainConfig::default();
        let s = caption(&c, &emb(2), 0.25, "http://x/?v=1");
        for part in [
            "softmax",
            "d=2",
            "step 40",
            "0.25 of 1 epochs",
            "75.0 %",
            "seed 1",
            "http://x/?v=1",
        ] {
            assert!(s.contains(part), "{part} missing from {s}");
        }
    }

    #[test]
    fn prototypes_come_from_the_geometry() {
        let mut e = emb(2);
        assert!(prototypes(&e).is_none());
        e.geometry = Some(Geometry {
            dim: 2,
            classes: 2,
            centers: Some(vec![0.0, 0.0, 3.0, 3.0]),
            ..Geometry::default()
        });
        let (p, d) = prototypes(&e).unwrap();
        assert_eq!((p.len(), d), (4, Distance::Euclidean));
        let m = embedding_metrics(&e, &live_metrics_config()).unwrap();
        assert!(m.nearest_prototype.is_some());
        e.geometry = Some(Geometry {
            dim: 2,
            classes: 2,
            weights: Some(vec![1.0, 0.0, 0.0, 1.0]),
            normalized_weights: true,
            ..Geometry::default()
        });
        assert_eq!(prototypes(&e).unwrap().1, Distance::Cosine);
    }
}
