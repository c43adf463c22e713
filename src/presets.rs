//! The paper's comparisons as named presets.
//!
//! Scholl (arXiv 2408.01767) compares embedded spaces by changing one thing at a time: the
//! penultimate activation, the classifier bias, weight and feature normalisation, the angular
//! margin, the center-loss weight, the metric loss, and regression targets. Each
//! [`Comparison`] here is one such experiment; each [`Preset`] one of its runs: a complete
//! [`TrainConfig`] with a title, a caption saying what it shows, and what to look for in the plot.
//! The page lists them in its preset picker and gallery; share links name them by [`Preset::id`].
//!
//! Every preset starts from its loss's known-good preset ([`LossConfig::preset`]: parameters
//! and learning rate), trains one epoch of MNIST with seed 1, and changes only the setting its
//! comparison is about, so the runs of one comparison differ in exactly one place.

use crate::loss::LossConfig;
use crate::model::Activation;
use crate::train::TrainConfig;

/// One run of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// Stable id, used in links: `<comparison>-<variant>`.
    pub id: &'static str,
    /// Short title for pickers and legends.
    pub title: &'static str,
    /// One sentence: what this run is.
    pub caption: &'static str,
    /// One sentence: what to look for in the embedding.
    pub look_for: &'static str,
    /// The run's complete settings.
    pub config: TrainConfig,
}

/// A group of presets that differ in one setting.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Stable id.
    pub id: &'static str,
    /// Title, e.g. "Penultimate activation".
    pub title: &'static str,
    /// The setting its presets differ in (the [`TrainConfig`] field or loss parameter).
    pub varies: &'static str,
    /// Its runs, in the order they are drawn side by side.
    pub presets: Vec<Preset>,
}

/// The MNIST, 2-D, one-epoch run of loss `id` with its known-good parameters and rate.
fn base(loss_id: &str, dim: usize) -> TrainConfig {
    let (loss, lr) = LossConfig::preset(loss_id).unwrap_or_default();
    TrainConfig {
        dim,
        loss,
        lr,
        ..TrainConfig::default()
    }
}

/// `base` with one loss parameter changed (the names are the serde names of the loss's schema).
fn with_param(mut c: TrainConfig, name: &str, value: serde_json::Value) -> TrainConfig {
    if let Ok(l) = c.loss.with_param(name, value) {
        c.loss = l;
    }
    c
}

