//! The root component: creates the state, starts the driver, loads the data.

use std::sync::Arc;

use leptos::prelude::*;

use super::charts::{Curves, EmbeddingPlot};
use super::controls::{Buttons, PresetPicker, Settings};
use super::gallery::Gallery;
use super::presenter::ClassroomPanel;
use super::share::LinkNotice;
use super::state::{BackendChoice, LoadProgress, Msg, Ui};
use super::status::{ErrorBanner, Progress, StatusLine};
use crate::data::{Dataset, DatasetKind};
use crate::train::TrainConfig;
use crate::web::fetch::fetch_bytes;

/// Where the page gets its dataset.
#[derive(Clone)]
pub enum DataSource {
    /// Fetch the built-in dataset's files from this base URL (`data/` by default).
    Url(String),
    /// An already loaded dataset (tests, the user's own files).
    Memory(Arc<Dataset>),
}

/// Largest file the page downloads (MNIST's training images are 9.9 MB gzipped, 47 MB raw).
const MAX_DOWNLOAD: usize = 128 << 20;

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

    let source = source.unwrap_or_else(|| DataSource::Url("data/".into()));
    load_data(ui, source.clone());
    let retry = Callback::new(move |_: ()| load_data(ui, source.clone()));

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
                <ClassroomPanel />
            </aside>
            <section class="plots">
                <EmbeddingPlot />
                <Curves />
            </section>
        </main>
        <Gallery />
        <footer class="credits">
            "MNIST: Y. LeCun, C. Cortes, C. J. C. Burges. Runs entirely in your browser; nothing is uploaded."
        </footer>
    }
}

fn load_data(ui: Ui, source: DataSource) {
    ui.error.set(None);
    match source {
        DataSource::Memory(ds) => {
            ui.loading.set(Some(LoadProgress {
                file: ds.name.clone(),
                received: 0,
                total: None,
                done: true,
            }));
            ui.send(Msg::Dataset(ds));
        }
        DataSource::Url(base) => leptos::task::spawn_local(async move {
            let kind = DatasetKind::Mnist;
            match fetch_dataset(ui, &base, kind).await {
                Ok(ds) => {
                    ui.loading.update(|l| {
                        if let Some(l) = l {
                            l.done = true;
                        }
                    });
                    ui.send(Msg::Dataset(Arc::new(ds)));
                }
                Err(e) => ui
                    .error
                    .set(Some(format!("Could not load {}: {e}", kind.title()))),
            }
        }),
    }
}

async fn fetch_dataset(ui: Ui, base: &str, kind: DatasetKind) -> Result<Dataset, String> {
    let files = kind.files();
    let mut done: u64 = 0;
    let mut bytes = Vec::new();
    for f in &files {
        let url = format!("{}{}", base, f);
        let name = f.clone();
        let b = fetch_bytes(&url, MAX_DOWNLOAD, |received, total| {
            ui.loading.set(Some(LoadProgress {
                file: name.clone(),
                received: done + received,
                total: total.map(|t| done + t),
                done: false,
            }));
        })
        .await?;
        done += b.len() as u64;
        bytes.push(b);
    }
    crate::web::yield_now().await;
    Dataset::from_files(kind, [&bytes[0], &bytes[1], &bytes[2], &bytes[3]])
        .map_err(|e| e.to_string())
}
