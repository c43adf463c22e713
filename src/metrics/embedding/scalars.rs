//! How the scalar metrics ([`EmbeddingMetrics::scalars`]) are named for a reader and printed:
//! one table for every page that shows them (the metrics panel, the side-by-side table).

use super::EmbeddingMetrics;

/// How a scalar metric is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A fraction, shown as a percentage with one decimal.
    Percent,
    /// Degrees, one decimal.
    Degrees,
    /// Three decimals.
    Plain,
    /// A whole number.
    Count,
}

impl Unit {
    /// `v` printed in this unit; an undefined metric (`None`) is an en dash.
    pub fn format(self, v: Option<f64>) -> String {
        match v {
            None => "–".into(),
            Some(v) => match self {
                Self::Percent => format!("{:.1} %", v * 100.0),
                Self::Degrees => format!("{v:.1}°"),
                Self::Plain => format!("{v:.3}"),
                Self::Count => format!("{v:.0}"),
            },
        }
    }
}

/// A scalar metric as a reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScalarInfo {
    /// Its name in [`EmbeddingMetrics::scalars`] (and the CSV header).
    pub name: &'static str,
    /// A label for a table row.
    pub label: &'static str,
    /// A short label for a table column.
    pub short: &'static str,
    /// How its value is printed.
    pub unit: Unit,
}

const fn info(
    name: &'static str,
    label: &'static str,
    short: &'static str,
    unit: Unit,
) -> ScalarInfo {
    ScalarInfo {
        name,
        label,
        short,
        unit,
    }
}

/// Every scalar metric, in the order of [`EmbeddingMetrics::scalars`].
pub const SCALARS: [ScalarInfo; 19] = [
    info("points", "Points", "Points", Unit::Count),
    info(
        "nonfinite_points",
        "Non-finite points (left out)",
        "Non-finite",
        Unit::Count,
    ),
    info("head_accuracy", "Head accuracy", "Head acc.", Unit::Percent),
    info(
        "nearest_prototype_accuracy",
        "Nearest-prototype accuracy",
        "Prototype acc.",
        Unit::Percent,
    ),
    info(
        "nearest_class_mean_accuracy",
        "Nearest-class-mean accuracy",
        "Class-mean acc.",
        Unit::Percent,
    ),
    info(
        "knn_accuracy_euclidean",
        "k-NN accuracy (k=5)",
        "k-NN acc.",
        Unit::Percent,
    ),
    info(
        "knn_accuracy_cosine",
        "k-NN accuracy, cosine",
        "k-NN acc., cos.",
        Unit::Percent,
    ),
    info(
        "precision_at_1_euclidean",
        "Precision@1",
        "P@1",
        Unit::Percent,
    ),
    info(
        "precision_at_1_cosine",
        "Precision@1, cosine",
        "P@1, cos.",
        Unit::Percent,
    ),
    info("map_at_r_euclidean", "MAP@R", "MAP@R", Unit::Percent),
    info(
        "map_at_r_cosine",
        "MAP@R, cosine",
        "MAP@R, cos.",
        Unit::Percent,
    ),
    info("intra_class_rms", "Intra-class spread S", "S", Unit::Plain),
    info(
        "inter_class_mean_distance",
        "Inter-class distance D",
        "D",
        Unit::Plain,
    ),
    info(
        "inter_class_min_distance",
        "Minimum inter-class distance",
        "Min D",
        Unit::Plain,
    ),
    info("spread_ratio", "Intra/inter ratio S/D", "S/D", Unit::Plain),
    info("silhouette", "Silhouette", "Silhouette", Unit::Plain),
    info(
        "mean_intra_class_angle_deg",
        "Mean intra-class angle",
        "Intra angle",
        Unit::Degrees,
    ),
    info(
        "min_inter_class_angle_deg",
        "Min inter-class angle",
        "Min inter angle",
        Unit::Degrees,
    ),
    info("nmi_kmeans", "NMI of k-means", "NMI", Unit::Plain),
];

/// The [`ScalarInfo`] of the scalar metric `name`.
pub fn scalar_info(name: &str) -> Option<&'static ScalarInfo> {
    SCALARS.iter().find(|s| s.name == name)
}

impl EmbeddingMetrics {
    /// The value of the scalar metric `name` (`None` when undefined or unknown).
    pub fn scalar(&self, name: &str) -> Option<f64> {
        self.scalars()
            .into_iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v)
    }

    /// The scalar metric `name` printed in its unit (an en dash when undefined or unknown).
    pub fn formatted(&self, name: &str) -> String {
        match scalar_info(name) {
            Some(s) => s.unit.format(self.scalar(name)),
            None => Unit::Plain.format(None),
        }
    }
}