/// Every comparison of the paper, in the order of the guided tour.
pub fn comparisons() -> Vec<Comparison> {
    use serde_json::json;
    let act = |a: Activation| TrainConfig {
        activation: a,
        ..base("softmax", 2)
    };
    vec![
        Comparison {
            id: "activation",
            title: "Penultimate activation",
            varies: "activation",
            presets: vec![
                Preset {
                    id: "activation-linear",
                    title: "Linear embedding",
                    caption: "Softmax on a 2-D embedding layer with no activation, as in the paper's baseline.",
                    look_for: "Classes fan out as long rays from the origin: softmax rewards growing the norm, not tightening the cluster.",
                    config: act(Activation::Linear),
                },
                Preset {
                    id: "activation-relu",
                    title: "ReLU embedding",
                    caption: "The same network with a ReLU on the embedding, so every coordinate is non-negative.",
                    look_for: "All ten classes must share one quadrant; several crowd onto the axes, where one coordinate is cut to zero.",
                    config: act(Activation::Relu),
                },
                Preset {
                    id: "activation-sigmoid",
                    title: "Sigmoid embedding",
                    caption: "A sigmoid bounds every coordinate to (0, 1), so the norm can no longer grow.",
                    look_for: "Classes settle in the corners and along the edges of the unit square, and training is slower to separate them.",
                    config: act(Activation::Sigmoid),
                },
            ],
        },
        Comparison {
            id: "bias",
            title: "Classifier bias",
            varies: "bias",
            presets: vec![
                Preset {
                    id: "bias-on",
                    title: "Softmax with bias",
                    caption: "The usual linear classifier, logits W·z + b.",
                    look_for: "Decision boundaries need not pass through the origin, so a class may sit off-centre near it.",
                    config: with_param(base("softmax", 2), "bias", json!(true)),
                },
                Preset {
                    id: "bias-off",
                    title: "Softmax without bias",
                    caption: "Logits W·z only, so every boundary between two classes passes through the origin.",
                    look_for: "Classes are told apart by angle alone: clean wedges around the class directions, with the ambiguous images near the origin.",
                    config: with_param(base("softmax", 2), "bias", json!(false)),
                },
            ],
        },
        Comparison {
            id: "normalization",
            title: "Weight and feature normalisation",
            varies: "normalize_weights / normalize_features",
            presets: vec![
                Preset {
                    id: "normalization-none",
                    title: "Plain softmax",
                    caption: "Neither the class weights nor the embeddings are normalised (softmax without bias).",
                    look_for: "Both the angle and the length of an embedding matter; classes stretch outwards as training goes on.",
                    config: with_param(base("softmax", 2), "bias", json!(false)),
                },
                Preset {
                    id: "normalization-weights",
                    title: "Normalised weights",
                    caption: "Class weights are scaled to unit length; the embedding keeps its norm (NormFace, weights only).",
                    look_for: "The class rays become evenly spread, but the features still drift outwards along them.",
                    config: with_param(base("normface", 2), "normalize_features", json!(false)),
                },
                Preset {
                    id: "normalization-both",
                    title: "Normalised weights and features",
                    caption: "Cosine logits s·cos θ: both the weights and the embeddings are projected to the unit circle (NormFace).",
                    look_for: "Only the angle is left: classes become arcs on the unit circle, one per class direction.",
                    config: base("normface", 2),
                },
            ],
        },
        Comparison {
            id: "margin",
            title: "Angular margins",
            varies: "loss",
            presets: vec![
                Preset {
                    id: "margin-sphereface",
                    title: "SphereFace",
                    caption: "Multiplicative angular margin ψ(θ) = (−1)^k cos(mθ) − 2k, annealed in from plain softmax.",
                    look_for: "Narrow clusters along the class directions with wide empty gaps between them.",
                    config: base("sphereface", 2),
                },
                Preset {
                    id: "margin-cosface",
                    title: "CosFace",
                    caption: "Additive cosine margin: the target logit is s·(cos θ − m).",
                    look_for: "Each class must beat the others by a fixed cosine gap, so arcs on the circle shrink away from the boundaries.",
                    config: base("cosface", 2),
                },
                Preset {
                    id: "margin-arcface",
                    title: "ArcFace",
                    caption: "Additive angular margin: the target logit is s·cos(θ + m).",
                    look_for: "Like CosFace, but the gap is a constant angle, drawn as a wedge around each class direction.",
                    config: base("arcface", 2),
                },
            ],
        },
        Comparison {
            id: "center",
            title: "Center loss weight",
            varies: "lambda",
            presets: vec![
                Preset {
                    id: "center-0",
                    title: "λ = 0 (softmax only)",
                    caption: "The center-loss network with its center term switched off.",
                    look_for: "The softmax rays of the baseline; the centers are tracked but do not pull.",
                    config: with_param(base("center", 2), "lambda", json!(0.0)),
                },
                Preset {
                    id: "center-0.01",
                    title: "λ = 0.01",
                    caption: "Softmax plus a weak pull of each embedding towards its class center.",
                    look_for: "The rays thicken into elongated blobs around their centers.",
                    config: with_param(base("center", 2), "lambda", json!(0.01)),
                },
                Preset {
                    id: "center-0.1",
                    title: "λ = 0.1",
                    caption: "The default weight of the center term.",
                    look_for: "Compact round clusters around the centers, drawn as diamonds.",
                    config: with_param(base("center", 2), "lambda", json!(0.1)),
                },
                Preset {
                    id: "center-1",
                    title: "λ = 1",
                    caption: "A strong center term against the same softmax.",
                    look_for: "Very tight clusters that crowd towards the origin; the softmax term has to keep them apart.",
                    config: with_param(base("center", 2), "lambda", json!(1.0)),
                },
            ],
        },
        Comparison {
            id: "metric",
            title: "Contrastive vs triplet",
            varies: "loss",
            presets: vec![
                Preset {
                    id: "metric-contrastive",
                    title: "Contrastive",
                    caption: "Pairs: same-class embeddings are pulled together, different-class ones pushed beyond a margin.",
                    look_for: "Clusters stop moving apart once they are a margin away; there is no head, so classification is by nearest class mean.",
                    config: base("contrastive", 2),
                },
                Preset {
                    id: "metric-triplet",
                    title: "Triplet (semihard)",
                    caption: "Triplets: an anchor must be closer to a positive than to a negative by a margin.",
                    look_for: "Only relative distances matter, so the whole picture may drift and rotate while the clusters keep their gaps.",
                    config: base("triplet", 2),
                },
            ],
        },
        Comparison {
            id: "regression",
            title: "Regression to fixed targets",
            varies: "dim",
            presets: vec![
                Preset {
                    id: "regression-circle",
                    title: "Targets on a circle",
                    caption: "Each class regresses onto a fixed point evenly spaced on a circle of radius 4 (2-D).",
                    look_for: "Nothing about the layout is learned: the clusters form exactly where the targets (diamonds) sit.",
                    config: base("regression", 2),
                },
                Preset {
                    id: "regression-sphere",
                    title: "Targets on a sphere",
                    caption: "The same in 3-D, with the targets spread over a sphere of radius 4.",
                    look_for: "Ten clusters on the sphere, as far apart as the targets are; rotate the view to see them all.",
                    config: base("regression", 3),
                },
            ],
        },
    ]
}

