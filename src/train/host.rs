//! Every run the page shows, behind one message interface: the page's own run, a side-by-side
//! comparison of 2–4 runs, and the embedding metrics of both.
//!
//! The [`Host`] is what the browser puts in a Web Worker (or, where workers are unavailable, in
//! the page itself): messages in ([`ToHost`]), messages out ([`FromHost`]), work in bounded
//! slices ([`Host::work`]) with a yield to the event loop between them. Each slice is one
//! training step of one run, one chunk of one embedding, or one metrics computation. The runs
//! take turns, so a comparison and the page's run share the machine fairly. Everything is
//! plain data that serde can carry across `postMessage`.

use std::sync::Arc;

use burn::tensor::Device;
use web_time::Instant;

use super::{Command, Embedding, Event, RunState, Session, TrainConfig};
use crate::data::Dataset;
use crate::metrics::{EmbeddingMetrics, MetricsConfig};

/// Fewest milliseconds between two metric computations of the page's run while it trains; a
/// slow computation spaces them further (ten times its own duration).
pub const METRICS_MIN_INTERVAL_MS: f64 = 1000.0;

/// Messages to the host.
#[allow(clippy::large_enum_variant)] // built once, moved once: boxing buys nothing
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ToHost {
    /// A command for the page's run.
    Command(Command),
    /// Starts a comparison of these runs (replacing any comparison), all from the same seed.
    Compare {
        /// Tags every message about this comparison, so stale ones can be told apart.
        generation: u64,
        /// The runs' settings.
        runs: Vec<TrainConfig>,
    },
    /// Stops the comparison (its runs are dropped).
    StopCompare,
}

/// What happened to one run of a comparison.
#[allow(clippy::large_enum_variant)] // built once, moved once: boxing buys nothing
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum CompareUpdate {
    /// Steps done.
    Step(usize),
    /// The run's state changed.
    State(RunState),
    /// The run stopped on an error.
    Error(String),
    /// A fresh embedding and its metrics (`None` when they could not be computed).
    Embedding {
        /// The embedding.
        embedding: Embedding,
        /// Its metrics, with [`compare_metrics_config`].
        metrics: Option<EmbeddingMetrics>,
    },
}

/// Messages from the host.
#[allow(clippy::large_enum_variant)] // built once, moved once: boxing buys nothing
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum FromHost {
    /// An event of the page's run.
    Event(Event),
    /// Where the page's run stands: sent after its events whenever a run exists.
    Progress {
        /// Steps of the whole run.
        total_steps: usize,
        /// Epochs done (fractional).
        epoch: f64,
    },
    /// The metrics of the page's latest embedding, with [`crate::export::live_metrics_config`].
    Metrics {
        /// Step of the embedding scored.
        step: usize,
        /// Milliseconds the computation took.
        ms: f64,
        /// The metrics, or why they could not be computed.
        result: Result<EmbeddingMetrics, String>,
    },
    /// News of one run of a comparison.
    Compare {
        /// The comparison's generation (see [`ToHost::Compare`]).
        generation: u64,
        /// Index of the run.
        run: usize,
        /// What happened.
        update: CompareUpdate,
    },
    /// Every run of the comparison has stopped (finished, failed or stopped).
    CompareDone {
        /// The comparison's generation.
        generation: u64,
    },
}

/// Metrics settings of compared runs: a smaller budget than the page's own panel, since up to
/// four embeddings are scored.
pub fn compare_metrics_config() -> MetricsConfig {
    MetricsConfig {
        retrieval_sample: 500,
        silhouette_sample: 300,
        ..MetricsConfig::default()
    }
}

/// The comparison in progress.
struct Comparison {
    generation: u64,
    sessions: Vec<Session>,
}

/// The page's run, a comparison and the metrics of both, fed by messages.
pub struct Host {
    main: Session,
    dataset: Option<Arc<Dataset>>,
    device: Device,
    compare: Option<Comparison>,
    /// Whose turn is next: 0 the page's run, `i + 1` compared run `i`.
    turn: usize,
    /// The page's latest embedding whose metrics are still to be computed.
    metrics_due: Option<Embedding>,
    /// When the page's metrics were last computed, and the interval to keep.
    metrics_last: Option<Instant>,
    metrics_interval_ms: f64,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("main", &self.main)
            .field("compared", &self.compare.as_ref().map(|c| c.sessions.len()))
            .finish_non_exhaustive()
    }
}

