//! The export bar: the plot as PNG or SVG (with its legend and a caption), the embedding as
//! CSV, the run as JSON, the weights as a checkpoint, and loading a checkpoint back.

use leptos::html::{Div, Input};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::charts::still_figure;
use super::metrics_panel::Panels;
use super::state::Ui;
use crate::export::{RunExport, caption, embeddings_csv, file_stem};
use crate::train::{Checkpoint, Command, RunState};
use crate::web::download::{
    ImageFormat, download_bytes, download_text, download_url, picked_file, plot_image,
};
use crate::web::plot;

/// The page's address (the run's share link).
pub fn page_link() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// Downloads a checkpoint the session produced (called by the driver on
/// [`crate::train::Event::Checkpoint`]).
pub fn save_checkpoint(ui: Ui, checkpoint: &Checkpoint) {
    let name = format!(
        "{}.epck",
        file_stem(&checkpoint.header.config, checkpoint.header.step)
    );
    if let Err(e) = download_bytes(&name, "application/octet-stream", &checkpoint.to_bytes()) {
        ui.error
            .set(Some(format!("could not save the weights: {e}")));
    }
}

/// The plotly graph of the embedding in the same layout as `from`.
fn embedding_plot_near(from: &web_sys::Element) -> Option<web_sys::HtmlElement> {
    let scope = from.closest(".layout").ok().flatten()?;
    scope
        .query_selector("[data-testid='embedding-plot']")
        .ok()
        .flatten()
        .map(|e| e.unchecked_into())
}

/// Export buttons (`export-png`, `export-svg`, `export-csv`, `export-json`, `export-weights`)
/// and `load-weights` with its hidden file input `load-weights-input`.
#[component]
pub fn ExportBar() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let panels = use_context::<Panels>();
    let node = NodeRef::<Div>::new();
    let file = NodeRef::<Input>::new();
    let no_embedding = move || ui.embedding.with(|e| e.is_none());
    let no_run = move || ui.run_state.get() == RunState::Idle;
    let busy = RwSignal::new(false);

    let stem = move || {
        let step = ui.embedding.with_untracked(|e| e.as_ref().map(|e| e.step));
        file_stem(&ui.config.get_untracked(), step.unwrap_or(0))
    };
    let image = move |format: ImageFormat| {
        let (Some(emb), Some(el)) = (ui.embedding.get_untracked(), node.get_untracked()) else {
            return;
        };
        let Some(gd) = embedding_plot_near(&el) else {
            ui.error.set(Some("no embedding plot on this page".into()));
            return;
        };
        let config = ui.config.get_untracked();
        let total = ui.total_steps.get_untracked().max(1);
        let epochs = emb.step as f64 * config.epochs as f64 / total as f64;
        let text = caption(&config, &emb, epochs, &page_link());
        let name = format!("{}.{}", stem(), format.id());
        // A live plot (a run training) shows its axes in the view's units and (2-D) draws
        // its points beside plotly: the export draws the embedding as a still plot off screen.
        let still = plot::is_live(&gd).then(|| still_figure(ui)).flatten();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let (w, h) = (1100, 850);
            let copy = match &still {
                Some(fig) => plot::still_copy(&gd, fig, w, h).await.map(Some),
                None => Ok(None),
            };
            let image = match &copy {
                Ok(copy) => plot_image(copy.as_ref().unwrap_or(&gd), format, &text, w, h).await,
                Err(e) => Err(e.clone()),
            };
            if let Ok(Some(copy)) = &copy {
                plot::discard(copy);
            }
            match image {
                Ok(url) => {
                    if let Err(e) = download_url(&url, &name) {
                        ui.error.set(Some(e));
                    }
                }
                Err(e) => ui
                    .error
                    .set(Some(format!("could not export the plot: {e}"))),
            }
            busy.set(false);
        });
    };
    let csv = move |_| {
        if let Some(emb) = ui.embedding.get_untracked()
            && let Err(e) = download_text(
                &format!("{}.csv", stem()),
                "text/csv",
                &embeddings_csv(&emb),
            )
        {
            ui.error.set(Some(e));
        }
    };
    let json = move |_| {
        let Some(emb) = ui.embedding.get_untracked() else {
            return;
        };
        let metrics = panels.and_then(|p| p.metrics.get_untracked());
        // The config of the embedded run (the settings may have changed since only on reset).
        let config = ui.config.get_untracked();
        let link = page_link();
        let text = RunExport::new(&config, &emb, metrics.as_deref(), &link).to_json();
        if let Err(e) = download_text(&format!("{}.json", stem()), "application/json", &text) {
            ui.error.set(Some(e));
        }
    };
    let load = move |_| {
        let Some(input) = file.get_untracked() else {
            return;
        };
        let input: web_sys::HtmlElement = input.unchecked_into();
        leptos::task::spawn_local(async move {
            match picked_file(&input).await {
                Ok((name, bytes)) => match Checkpoint::from_bytes(&bytes) {
                    Ok(c) => {
                        ui.preset.set(None);
                        ui.command(Command::Load(c));
                    }
                    Err(e) => ui.error.set(Some(format!("{name}: {e}"))),
                },
                Err(e) => ui.error.set(Some(e)),
            }
            let _ = js_sys::Reflect::set(&input, &"value".into(), &"".into());
        });
    };
    view! {
        <div class="export" node_ref=node role="group" aria-label="Export the run">
            <span class="export-label">"Export"</span>
            <button data-testid="export-png" title="The plot as PNG, with legend and caption"
                disabled=move || no_embedding() || busy.get() on:click=move |_| image(ImageFormat::Png)>"PNG"</button>
            <button data-testid="export-svg" title="The plot as SVG, with legend and caption"
                disabled=move || no_embedding() || busy.get() on:click=move |_| image(ImageFormat::Svg)>"SVG"</button>
            <button data-testid="export-csv" title="Embeddings and labels: x,y[,z],label,prediction"
                disabled=no_embedding on:click=csv>"CSV"</button>
            <button data-testid="export-json" title="Configuration, metrics, fingerprint and link"
                disabled=no_embedding on:click=json>"JSON"</button>
            <button data-testid="export-weights" title="The weights (burn record) with the configuration, to continue later"
                disabled=no_run on:click=move |_| ui.command(Command::Save)>"Weights"</button>
            <button data-testid="load-weights" title="Continue a saved run"
                on:click=move |_| { if let Some(i) = file.get_untracked() { i.click(); } }>"Load weights…"</button>
            <input type="file" accept=".epck,application/octet-stream" node_ref=file
                data-testid="load-weights-input" style="display:none" on:change=load />
        </div>
    }
}