/// The preset with this id.
pub fn preset(id: &str) -> Option<Preset> {
    comparisons()
        .into_iter()
        .flat_map(|c| c.presets)
        .find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_preset_is_valid_and_unique() {
        let mut ids = HashSet::new();
        for c in comparisons() {
            assert!(c.presets.len() >= 2, "{} has one run", c.id);
            for p in &c.presets {
                assert!(ids.insert(p.id), "duplicate id {}", p.id);
                assert!(p.id.starts_with(c.id), "{} not under {}", p.id, c.id);
                p.config
                    .validate()
                    .unwrap_or_else(|e| panic!("{}: {e}", p.id));
                assert!(p.caption.ends_with('.') && p.look_for.ends_with('.'));
                assert_eq!(preset(p.id).as_ref(), Some(p));
            }
        }
        assert_eq!(preset("no-such"), None);
    }

    /// The runs of a comparison differ in the one setting it names, and nowhere else.
    #[test]
    fn runs_of_a_comparison_differ_in_one_place() {
        for c in comparisons() {
            let first = &c.presets[0].config;
            for p in &c.presets[1..] {
                assert_ne!(&p.config, first, "{} repeats {}", p.id, c.presets[0].id);
                let (a, b) = (&p.config, first);
                let same_outside_loss = TrainConfig {
                    loss: b.loss.clone(),
                    lr: b.lr,
                    ..a.clone()
                };
                match c.varies {
                    "activation" => assert_eq!(
                        TrainConfig {
                            activation: b.activation,
                            ..a.clone()
                        },
                        *b
                    ),
                    "dim" => assert_eq!(
                        TrainConfig {
                            dim: b.dim,
                            ..a.clone()
                        },
                        *b
                    ),
                    // Loss-side comparisons: everything but the loss (and its rate) is equal.
                    _ => assert_eq!(same_outside_loss, *b, "{}", p.id),
                }
            }
        }
    }

    #[test]
    fn parameter_overrides_took_effect() {
        let lambda = |id| preset(id).and_then(|p| p.config.loss.param("lambda"));
        assert_eq!(lambda("center-1"), Some(serde_json::json!(1.0)));
        assert_eq!(lambda("center-0.01"), Some(serde_json::json!(0.01)));
        let bias = preset("bias-off").and_then(|p| p.config.loss.param("bias"));
        assert_eq!(bias, Some(serde_json::json!(false)));
        let nf =
            preset("normalization-weights").and_then(|p| p.config.loss.param("normalize_features"));
        assert_eq!(nf, Some(serde_json::json!(false)));
    }
}