impl Host {
    /// A host with no dataset yet, training on `device`.
    pub fn new(config: TrainConfig, device: Device) -> Self {
        Self {
            main: Session::new(config, device.clone()),
            dataset: None,
            device,
            compare: None,
            turn: 0,
            metrics_due: None,
            metrics_last: None,
            metrics_interval_ms: METRICS_MIN_INTERVAL_MS,
        }
    }

    /// The page's run.
    pub fn session(&self) -> &Session {
        &self.main
    }

    /// The dataset in use.
    pub fn dataset(&self) -> Option<&Arc<Dataset>> {
        self.dataset.as_ref()
    }

    /// Uses `dataset` from now on: the page's run resets and a comparison stops.
    pub fn set_dataset(&mut self, dataset: Arc<Dataset>) -> Vec<FromHost> {
        self.dataset = Some(dataset.clone());
        self.restart(|main| main.set_dataset(dataset))
    }

    /// Trains on `device` from now on: the page's run resets and a comparison stops.
    pub fn set_device(&mut self, device: Device) -> Vec<FromHost> {
        self.device = device.clone();
        self.restart(|main| main.set_device(device))
    }

    /// Stops the comparison and applies `reset` (which resets the page's run) to the page's run.
    fn restart(&mut self, reset: impl FnOnce(&mut Session) -> Vec<Event>) -> Vec<FromHost> {
        let mut out = self.stop_compare();
        let events = reset(&mut self.main);
        out.extend(self.main_events(events));
        out
    }

    /// Applies a message.
    pub fn handle(&mut self, message: ToHost) -> Vec<FromHost> {
        match message {
            ToHost::Command(c) => {
                // A reset (Reset, a new configuration, a load) reports `Idle`, which drops the
                // pending metrics in `main_events`.
                let events = self.main.handle(c);
                self.main_events(events)
            }
            ToHost::Compare { generation, runs } => self.start_compare(generation, runs),
            ToHost::StopCompare => self.stop_compare(),
        }
    }

    fn start_compare(&mut self, generation: u64, runs: Vec<TrainConfig>) -> Vec<FromHost> {
        let mut out = self.stop_compare();
        let Some(dataset) = self.dataset.clone() else {
            out.extend((0..runs.len()).map(|run| FromHost::Compare {
                generation,
                run,
                update: CompareUpdate::Error("the data are not loaded yet".into()),
            }));
            out.push(FromHost::CompareDone { generation });
            return out;
        };
        let mut sessions = Vec::with_capacity(runs.len());
        for (run, config) in runs.into_iter().enumerate() {
            let mut s = Session::new(config, self.device.clone());
            s.set_dataset(dataset.clone());
            let events = s.handle(Command::Start);
            out.extend(compare_updates(generation, run, events));
            sessions.push(s);
        }
        self.compare = Some(Comparison {
            generation,
            sessions,
        });
        out
    }

    fn stop_compare(&mut self) -> Vec<FromHost> {
        match self.compare.take() {
            Some(c) => vec![FromHost::CompareDone {
                generation: c.generation,
            }],
            None => vec![],
        }
    }

    /// Whether [`Self::work`] has something to do.
    pub fn wants_work(&self) -> bool {
        self.main.wants_work()
            || self.metrics_due.is_some()
            || self
                .compare
                .as_ref()
                .is_some_and(|c| c.sessions.iter().any(Session::wants_work))
    }

    /// Whether the page's pending metrics should be computed now: the interval has passed, or
    /// the page's run has nothing else to do.
    fn metrics_ready(&self) -> bool {
        if self.metrics_due.is_none() {
            return false;
        }
        let elapsed = self
            .metrics_last
            .map_or(f64::INFINITY, |t| t.elapsed().as_secs_f64() * 1000.0);
        elapsed >= self.metrics_interval_ms || !self.main.wants_work()
    }

