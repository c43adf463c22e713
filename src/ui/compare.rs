//! Side by side: 2–4 runs that differ in one setting, trained with the same seed and batch
//! order by the host ([`crate::train::Host`], in the training worker, on the page's backend),
//! their steps interleaved fairly (one slice of work each in turn), each plotted in its own small plotly graph with the 3-D
//! cameras kept in step, and one shared metrics table (rows = runs).
//!
//! Entry points: the `compare-select` control of [`ComparePanel`] (the paper's comparisons from
//! [`crate::presets::comparisons`]), and [`start_compare`] for a share link's `compare=`.

use std::cell::RefCell;
use std::sync::Arc;

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::state::{Msg, Ui};
use crate::data::Dataset;
use crate::metrics::{EmbeddingMetrics, Unit, scalar_info};
use crate::presets;
use crate::share::Compare;
use crate::train::{Command, CompareUpdate, Embedding, RunState, TrainConfig};
use crate::viz::{class_series, geometry_overlays};
use crate::web::plot;

/// One run of a comparison, as the page shows it.
#[derive(Debug, Clone)]
pub struct RunView {
    /// Legend, e.g. `loss=arcface` or the preset's title.
    pub label: String,
    /// The run's settings.
    pub config: TrainConfig,
    /// Steps done.
    pub step: usize,
    /// Latest embedding.
    pub embedding: Option<Arc<Embedding>>,
    /// Its metrics.
    pub metrics: Option<Arc<EmbeddingMetrics>>,
    /// Bumped with every new embedding (the plot redraws on it).
    pub version: u64,
    /// Where the run stands.
    pub state: RunState,
    /// The run's error, if it stopped on one.
    pub error: Option<String>,
}

/// The comparison's state: a small `Copy` struct of signals.
#[derive(Clone, Copy)]
pub struct CompareUi {
    /// What is compared (`None`: no comparison).
    pub title: RwSignal<Option<String>>,
    /// The runs.
    pub runs: RwSignal<Vec<RunView>>,
    /// Whether the runs are training.
    pub running: RwSignal<bool>,
    /// Bumped by every start and stop: news of another generation is stale.
    pub generation: RwSignal<u64>,
    /// The page (to reach the host).
    ui: Ui,
}

impl CompareUi {
    fn new(ui: Ui) -> Self {
        Self {
            title: RwSignal::new(None),
            runs: RwSignal::new(Vec::new()),
            running: RwSignal::new(false),
            generation: RwSignal::new(0),
            ui,
        }
    }

    /// Stops the runs (they stay on screen).
    pub fn stop(&self) {
        self.generation.update(|g| *g += 1);
        self.running.set(false);
        self.ui.send(Msg::StopCompare);
    }
}

