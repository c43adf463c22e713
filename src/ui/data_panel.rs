//! The data panel: which dataset is loaded and how (per-file progress, cache, memory), the
//! CIFAR-10 batch count and augmentation switches, and the user's own files.
//!
//! State lives in [`Data`] (context, `Copy`). Loads go through [`crate::web::datasets::load`];
//! a failed load keeps the dataset in use and offers Retry; a newer request cancels an older one.

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{LoadProgress, Msg, Ui};
use crate::data::{Dataset, DatasetKind, user_dataset};
use crate::train::RunState;
use crate::web::cache::{self, CacheUsage};
use crate::web::datasets::{self, FileProgress, FileState, LoadError, LoadReport};

/// Value of the dataset select's option for the user's own files.
pub const USER_OPTION: &str = "user";

/// A built-in dataset and its number of training batches (1 except for CIFAR-10).
type Key = (DatasetKind, usize);

fn key(kind: DatasetKind, train_batches: usize) -> Key {
    let n = if kind == DatasetKind::Cifar10 {
        train_batches.clamp(1, kind.train_batches())
    } else {
        1
    };
    (kind, n)
}

fn title(k: Key) -> String {
    if k.0 == DatasetKind::Cifar10 {
        format!(
            "{} (test batch + {} training batch{})",
            k.0.title(),
            k.1,
            if k.1 == 1 { "" } else { "es" }
        )
    } else {
        k.0.title().to_string()
    }
}

/// The data panel's state, shared through context.
#[derive(Clone, Copy)]
pub struct Data {
    /// Progress of each file of the latest load.
    pub files: RwSignal<Vec<FileProgress>>,
    /// One line on what is loaded and how long it took.
    pub status: RwSignal<String>,
    /// The latest successful load's report.
    pub report: RwSignal<Option<LoadReport>>,
    /// What the page keeps in its cache.
    pub usage: RwSignal<Option<CacheUsage>>,
    /// WebAssembly memory in bytes (high-water mark).
    pub heap: RwSignal<u64>,
    /// The user's own dataset, once loaded.
    pub user: RwSignal<Option<Arc<Dataset>>>,
    /// Whether the user's own dataset is the one in use.
    pub using_user: RwSignal<bool>,
    /// The dataset in use (for hover thumbnails).
    pub current: RwSignal<Option<Arc<Dataset>>>,
    /// The built-in dataset in use.
    loaded: StoredValue<Option<Key>>,
    /// The load in flight.
    inflight: StoredValue<Option<Key>>,
    /// The load that failed last (what Retry retries).
    failed: StoredValue<Option<Key>>,
    /// Increases with every request; a load whose number is stale stops.
    generation: StoredValue<u64>,
    /// The data folder; `None` when the page was given a dataset in memory.
    base: StoredValue<Option<String>>,
    /// The dataset given in memory, if any.
    memory: StoredValue<Option<Arc<Dataset>>>,
}

impl Data {
    fn new() -> Self {
        Self {
            files: RwSignal::new(Vec::new()),
            status: RwSignal::new("no data yet".into()),
            report: RwSignal::new(None),
            usage: RwSignal::new(None),
            heap: RwSignal::new(datasets::wasm_heap_bytes()),
            user: RwSignal::new(None),
            using_user: RwSignal::new(false),
            current: RwSignal::new(None),
            loaded: StoredValue::new(None),
            inflight: StoredValue::new(None),
            failed: StoredValue::new(None),
            generation: StoredValue::new(0),
            base: StoredValue::new(None),
            memory: StoredValue::new(None),
        }
    }
}

