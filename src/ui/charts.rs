//! The embedding scatter and the training curves (plotly.js, updated in place).

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::Ui;
use crate::train::{Embedding, RunState};
use crate::viz::curves::{accuracy_chart, loss_chart};
use crate::viz::{
    class_series, decision_regions, extent, geometry_overlays, origin_marker, overlay_extent,
    view_radius,
};
use crate::web::plot;

/// The title of live figures (the page's caption has the step).
const LIVE_TITLE: &str = "Test-subset embedding";

fn root(node: NodeRef<Div>) -> Option<web_sys::HtmlElement> {
    node.get_untracked()
        .map(|d| d.unchecked_into::<web_sys::HtmlElement>())
}

/// Draws that never queue up: while one is under way, newer requests only mark the plot stale,
/// and the latest state is drawn next; the ones in between are skipped, so a plot keeps up
/// with fast training.
#[derive(Clone, Copy)]
struct LatestDraw {
    /// Requests so far.
    wanted: StoredValue<u64, LocalStorage>,
    /// Whether a drawing loop is running.
    drawing: StoredValue<bool, LocalStorage>,
}

impl LatestDraw {
    fn new() -> Self {
        Self {
            wanted: StoredValue::new_local(0),
            drawing: StoredValue::new_local(false),
        }
    }

    /// Marks the plot stale: a running loop draws once more.
    fn again(self) {
        self.wanted.try_update_value(|n| *n += 1);
    }

    /// Asks for a draw of the latest state: `draw` runs in a task of its own (not after other
    /// plots' in the same one) unless a draw is under way, after which it runs again. It
    /// resolves to false when there is nothing to draw on any more (the component is gone).
    fn request<F, Fut>(self, draw: F)
    where
        F: Fn() -> Fut + 'static,
        Fut: std::future::Future<Output = bool> + 'static,
    {
        self.again();
        if self.drawing.try_get_value() != Some(false) {
            return;
        }
        self.drawing.set_value(true);
        leptos::task::spawn_local(async move {
            loop {
                let Some(seen) = self.wanted.try_get_value() else {
                    return;
                };
                crate::web::yield_now().await;
                if !draw().await {
                    self.drawing.try_set_value(false);
                    return;
                }
                match self.wanted.try_get_value() {
                    // Newer requests meanwhile: draw the latest.
                    Some(n) if n != seen => continue,
                    Some(_) => {
                        self.drawing.set_value(false);
                        return;
                    }
                    // The component is gone.
                    None => return,
                }
            }
        });
    }
}