    /// Does one slice of work: the page's metrics when due, else the next run's turn.
    pub async fn work(&mut self) -> Vec<FromHost> {
        if self.metrics_ready()
            && let Some(emb) = self.metrics_due.take()
        {
            return vec![self.compute_metrics(&emb)];
        }
        let runs = 1 + self.compare.as_ref().map_or(0, |c| c.sessions.len());
        for _ in 0..runs {
            let turn = self.turn % runs;
            self.turn = (turn + 1) % runs;
            if turn == 0 {
                if self.main.wants_work() {
                    let events = self.main.work().await;
                    return self.main_events(events);
                }
            } else if let Some(c) = self.compare.as_mut() {
                let i = turn - 1;
                if c.sessions[i].wants_work() {
                    let generation = c.generation;
                    let events = c.sessions[i].work().await;
                    let mut out = compare_updates(generation, i, events);
                    if !c.sessions.iter().any(Session::wants_work) {
                        out.push(FromHost::CompareDone { generation });
                    }
                    return out;
                }
            }
        }
        // Nothing wants work: pending metrics were ready (the page's run is idle) and are done.
        vec![]
    }

    fn compute_metrics(&mut self, emb: &Embedding) -> FromHost {
        let t0 = Instant::now();
        let result = crate::export::embedding_metrics(emb, &crate::export::live_metrics_config())
            .map_err(|e| e.to_string());
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        self.metrics_last = Some(Instant::now());
        self.metrics_interval_ms = METRICS_MIN_INTERVAL_MS.max(10.0 * ms);
        FromHost::Metrics {
            step: emb.step,
            ms,
            result,
        }
    }

    /// Wraps the page run's events, queues the metrics of a new embedding and adds the run's
    /// progress.
    fn main_events(&mut self, events: Vec<Event>) -> Vec<FromHost> {
        let mut out = Vec::with_capacity(events.len() + 1);
        for e in events {
            match &e {
                Event::Embedding(emb) => self.metrics_due = Some(emb.clone()),
                Event::State(RunState::Idle) => self.metrics_due = None,
                _ => {}
            }
            out.push(FromHost::Event(e));
        }
        if !out.is_empty()
            && let Some(t) = self.main.trainer()
        {
            out.push(FromHost::Progress {
                total_steps: t.total_steps(),
                epoch: t.epoch(),
            });
        }
        out
    }
}

/// A compared run's events as updates (checkpoints and loads do not happen to compared runs).
fn compare_updates(generation: u64, run: usize, events: Vec<Event>) -> Vec<FromHost> {
    events
        .into_iter()
        .filter_map(|e| {
            let update = match e {
                Event::Step(s) => CompareUpdate::Step(s.step),
                Event::State(s) => CompareUpdate::State(s),
                Event::Error(m) | Event::DeviceLost(m) => CompareUpdate::Error(m),
                Event::Embedding(embedding) => {
                    let metrics =
                        crate::export::embedding_metrics(&embedding, &compare_metrics_config())
                            .ok();
                    CompareUpdate::Embedding { embedding, metrics }
                }
                Event::Checkpoint(_) | Event::Loaded { .. } => return None,
            };
            Some(FromHost::Compare {
                generation,
                run,
                update,
            })
        })
        .collect()
}

/// A message as CBOR bytes, the form it crosses `postMessage` in (CBOR keeps NaN and
/// infinities, which a diverging run produces and JSON cannot carry).
pub fn encode<T: serde::Serialize>(message: &T) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail, and every message type serialises.
    let _ = ciborium::into_writer(message, &mut bytes);
    bytes
}

/// A message back from [`encode`]'s bytes.
///
/// # Errors
/// The bytes are not such a message.
pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    ciborium::from_reader(bytes).map_err(|e| format!("unreadable message: {e}"))
}

/// Runs the host until nothing is left to do (native driver and tests): returns every message.
pub async fn run_until_idle(host: &mut Host) -> Vec<FromHost> {
    let mut out = Vec::new();
    while host.wants_work() {
        out.extend(host.work().await);
    }
    out
}
