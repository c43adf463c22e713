//! The live embedding-metrics panel: scalars, per-class accuracy and a confusion matrix of the
//! latest test-subset embedding ([`crate::export::embedding_metrics`]), computed by the host
//! next to the training (in the Web Worker), not on the page's thread.

use std::sync::Arc;

use leptos::prelude::*;

use super::state::Ui;
use crate::metrics::{Classification, EmbeddingMetrics, Unit, scalar_info};

/// State the metrics panel and the export bar share (provided by [`RunPanels`]).
#[derive(Clone, Copy)]
pub struct Panels {
    /// Metrics of the latest embedding scored.
    pub metrics: RwSignal<Option<Arc<EmbeddingMetrics>>>,
    /// Step of that embedding.
    pub metrics_step: RwSignal<Option<usize>>,
    /// Milliseconds the last computation took.
    pub metrics_ms: RwSignal<Option<f64>>,
}

impl Panels {
    pub(crate) fn new() -> Self {
        Self {
            metrics: RwSignal::new(None),
            metrics_step: RwSignal::new(None),
            metrics_ms: RwSignal::new(None),
        }
    }
}

/// The rows of the scalar table, by name in [`EmbeddingMetrics::scalars`] (labels and units:
/// [`crate::metrics::SCALARS`]).
pub const ROWS: [&str; 17] = [
    "head_accuracy",
    "nearest_prototype_accuracy",
    "nearest_class_mean_accuracy",
    "knn_accuracy_euclidean",
    "knn_accuracy_cosine",
    "precision_at_1_euclidean",
    "precision_at_1_cosine",
    "map_at_r_euclidean",
    "map_at_r_cosine",
    "intra_class_rms",
    "inter_class_mean_distance",
    "spread_ratio",
    "silhouette",
    "mean_intra_class_angle_deg",
    "min_inter_class_angle_deg",
    "nmi_kmeans",
    "points",
];

/// The metrics panel and the export bar, sharing one [`Panels`] context.
#[component]
pub fn RunPanels() -> impl IntoView {
    provide_context(expect_context::<Ui>().panels);
    view! {
        <super::export::ExportBar />
        <MetricsPanel />
    }
}

/// Shows the numbers of the latest embedding scored (by the host, next to the training:
/// [`crate::train::Host`], throttled there).
#[component]
pub fn MetricsPanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let panels = ui.panels;
    let names = move || ui.class_names.get();
    let body = move || {
        let m = panels.metrics.get()?;
        let names = names();
        Some(view! {
            <p class="metrics-meta" data-testid="metrics-meta">
                "Step " {panels.metrics_step.get()} " · " {m.points} " points · "
                {m.classes} " classes · computed in "
                <span data-testid="metrics-ms">{panels.metrics_ms.get().map(|ms| format!("{ms:.0}"))}</span>
                " ms"
            </p>
            {scalar_table(&m)}
            {class_table(&m, &names)}
            {m.head.as_ref().map(|h| confusion_table(h, &names, "Confusion matrix of the head (rows: true class, columns: predicted)"))}
        })
    };
    view! {
        <section class="metrics-panel" data-testid="metrics-panel" aria-labelledby="metrics-title">
            <h2 id="metrics-title">"Embedding metrics"</h2>
            {move || match body() {
                Some(v) => v.into_any(),
                None => view! {
                    <p class="metrics-meta" data-testid="metrics-meta">"Train a step to score the embedding."</p>
                }.into_any(),
            }}
        </section>
    }
}

fn scalar_table(m: &EmbeddingMetrics) -> impl IntoView + use<> {
    let rows = ROWS
        .iter()
        .map(|&name| {
            let label = scalar_info(name).map_or(name, |s| s.label);
            let v = m.formatted(name);
            view! {
                <tr data-testid=format!("metric-{name}")>
                    <th scope="row">{label}</th>
                    <td>{v}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="metrics" data-testid="metrics-table">
            <caption>"Test subset; k-NN, precision@1 and MAP@R leave-one-out on up to "
                {m.config.retrieval_sample} " points"</caption>
            <thead><tr><th scope="col">"Metric"</th><th scope="col">"Value"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn per_class(c: Option<&Classification>, i: usize) -> String {
    Unit::Percent.format(c.and_then(|c| c.per_class_accuracy.get(i).copied().flatten()))
}

fn class_name(names: &[String], i: usize) -> String {
    names.get(i).cloned().unwrap_or_else(|| i.to_string())
}

fn class_table(m: &EmbeddingMetrics, names: &[String]) -> impl IntoView + use<> {
    let knn = m.euclidean.as_ref().map(|r| &r.knn);
    let rows = (0..m.classes)
        .map(|i| {
            view! {
                <tr>
                    <th scope="row">{class_name(names, i)}</th>
                    <td>{m.class_counts.get(i).copied().unwrap_or(0)}</td>
                    <td>{per_class(m.head.as_ref(), i)}</td>
                    <td>{per_class(m.nearest_prototype.as_ref().or(m.nearest_class_mean.as_ref()), i)}</td>
                    <td>{per_class(knn, i)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <details class="metrics-details" open>
            <summary>"Per-class accuracy"</summary>
            <table class="metrics" data-testid="per-class-table">
                <thead><tr>
                    <th scope="col">"Class"</th><th scope="col">"Points"</th>
                    <th scope="col">"Head"</th><th scope="col">"Prototype"</th><th scope="col">"k-NN"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}

fn confusion_table(c: &Classification, names: &[String], title: &str) -> impl IntoView + use<> {
    let n = c.confusion.len();
    let max = c
        .confusion
        .iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let head = (0..n)
        .map(|j| view! { <th scope="col" title=class_name(names, j)>{j}</th> })
        .collect_view();
    let rows = c
        .confusion
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let cells = row
                .iter()
                .enumerate()
                .map(|(j, &v)| {
                    let a = (v as f64 / max * 0.85).min(0.85);
                    let hue = if i == j { "0,114,178" } else { "213,94,0" };
                    let style = format!("background: rgba({hue},{a:.2})");
                    view! { <td style=style>{v}</td> }
                })
                .collect_view();
            view! { <tr><th scope="row" title=class_name(names, i)>{i}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <details class="metrics-details">
            <summary>"Confusion matrix"</summary>
            <table class="metrics confusion" data-testid="confusion-table">
                <caption>{title.to_string()}</caption>
                <thead><tr><th scope="col">"true \\ pred"</th>{head}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}
