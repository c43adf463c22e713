//! Page state shared through context: a small `Copy` struct of signals.

use futures::channel::mpsc::UnboundedSender;
use leptos::prelude::*;

use crate::metrics::Curves;
use crate::train::{Command, Embedding, RunState, StepStats, TrainConfig};

pub use crate::backend::BackendChoice;

/// Download progress of the dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadProgress {
    /// File being fetched.
    pub file: String,
    /// Bytes received across all files.
    pub received: u64,
    /// Total bytes across all files, when known.
    pub total: Option<u64>,
    /// Whether everything arrived and was parsed.
    pub done: bool,
}

/// Messages to the training driver.
#[derive(Clone)]
pub enum Msg {
    /// A user command.
    Cmd(Command),
    /// A dataset is ready.
    Dataset(std::sync::Arc<crate::data::Dataset>),
    /// Use this backend from now on.
    Backend(BackendChoice),
    /// Start a side-by-side comparison of these runs (see [`super::compare`]).
    Compare {
        /// Tags the comparison's messages.
        generation: u64,
        /// The runs' settings.
        runs: Vec<TrainConfig>,
    },
    /// Stop the comparison.
    StopCompare,
}

/// All page state.
#[derive(Clone, Copy)]
pub struct Ui {
    /// The settings of the next run.
    pub config: RwSignal<TrainConfig>,
    /// Where the run stands.
    pub run_state: RwSignal<RunState>,
    /// Latest step.
    pub last_step: RwSignal<Option<StepStats>>,
    /// Steps of the whole run.
    pub total_steps: RwSignal<usize>,
    /// Latest embedding of the test subset.
    pub embedding: RwSignal<Option<Embedding>>,
    /// Loss and accuracy curves.
    pub curves: RwSignal<Curves>,
    /// Error for the banner.
    pub error: RwSignal<Option<String>>,
    /// Backend the user asked for.
    pub backend_choice: RwSignal<BackendChoice>,
    /// Backend actually in use, with the reason, for the status line.
    pub backend_info: RwSignal<String>,
    /// Dataset download progress.
    pub loading: RwSignal<Option<LoadProgress>>,
    /// Class names of the loaded dataset.
    pub class_names: RwSignal<Vec<String>>,
    /// Points drawn in the embedding plot (read back from plotly).
    pub plotted_points: RwSignal<usize>,
    /// Embedding updates drawn so far.
    pub plot_updates: RwSignal<usize>,
    /// Whether the loss's geometry is drawn over the embedding.
    pub show_geometry: RwSignal<bool>,
    /// Whether the head's decision regions are drawn beneath a 2-D embedding.
    pub show_regions: RwSignal<bool>,
    /// The paper-comparison preset last chosen (see [`crate::presets`]).
    pub preset: RwSignal<Option<&'static str>>,
    /// Live embedding metrics (computed by the host, next to the training).
    pub panels: super::metrics_panel::Panels,
    /// Where training runs: "in a Web Worker", or in the page and why.
    pub host_place: RwSignal<String>,
    /// Channel to the driver.
    pub tx: StoredValue<Option<UnboundedSender<Msg>>, LocalStorage>,
}

impl Ui {
    /// Fresh state.
    pub fn new(config: TrainConfig) -> Self {
        Self {
            config: RwSignal::new(config),
            run_state: RwSignal::new(RunState::Idle),
            last_step: RwSignal::new(None),
            total_steps: RwSignal::new(0),
            embedding: RwSignal::new(None),
            curves: RwSignal::new(Curves::default()),
            error: RwSignal::new(None),
            backend_choice: RwSignal::new(BackendChoice::Auto),
            backend_info: RwSignal::new("choosing a backend…".into()),
            loading: RwSignal::new(None),
            class_names: RwSignal::new(Vec::new()),
            plotted_points: RwSignal::new(0),
            plot_updates: RwSignal::new(0),
            show_geometry: RwSignal::new(true),
            show_regions: RwSignal::new(false),
            preset: RwSignal::new(None),
            panels: super::metrics_panel::Panels::new(),
            host_place: RwSignal::new("starting".into()),
            tx: StoredValue::new_local(None),
        }
    }

    /// Sends a message to the driver.
    pub fn send(&self, msg: Msg) {
        self.tx.with_value(|tx| {
            if let Some(tx) = tx {
                let _ = tx.unbounded_send(msg);
            }
        });
    }

    /// Sends a command to the driver.
    pub fn command(&self, c: Command) {
        self.send(Msg::Cmd(c));
    }

    /// Changes the configuration (which resets the run).
    pub fn configure(&self, f: impl FnOnce(&mut TrainConfig)) {
        let mut c = self.config.get_untracked();
        f(&mut c);
        self.config.set(c.clone());
        self.command(Command::Configure(c));
    }
}