thread_local! {
    /// The comparison panel mounted last (what [`start_compare`] drives).
    static PANEL: RefCell<Option<CompareUi>> = const { RefCell::new(None) };
    /// The dataset the page loaded last (set by the driver).
    static DATASET: RefCell<Option<Arc<Dataset>>> = const { RefCell::new(None) };
    /// The last camera broadcast to the compare plots (stops echoes).
    static CAMERA: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Remembers the page's dataset for comparisons (called by the training driver).
pub fn set_dataset(ds: Arc<Dataset>) {
    DATASET.with(|d| *d.borrow_mut() = Some(ds));
}

/// Starts a side-by-side comparison of `base` with `compare.key` set to each of
/// `compare.values` (2–4 runs, same seed and batch order), in the comparison panel on the page.
/// This is what a share link's `compare=` calls.
///
/// # Errors
/// No comparison panel on the page, no dataset loaded yet, or fewer than two valid runs.
pub fn start_compare(base: TrainConfig, compare: Compare) -> Result<(), String> {
    let runs = compare.runs(&base);
    if runs.len() != compare.values.len() {
        return Err(format!(
            "compare {}: only {} of the values apply to these settings",
            compare.text(),
            runs.len()
        ));
    }
    let labelled = compare
        .values
        .iter()
        .zip(runs)
        .map(|(v, c)| (format!("{}={v}", compare.key), c))
        .collect();
    let state = PANEL
        .with(|p| *p.borrow())
        .ok_or("there is no comparison panel on this page")?;
    start_runs(state, format!("compare {}", compare.text()), labelled)
}

/// Starts `runs` (label, settings) side by side in `state`, replacing any comparison running.
///
/// # Errors
/// No dataset loaded yet, or not 2–4 runs.
pub fn start_runs(
    state: CompareUi,
    title: String,
    runs: Vec<(String, TrainConfig)>,
) -> Result<(), String> {
    use crate::share::{MAX_RUNS, MIN_RUNS};
    if !(MIN_RUNS..=MAX_RUNS).contains(&runs.len()) {
        return Err(format!(
            "a comparison has {MIN_RUNS} to {MAX_RUNS} runs, not {}",
            runs.len()
        ));
    }
    if DATASET.with(|d| d.borrow().is_none()) {
        return Err("the data are not loaded yet".into());
    }
    state.stop();
    let generation = state.generation.get_untracked();
    let views = runs
        .iter()
        .map(|(label, config)| RunView {
            label: label.clone(),
            config: config.clone(),
            step: 0,
            embedding: None,
            metrics: None,
            version: 0,
            state: RunState::Running,
            error: None,
        })
        .collect();
    state.runs.set(views);
    state.title.set(Some(title));
    state.running.set(true);
    state.ui.send(Msg::Compare {
        generation,
        runs: runs.into_iter().map(|(_, c)| c).collect(),
    });
    Ok(())
}

/// Applies the host's news of run `i` of comparison `generation` (stale news is dropped).
pub fn apply_update(generation: u64, i: usize, update: CompareUpdate) {
    let Some(state) = PANEL.with(|p| *p.borrow()) else {
        return;
    };
    if state.generation.get_untracked() != generation {
        return;
    }
    state.runs.update(|r| {
        let Some(r) = r.get_mut(i) else {
            return;
        };
        match update {
            CompareUpdate::Step(step) => r.step = step,
            CompareUpdate::State(s) => r.state = s,
            CompareUpdate::Error(m) => r.error = Some(m),
            CompareUpdate::Embedding { embedding, metrics } => {
                r.embedding = Some(Arc::new(embedding));
                r.metrics = metrics.map(Arc::new);
                r.version += 1;
            }
        }
    });
}

/// The host says comparison `generation` has no run left training.
pub fn done(generation: u64) {
    if let Some(state) = PANEL.with(|p| *p.borrow())
        && state.generation.get_untracked() == generation
    {
        state.running.set(false);
    }
}

/// The comparison: a select of the paper's comparisons (`compare-select`), a stop button, the
/// grid of plots (`compare-plot-N`) and the shared metrics table (`compare-metrics`).
#[component]
pub fn ComparePanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = CompareUi::new(ui);
    provide_context(state);
    PANEL.with(|p| *p.borrow_mut() = Some(state));
    // The compared runs get the machine: pause the page's own run while comparing.
    Effect::new(move |_| {
        if state.running.get() {
            ui.command(Command::Pause);
        }
    });
    let comparisons = presets::comparisons();
    let choose = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        let Some(c) = presets::comparisons().into_iter().find(|c| c.id == id) else {
            return;
        };
        let runs = c
            .presets
            .into_iter()
            .take(crate::share::MAX_RUNS)
            .map(|p| (p.title.to_string(), p.config))
            .collect();
        if let Err(e) = start_runs(state, format!("{} (varies: {})", c.title, c.varies), runs) {
            ui.error.set(Some(format!("compare: {e}")));
        }
    };
    // Re-render the grid only when the set of runs changes, not on every step.
    let shape = Memo::new(move |_| (state.generation.get(), state.runs.with(|r| r.len())));
    let grid = move || {
        let (_, n) = shape.get();
        (0..n)
            .map(|i| view! { <ComparePlot index=i /> })
            .collect_view()
    };
    view! {
        <section class="compare" data-testid="compare" aria-labelledby="compare-title">
            <div class="compare-head">
                <h2 id="compare-title">"Side by side"</h2>
                <label class="inline">
                    "Compare "
                    <select data-testid="compare-select" on:change=choose>
                        <option value="" selected>"— a comparison of the paper —"</option>
                        {comparisons.into_iter().map(|c| {
                            let n = c.presets.len().min(crate::share::MAX_RUNS);
                            view! { <option value=c.id>{format!("{} ({n} runs)", c.title)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <button data-testid="compare-stop" disabled=move || !state.running.get()
                    on:click=move |_| state.stop()>"Stop"</button>
                <span class="compare-title" data-testid="compare-title">{move || state.title.get()}</span>
            </div>
            <div class="compare-grid" data-testid="compare-grid">{grid}</div>
            <CompareTable />
        </section>
    }
}

/// One run's plot.
#[component]
fn ComparePlot(
    /// Index of the run.
    index: usize,
) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = expect_context::<CompareUi>();
    let node = NodeRef::<Div>::new();
    let points = RwSignal::new(0usize);
    let hooked = StoredValue::new(false);
    let version = Memo::new(move |_| state.runs.with(|r| r.get(index).map(|r| r.version)));
    Effect::new(move |_| {
        let _ = version.get();
        let Some(run) = state.runs.with_untracked(|r| r.get(index).cloned()) else {
            return;
        };
        let Some(emb) = run.embedding.clone() else {
            return;
        };
        let Some(el) = node.get_untracked() else {
            return;
        };
        let el: web_sys::HtmlElement = el.unchecked_into();
        let names = ui.class_names.get_untracked();
        let series = class_series(&emb, &names);
        let classes = series.len();
        let overlays = emb
            .geometry
            .as_ref()
            .map(|g| geometry_overlays(g, &emb))
            .unwrap_or_default();
        let title = format!(
            "{} — step {}, {:.1} %",
            run.label,
            emb.step,
            emb.accuracy() * 100.0
        );
        let fig = plot::embedding_plot(&series, &overlays, &[], emb.dim, &title);
        leptos::task::spawn_local(async move {
            match plot::react(&el, &fig).await {
                Ok(()) => {
                    points.set(plot::plotted_points(&el, 0, classes));
                    if !hooked.get_value() {
                        hooked.set_value(true);
                        hook_camera_sync(&el);
                    }
                }
                Err(e) => ui.error.set(Some(e)),
            }
        });
    });
    let label = move || state.runs.with(|r| r.get(index).map(|r| r.label.clone()));
    view! {
        <figure class="compare-cell">
            <div class="plot compare-plot" node_ref=node data-compare-plot=""
                data-testid=format!("compare-plot-{index}")
                aria-label=move || format!("Embedding of run {}", label().unwrap_or_default())></div>
            <figcaption>
                {label} " · "
                <span data-testid=format!("compare-points-{index}")>{move || points.get()}</span>
                " points"
            </figcaption>
        </figure>
    }
}

/// Keeps the 3-D cameras of all compare plots in step: a camera change in one (plotly's
/// `plotly_relayout` / `plotly_relayouting` with `scene.camera`) is applied to the others.
fn hook_camera_sync(gd: &web_sys::HtmlElement) {
    let source = gd.clone();
    let handler = Closure::<dyn Fn(JsValue)>::new(move |ev: JsValue| {
        let Ok(camera) = js_sys::Reflect::get(&ev, &"scene.camera".into()) else {
            return;
        };
        if camera.is_undefined() {
            return;
        }
        let key = js_sys::JSON::stringify(&camera)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default();
        if CAMERA.with(|c| *c.borrow() == key) {
            return; // our own echo
        }
        CAMERA.with(|c| *c.borrow_mut() = key);
        broadcast_camera(&source, &camera);
    });
    let on = js_sys::Reflect::get(gd, &"on".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(on) = on {
        for name in ["plotly_relayout", "plotly_relayouting"] {
            let _ = on.call2(gd, &name.into(), handler.as_ref());
        }
    }
    handler.forget();
}

fn broadcast_camera(source: &web_sys::HtmlElement, camera: &JsValue) {
    let Some(grid) = source.closest(".compare-grid").ok().flatten() else {
        return;
    };
    let Ok(plots) = grid.query_selector_all("[data-compare-plot]") else {
        return;
    };
    let Ok(plotly) = js_sys::Reflect::get(&js_sys::global(), &"Plotly".into()) else {
        return;
    };
    let Some(relayout) = js_sys::Reflect::get(&plotly, &"relayout".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    let update = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&update, &"scene.camera".into(), camera);
    for i in 0..plots.length() {
        let Some(p) = plots.item(i) else { continue };
        if p.is_same_node(Some(source)) {
            continue;
        }
        // Only 3-D plots have a scene.
        let has_scene = js_sys::Reflect::get(&p, &"_fullLayout".into())
            .ok()
            .and_then(|l| js_sys::Reflect::get(&l, &"scene".into()).ok())
            .is_some_and(|s| !s.is_undefined());
        if has_scene {
            let _ = relayout.call2(&plotly, &p, &update);
        }
    }
}

/// One table for all runs: a row per run, a column per headline metric.
#[component]
fn CompareTable() -> impl IntoView {
    let state = expect_context::<CompareUi>();
    // Columns by name in `EmbeddingMetrics::scalars` (labels and units: `metrics::SCALARS`).
    const COLS: [&str; 9] = [
        "head_accuracy",
        "nearest_prototype_accuracy",
        "nearest_class_mean_accuracy",
        "knn_accuracy_euclidean",
        "precision_at_1_euclidean",
        "map_at_r_euclidean",
        "spread_ratio",
        "silhouette",
        "nmi_kmeans",
    ];
    let rows = move || {
        state.runs.with(|runs| {
            runs.iter()
                .enumerate()
                .map(|(i, r)| {
                    let cells = COLS
                        .iter()
                        .map(|&name| {
                            let v = r
                                .metrics
                                .as_ref()
                                .map_or_else(|| Unit::Plain.format(None), |m| m.formatted(name));
                            view! { <td>{v}</td> }
                        })
                        .collect_view();
                    let status = match (&r.error, r.state) {
                        (Some(e), _) => e.clone(),
                        (None, RunState::Finished) => "done".into(),
                        _ => String::new(),
                    };
                    view! {
                        <tr data-testid=format!("compare-row-{i}")>
                            <th scope="row">{r.label.clone()}</th>
                            <td data-testid=format!("compare-step-{i}")>{r.step}</td>
                            {cells}
                            <td>{status}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let head = COLS
        .iter()
        .map(|&name| {
            let label = scalar_info(name).map_or(name, |s| s.short);
            view! { <th scope="col">{label}</th> }
        })
        .collect_view();
    view! {
        <table class="metrics compare-table" data-testid="compare-metrics"
            hidden=move || state.runs.with(|r| r.is_empty())>
            <caption>"Same seed and batch order; metrics of each run's latest test-subset embedding"</caption>
            <thead><tr><th scope="col">"Run"</th><th scope="col">"Step"</th>{head}<th scope="col">"Status"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