/// The embedding figure of the latest embedding with the toggles' overlays (`None` before
/// the first embedding), its axes' half-width following `radius` (the previous one; updated),
/// live (points drawn by the point layer) while the run trains, unless the layer failed.
fn embedding_figure(
    ui: Ui,
    radius: &mut Option<f32>,
    layer_ok: bool,
) -> Option<plot::EmbeddingFigure> {
    let emb = ui.embedding.get_untracked()?;
    let names = ui.class_names.get_untracked();
    let series = class_series(&emb, &names);
    let live = layer_ok && ui.run_state.get_untracked() == RunState::Running;
    // Live, plotly draws only when the traces change: the step is in the page's caption.
    let title = if live {
        LIVE_TITLE.to_string()
    } else {
        format!(
            "Test-subset embedding after step {} — {} points, {:.1} % correct",
            emb.step,
            emb.len(),
            emb.accuracy() * 100.0
        )
    };
    let geometry = emb.geometry.as_ref();
    let overlays = if ui.show_geometry.get_untracked() {
        geometry
            .map(|g| geometry_overlays(g, &emb))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let regions = if ui.show_regions.get_untracked() && emb.dim == 2 {
        geometry
            .and_then(|g| decision_regions(g, extent(&emb) * 1.1, 120))
            .map(|r| r.polygons())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let r = view_radius(*radius, extent(&emb).max(overlay_extent(&overlays)));
    *radius = Some(r);
    Some(
        plot::EmbeddingFigure::new(&series, &overlays, &regions, emb.dim, &title)
            .with_view(r, live),
    )
}

/// The latest embedding as a still figure (plotly.js's traces hold the points, on axes that
/// fit them), as the plot shows it when the run stops: what an export draws while the plot is
/// live.
pub(super) fn still_figure(ui: Ui) -> Option<plot::EmbeddingFigure> {
    embedding_figure(ui, &mut None, false)
}

/// The figure before the first embedding (and after a reset): axes around the origin, marked
/// in grey, and the classes' legend, in the settings' dimension. plotly.js creates the plot (in
/// 3-D its WebGL scene: about a second in software rendering), its legend and the point layer
/// then, not when training has started. Live like the run's figures (the point layer draws the
/// origin's mark), it has their traces: the first embedding needs no redraw by plotly.js.
fn blank_figure(ui: Ui, layer_ok: bool) -> plot::EmbeddingFigure {
    let dim = ui.config.with_untracked(|c| c.dim);
    let none = Embedding {
        step: 0,
        dim,
        points: Vec::new(),
        labels: Vec::new(),
        predictions: Vec::new(),
        geometry: None,
    };
    let series = class_series(&none, &ui.class_names.get_untracked());
    let origin = origin_marker(dim);
    plot::EmbeddingFigure::new(&series, &[origin], &[], dim, LIVE_TITLE).with_view(1.0, layer_ok)
}

/// The live embedding of the test subset, coloured by class, with a legend.
///
/// Updates never queue up (see [`LatestDraw`]): a draw lasts until the frame that shows it.
#[component]
pub fn EmbeddingPlot() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let node = NodeRef::<Div>::new();
    let redraw = LatestDraw::new();
    let radius = StoredValue::new_local(None::<f32>);
    let painter = StoredValue::new_local(plot::EmbeddingPainter::default());
    // Cleared for good if the point layer fails: plotly's traces draw the points then.
    let layer_ok = StoredValue::new_local(true);
    let dim = Memo::new(move |_| ui.config.with(|c| c.dim));
    // The axes' half-width of the figure on show, whether it is live, its dimension.
    let view = RwSignal::new(None::<(Option<f32>, bool, usize)>);
    // One draw of the latest state; false once the component is gone.
    let draw = move || async move {
        let (Some(mut r), Some(ok), Some(mut p)) = (
            radius.try_get_value(),
            layer_ok.try_get_value(),
            painter.try_get_value(),
        ) else {
            return false;
        };
        let fig = embedding_figure(ui, &mut r, ok);
        let blank = fig.is_none();
        radius.set_value(if blank { None } else { r });
        // (Redrawn when only the run state changed, the blank figure is a layer update: it is
        // live, with the traces of the run's figures.)
        let fig = fig.unwrap_or_else(|| blank_figure(ui, ok));
        let Some(el) = root(node) else {
            return true;
        };
        let drawn = p.draw(&el, &fig).await;
        if painter.try_set_value(p).is_some() {
            return false;
        }
        match drawn {
            Ok(points) => {
                ui.plotted_points.set(points);
                view.set((!blank).then(|| (fig.radius(), fig.is_live(), fig.dim())));
                if !blank {
                    ui.plot_updates.update(|n| *n += 1);
                }
                // The scene is drawn in the next frame: no new update before.
                plot::frame_drawn().await;
            }
            Err(e) => {
                // Next time from scratch, with plotly's traces if the layer failed.
                if fig.is_live() {
                    layer_ok.try_set_value(false);
                    redraw.again();
                }
                // (The blank figure's failure shows again with the first embedding.)
                if !blank {
                    ui.error.set(Some(e));
                }
            }
        }
        true
    };
    Effect::new(move |_| {
        ui.show_geometry.track();
        ui.show_regions.track();
        // Starting and stopping switch between the point layer and plotly's traces.
        ui.run_state.track();
        if ui.embedding.with(Option::is_none) {
            // The blank figure follows the settings' dimension and the dataset's classes.
            dim.track();
            ui.class_names.track();
        }
        redraw.request(draw);
    });
    view! {
        <figure class="embedding">
            <div class="plot" node_ref=node data-testid="embedding-plot"
                aria-label="Scatter plot of the test-subset embedding, coloured by class"></div>
            <div class="plot-toggles">
                <label>
                    <input type="checkbox" data-testid="show-geometry"
                        prop:checked=move || ui.show_geometry.get()
                        on:change=move |ev| ui.show_geometry.set(event_target_checked(&ev)) />
                    " Loss geometry"
                </label>
                <label title="2-D only: the class the head predicts at every point of the plane">
                    <input type="checkbox" data-testid="show-regions"
                        prop:checked=move || ui.show_regions.get()
                        on:change=move |ev| ui.show_regions.set(event_target_checked(&ev)) />
                    " Decision regions (2-D)"
                </label>
            </div>
            <figcaption>
                {move || ui.embedding.with(|e| e.as_ref().map(|e| format!(
                    "Step {} · {:.1} % correct · ", e.step, e.accuracy() * 100.0)))}
                {move || match view.get() {
                    // 3-D live: plotly's tick labels are hidden (see `web::plot`).
                    Some((Some(r), true, 3)) => format!("axes ±{r} · "),
                    _ => String::new(),
                }}
                <span data-testid="points-count">{move || ui.plotted_points.get()}</span>
                " points drawn · "
                <span data-testid="plot-updates">{move || ui.plot_updates.get()}</span>
                " updates"
            </figcaption>
        </figure>
    }
}

/// Loss and accuracy curves: drawn by the curve layer while a run trains and before its first
/// step (plotly.js draws only their legend and frame then, once), by plotly.js's own lines
/// once it stops (see [`plot::CurvePainter`]).
///
/// While training they are redrawn at most four times a second, and updates never queue up
/// (see [`LatestDraw`]).
#[component]
pub fn Curves() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let loss_node = NodeRef::<Div>::new();
    let acc_node = NodeRef::<Div>::new();
    let last_draw = StoredValue::new(f64::NEG_INFINITY);
    // The loss axis' range, steady between updates (none before the run's first step).
    let loss_range = StoredValue::new(None::<(f64, f64)>);
    let painters =
        StoredValue::new_local((plot::CurvePainter::default(), plot::CurvePainter::default()));
    // Cleared for good if the curve layer fails: plotly's lines draw the curves then.
    let layer_ok = StoredValue::new_local(true);
    let redraw = LatestDraw::new();
    // One draw of the latest curves; false once the component is gone.
    let draw = move || async move {
        let (Some((mut lp, mut ap)), Some(range), Some(ok)) = (
            painters.try_get_value(),
            loss_range.try_get_value(),
            layer_ok.try_get_value(),
        ) else {
            return false;
        };
        let total = ui.total_steps.get_untracked();
        let (loss, accuracy, empty) = ui.curves.with_untracked(|c| {
            (
                loss_chart(c, range, total),
                accuracy_chart(c, total),
                c.steps.is_empty(),
            )
        });
        loss_range.set_value(Some(loss.y_range));
        let live = ok && (empty || ui.run_state.get_untracked() == RunState::Running);
        let (Some(l), Some(a)) = (root(loss_node), root(acc_node)) else {
            return false;
        };
        let mut drawn = lp.draw(&l, &loss, live).await;
        if drawn.is_ok() {
            // Each plot in a task of its own: the page stays responsive between them.
            crate::web::yield_now().await;
            drawn = ap.draw(&a, &accuracy, live).await;
        }
        if painters.try_set_value((lp, ap)).is_some() {
            return false;
        }
        if let Err(e) = drawn {
            // Next time from scratch, with plotly's lines if the layer failed.
            if live {
                layer_ok.try_set_value(false);
                redraw.again();
            }
            ui.error.set(Some(e));
        }
        true
    };
    Effect::new(move |_| {
        let state = ui.run_state.get();
        ui.curves.track();
        // While training, redraw at most four times a second.
        let now = crate::web::now_ms();
        if state == RunState::Running && now - last_draw.get_value() < 250.0 {
            return;
        }
        last_draw.set_value(now);
        redraw.request(draw);
    });
    view! {
        <div class="curves">
            <figure class="curve">
                <figcaption>"Loss " <small>"per step"</small></figcaption>
                <div class="plot small" node_ref=loss_node data-testid="loss-plot" aria-label="Loss curve"></div>
            </figure>
            <figure class="curve">
                <figcaption>"Accuracy " <small>"per step"</small></figcaption>
                <div class="plot small" node_ref=acc_node data-testid="accuracy-plot" aria-label="Accuracy curve"></div>
            </figure>
        </div>
    }
}