/// Creates the data state, provides it, and loads the data: from `base` (the data folder, its
/// dataset following the settings) or the dataset given in `memory`.
pub fn provide(ui: Ui, base: Option<String>, memory: Option<Arc<Dataset>>) -> Data {
    let data = Data::new();
    provide_context(data);
    data.base.set_value(base);
    data.memory.set_value(memory.clone());
    if let Some(ds) = memory {
        install(ui, data, ds);
        data.status.set("dataset given in memory".into());
    } else {
        // The settings' dataset (and CIFAR-10 batch count) decide what is loaded.
        let wanted = Memo::new(move |_| ui.config.with(|c| key(c.dataset, c.train_batches)));
        Effect::new(move |_| {
            let k = wanted.get();
            if !data.using_user.get_untracked() {
                request(ui, data, k);
            }
        });
    }
    leptos::task::spawn_local(refresh_usage(data));
    // The memory readout follows loads and training.
    Effect::new(move |_| {
        data.files.track();
        data.current.track();
        ui.last_step.track();
        ui.embedding.track();
        data.heap.set(datasets::wasm_heap_bytes());
    });
    data
}

/// Retries the load that failed (or reloads what the settings ask for).
pub fn retry(ui: Ui, data: Data) {
    ui.error.set(None);
    if let Some(ds) = data.memory.get_value() {
        install(ui, data, ds);
        return;
    }
    let k = data.failed.get_value().unwrap_or_else(|| {
        ui.config
            .with_untracked(|c| key(c.dataset, c.train_batches))
    });
    request(ui, data, k);
}

/// The dataset select changed to `value`: a built-in id or [`USER_OPTION`].
pub fn choose_dataset(ui: Ui, data: Data, value: &str) {
    if value == USER_OPTION {
        if let Some(ds) = data.user.get_untracked() {
            use_user(ui, data, ds);
        }
        return;
    }
    let Some(kind) = DatasetKind::from_id(value) else {
        return;
    };
    let was_user = data.using_user.get_untracked();
    data.using_user.set(false);
    ui.configure(|c| c.dataset = kind);
    if was_user {
        request(
            ui,
            data,
            ui.config.with_untracked(|c| key(kind, c.train_batches)),
        );
    }
}

/// Whether the select's option for `kind` is the one in use.
pub fn is_selected(ui: Ui, data: Data, kind: DatasetKind) -> bool {
    !data.using_user.get() && ui.config.with(|c| c.dataset == kind)
}

/// Loads `k` unless it is already in use or on its way.
fn request(ui: Ui, data: Data, k: Key) {
    let Some(base) = data.base.get_value() else {
        return;
    };
    if data.inflight.get_value() == Some(k)
        || (data.inflight.get_value().is_none() && data.loaded.get_value() == Some(k))
    {
        return;
    }
    let generation = data.generation.get_value() + 1;
    data.generation.set_value(generation);
    data.inflight.set_value(Some(k));
    let what = title(k);
    ui.error.set(None);
    ui.loading.set(Some(LoadProgress {
        file: what.clone(),
        received: 0,
        total: None,
        done: false,
    }));
    data.status.set(format!("loading {what}…"));
    let current = move || data.generation.get_value() == generation;
    leptos::task::spawn_local(async move {
        let result = datasets::load(&base, k.0, k.1, |files| {
            if !current() {
                return false;
            }
            data.files.set(files.to_vec());
            true
        })
        .await;
        if !current() {
            return;
        }
        data.inflight.set_value(None);
        match result {
            Ok((ds, report)) => {
                data.failed.set_value(None);
                data.loaded.set_value(Some(k));
                data.using_user.set(false);
                let how = if report.downloaded == 0 {
                    format!("from the cache ({} files, no download)", report.from_cache)
                } else if report.from_cache == 0 {
                    format!(
                        "downloaded ({:.1} MB)",
                        report.downloaded_bytes as f64 / 1e6
                    )
                } else {
                    format!(
                        "{} files from the cache, {} downloaded ({:.1} MB)",
                        report.from_cache,
                        report.downloaded,
                        report.downloaded_bytes as f64 / 1e6
                    )
                };
                data.status.set(format!(
                    "{what}: {} training + {} test images, {how} in {:.0} ms{}",
                    ds.train.len(),
                    ds.test.len(),
                    report.millis,
                    report
                        .note
                        .as_ref()
                        .map(|n| format!(" — {n}"))
                        .unwrap_or_default()
                ));
                web_sys::console::log_1(
                    &format!(
                        "data: {what} {how} in {:.0} ms; wasm heap {} bytes",
                        report.millis,
                        datasets::wasm_heap_bytes()
                    )
                    .into(),
                );
                data.report.set(Some(report));
                // The settings show what is in use (a preset or share link may have asked).
                if ui
                    .config
                    .with_untracked(|c| key(c.dataset, c.train_batches))
                    != k
                {
                    ui.configure(|c| {
                        c.dataset = k.0;
                        if k.0 == DatasetKind::Cifar10 {
                            c.train_batches = k.1;
                        }
                    });
                }
                install(ui, data, Arc::new(ds));
                refresh_usage(data).await;
            }
            Err(LoadError::Cancelled) => {}
            Err(e) => {
                data.failed.set_value(Some(k));
                let keep = match data.loaded.get_value() {
                    Some(prev) if data.current.get_untracked().is_some() => {
                        // Keep the settings on the dataset still in use.
                        ui.configure(|c| {
                            c.dataset = prev.0;
                            if prev.0 == DatasetKind::Cifar10 {
                                c.train_batches = prev.1;
                            }
                        });
                        format!(" {} is still loaded.", title(prev))
                    }
                    _ if data.using_user.get_untracked() => {
                        " Your files are still loaded.".to_string()
                    }
                    _ => String::new(),
                };
                data.status.set(format!("{what}: failed"));
                ui.error
                    .set(Some(format!("Could not load {what}: {e}.{keep}")));
                refresh_usage(data).await;
            }
        }
    });
}

