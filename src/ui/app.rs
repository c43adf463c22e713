//! The root component: creates the state, starts the driver, loads the data.

use std::sync::Arc;

use leptos::prelude::*;

use super::charts::{Curves, EmbeddingPlot};
use super::controls::{Buttons, PresetPicker, Settings};
use super::data_panel::DataPanel;
use super::gallery::Gallery;
use super::hover::HoverThumb;
use super::presenter::ClassroomPanel;
use super::share::LinkNotice;
use super::state::{BackendChoice, Ui};
use super::status::{ErrorBanner, Progress, StatusLine};
use crate::data::{Dataset, DatasetKind};
use crate::train::TrainConfig;

/// Where the page gets its dataset.
#[derive(Clone)]
pub enum DataSource {
    /// Fetch the built-in dataset's files from this base URL (`data/` by default).
    Url(String),
    /// An already loaded dataset (tests, the user's own files).
    Memory(Arc<Dataset>),
}

/// The whole page.
#[component]
pub fn App(
    /// Data to train on; defaults to fetching `data/`.
    #[prop(optional)]
    source: Option<DataSource>,
    /// Backend choice at start; defaults to `backend=` in the URL, else automatic.
    #[prop(optional)]
    backend: Option<BackendChoice>,
    /// Settings at start; defaults to [`TrainConfig::default`].
    #[prop(optional)]
    config: Option<TrainConfig>,
) -> impl IntoView {
    // The link opened (`?v=1&…`): its settings unless the caller gives its own.
    let link = super::share::initial();
    let ui = Ui::new(config.unwrap_or_else(|| link.state.config.clone()));
    ui.backend_choice.set(backend.unwrap_or(link.state.backend));
    provide_context(ui);
    let link = super::share::provide(ui, link);
    super::keys::install(ui, link);
    let (tx, rx) = futures::channel::mpsc::unbounded();
    ui.tx.set_value(Some(tx));
    super::driver::spawn(ui, rx);

    let source = source.unwrap_or_else(|| DataSource::Url(crate::web::datasets::data_base_url()));
    let data = load_data(ui, source);
    let retry = Callback::new(move |_: ()| super::data_panel::retry(ui, data));

    view! {
        <header class="top">
            <h1>"Embedding Playground"</h1>
            <p class="tagline">
                "Watch a CNN shape its embedded space while it trains — after Scholl, "
                <a href="https://arxiv.org/abs/2408.01767">"Comparison of Embedded Spaces for Deep Learning Classification"</a>
                "."
            </p>
        </header>
        <ErrorBanner retry=retry />
        <LinkNotice />
        <main class="layout">
            <aside class="panel">
                <PresetPicker />
                <Settings />
                <Buttons />
                <Progress />
                <StatusLine />
                <DataPanel />
                <ClassroomPanel />
            </aside>
            <section class="plots">
                <EmbeddingPlot />
                <HoverThumb />
                <super::metrics_panel::RunPanels />
                <Curves />
            </section>
        </main>
        <super::compare::ComparePanel />
        <Gallery />
        <footer class="credits">
            {DatasetKind::ALL.map(|k| format!("{}: {}. ", k.title(), k.credit()))}
            "Runs entirely in your browser; nothing is uploaded."
        </footer>
    }
}

fn load_data(ui: Ui, source: DataSource) -> super::data_panel::Data {
    // The data panel owns loading: the settings' dataset from the data folder, or the given one.
    match source {
        DataSource::Memory(ds) => super::data_panel::provide(ui, None, Some(ds)),
        DataSource::Url(base) => super::data_panel::provide(ui, Some(base), None),
    }
}