/// Makes `ds` the dataset in use.
fn install(ui: Ui, data: Data, ds: Arc<Dataset>) {
    ui.loading.set(Some(LoadProgress {
        file: ds.name.clone(),
        received: 0,
        total: None,
        done: true,
    }));
    data.current.set(Some(ds.clone()));
    ui.send(Msg::Dataset(ds));
}

fn use_user(ui: Ui, data: Data, ds: Arc<Dataset>) {
    // Whatever built-in load is under way is no longer wanted.
    data.generation.update_value(|g| *g += 1);
    data.inflight.set_value(None);
    data.loaded.set_value(None);
    data.using_user.set(true);
    ui.error.set(None);
    data.status.set(format!(
        "{}: {} training + {} test images, {} classes, read in your browser",
        ds.name,
        ds.train.len(),
        ds.test.len(),
        ds.classes()
    ));
    install(ui, data, ds);
}

async fn refresh_usage(data: Data) {
    if cache::available() {
        data.usage.set(Some(cache::usage().await));
    }
}

async fn load_user_files(ui: Ui, data: Data, list: web_sys::FileList) {
    if list.length() == 0 {
        return;
    }
    data.status
        .set(format!("reading {} file(s) of yours…", list.length()));
    let files = match datasets::read_files(&list).await {
        Ok(f) => f,
        Err(e) => {
            ui.error.set(Some(format!("Your files: {e}")));
            return;
        }
    };
    crate::web::yield_now().await;
    match user_dataset(&files) {
        Ok(mut ds) => {
            ds.name = format!("Your files ({} images)", ds.train.len() + ds.test.len());
            let ds = Arc::new(ds);
            data.user.set(Some(ds.clone()));
            use_user(ui, data, ds);
        }
        Err(e) => {
            let still = if data.current.get_untracked().is_some() {
                " The dataset in use stays loaded."
            } else {
                ""
            };
            ui.error
                .set(Some(format!("Your files were not loaded: {e}.{still}")));
        }
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The option of the dataset select for the user's own files (present once they are loaded).
#[component]
pub fn UserDatasetOption() -> impl IntoView {
    let data = expect_context::<Data>();
    move || {
        data.user.get().map(|ds| {
            view! {
                <option value=USER_OPTION selected=move || data.using_user.get()>{ds.name.clone()}</option>
            }
        })
    }
}

/// Per-file progress bars, cache and memory readouts, CIFAR-10 batches, augmentation, and the
/// user's own files.
#[component]
pub fn DataPanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let data = expect_context::<Data>();
    let cfg = ui.config;
    let running = move || ui.run_state.get() == RunState::Running;
    let cifar = move || !data.using_user.get() && cfg.with(|c| c.dataset == DatasetKind::Cifar10);
    let files = move || {
        data.files
            .get()
            .into_iter()
            .map(|f| {
                let pct = f.percent();
                let state = match f.state {
                    FileState::Waiting => "waiting",
                    FileState::Downloading => "downloading",
                    FileState::Cached => "from cache, verified",
                    FileState::Verified => "downloaded, verified",
                    FileState::Failed => "failed",
                };
                view! {
                    <li data-testid="file-progress" data-state=state>
                        <span class="file">{f.path.clone()}</span>
                        <progress max="100" value=pct></progress>
                        <span class="bytes">{format!("{} of {} ({pct:.0} %) · {state}", mb(f.received), mb(f.size))}</span>
                    </li>
                }
            })
            .collect_view()
    };
    let usage = move || match data.usage.get() {
        None => "cache: unavailable here".to_string(),
        Some(u) => format!(
            "cached: {} in {} file(s){}",
            mb(u.bytes),
            u.files,
            u.origin_usage
                .map(|o| format!(" (this site's storage: {})", mb(o as u64)))
                .unwrap_or_default()
        ),
    };
    let clear = move |_| {
        leptos::task::spawn_local(async move {
            match cache::clear().await {
                Ok(()) => {
                    // Nothing in use is cached any more.
                    data.files.update(|fs| {
                        for f in fs.iter_mut().filter(|f| f.state == FileState::Cached) {
                            f.state = FileState::Verified;
                        }
                    });
                }
                Err(e) => ui.error.set(Some(e)),
            }
            refresh_usage(data).await;
        });
    };
    let on_files = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(list) = input.files() {
            leptos::task::spawn_local(async move {
                load_user_files(ui, data, list).await;
                // Choosing the same files again fires another change.
                input.set_value("");
            });
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
            leptos::task::spawn_local(load_user_files(ui, data, list));
        }
    };
    view! {
        <fieldset class="data" data-testid="data-panel" prop:disabled=running>
            <legend>"Data"</legend>
            <Show when=cifar>
                <label>
                    "CIFAR-10 training batches"
                    <select data-testid="train-batches" on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).parse::<usize>() {
                            ui.configure(|c| c.train_batches = n);
                        }
                    }>
                        {(1..=DatasetKind::Cifar10.train_batches()).map(|n| view! {
                            <option value=n.to_string() selected=move || cfg.with(|c| c.train_batches == n)>
                                {format!("{n} ({},000 images, {:.0} MB)", n * 10, n as f64 * 30.73)}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
            </Show>
            <label class="check" title="A random crop (4 pixels of padding) and a horizontal flip of each training image">
                <input type="checkbox" data-testid="augment"
                    prop:checked=move || cfg.with(|c| c.augment)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        ui.configure(|c| c.augment = on);
                    } />
                " Augment training images (crop, flip)"
            </label>
            <p class="data-status" data-testid="data-status">{move || data.status.get()}</p>
            <ul class="files">{files}</ul>
            <p class="memory">
                "WebAssembly memory: "
                <span data-testid="wasm-heap">{move || mb(data.heap.get())}</span>
            </p>
            <p class="cache">
                <span data-testid="cache-info">{usage}</span>
                " "
                <button data-testid="clear-cache" on:click=clear>"Clear cached data"</button>
            </p>
            <div class="dropzone" data-testid="drop-zone"
                on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=on_drop>
                <p>"Your own data: drop IDX files (raw or .gz) or CIFAR-style .bin files here, or choose them:"</p>
                <input type="file" multiple data-testid="user-files" on:change=on_files />
                <p class="hint">"Images and labels; names with “test” or “t10k” form the test split; an optional .txt names the classes. Read in your browser, never uploaded."</p>
            </div>
        </fieldset>
    }
}
