//! The run's state machine: [`Command`]s in, [`Event`]s out, work in small async slices.
//!
//! The driver (a `lab` loop natively, a `spawn_local` loop or Web Worker in the browser)
//! feeds commands with [`Session::handle`], calls [`Session::work`] while
//! [`Session::wants_work`] is true and yields to its event loop between calls. Each call does
//! a bounded amount of compute: one training step, or one chunk of the test-subset embedding.

use std::sync::Arc;

use burn::tensor::Device;

use super::{Checkpoint, Embedding, StepStats, TrainConfig, TrainError, Trainer};
use crate::data::Dataset;

/// What the user asks for.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Command {
    /// Train continuously.
    Start,
    /// Stop after the current slice of work.
    Pause,
    /// Train exactly one step, then pause.
    Step,
    /// Discard the run; the next start begins from fresh weights.
    Reset,
    /// Replace the configuration (resets the run).
    Configure(TrainConfig),
    /// Save the run: the next [`Session::work`] emits [`Event::Checkpoint`].
    Save,
    /// Continue a saved run (its configuration replaces the current one); paused afterwards.
    Load(Checkpoint),
}

/// Where the run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RunState {
    /// No run yet, or reset.
    Idle,
    /// Training.
    Running,
    /// Stopped by the user; can resume.
    Paused,
    /// All epochs done.
    Finished,
    /// Stopped by an error; reset to go on.
    Failed,
}

/// What the session reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Event {
    /// The state changed.
    State(RunState),
    /// A training step finished.
    Step(StepStats),
    /// A fresh embedding of the test subset.
    Embedding(Embedding),
    /// Something went wrong; the message is for the user.
    Error(String),
    /// The compute device failed (a lost GPU device, for example): the run stopped and the
    /// driver should move to another backend.
    DeviceLost(String),
    /// The run, saved (answer to [`Command::Save`]).
    Checkpoint(Checkpoint),
    /// A checkpoint was loaded: its configuration is now the session's, at `step`.
    Loaded {
        /// The loaded run's configuration.
        config: TrainConfig,
        /// Steps it had trained.
        step: usize,
    },
}

/// Points embedded per [`Session::work`] call.
const EMBED_CHUNK: usize = 250;

/// A training session over one dataset on one device.
pub struct Session {
    config: TrainConfig,
    dataset: Option<Arc<Dataset>>,
    device: Device,
    trainer: Option<Trainer>,
    state: RunState,
    single_step: bool,
    embedding: Option<Embedding>,
    embed_due: bool,
    embedded_step: Option<usize>,
    save_due: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("state", &self.state)
            .field("trainer", &self.trainer)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session with no dataset yet.
    pub fn new(config: TrainConfig, device: Device) -> Self {
        Self {
            config,
            dataset: None,
            device,
            trainer: None,
            state: RunState::Idle,
            single_step: false,
            embedding: None,
            embed_due: false,
            embedded_step: None,
            save_due: false,
        }
    }

    /// Current state.
    pub fn state(&self) -> RunState {
        self.state
    }

    /// Current configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The run, if one has started.
    pub fn trainer(&self) -> Option<&Trainer> {
        self.trainer.as_ref()
    }

    /// Uses `dataset` from now on (resets the run).
    pub fn set_dataset(&mut self, dataset: Arc<Dataset>) -> Vec<Event> {
        self.dataset = Some(dataset);
        self.reset()
    }

    /// Trains on `device` from now on (resets the run).
    pub fn set_device(&mut self, device: Device) -> Vec<Event> {
        self.device = device;
        self.reset()
    }

    /// Whether [`Self::work`] has something to do.
    pub fn wants_work(&self) -> bool {
        self.state == RunState::Running
            || self.single_step
            || self.embedding.is_some()
            || ((self.embed_due || self.save_due) && self.trainer.is_some())
    }

    /// Applies a command.
    pub fn handle(&mut self, command: Command) -> Vec<Event> {
        match command {
            Command::Start => match self.state {
                RunState::Running => vec![],
                RunState::Finished | RunState::Failed => {
                    vec![Event::Error(
                        "this run has ended: reset to train again".into(),
                    )]
                }
                _ => self.begin(false),
            },
            Command::Step => match self.state {
                RunState::Idle | RunState::Paused => self.begin(true),
                RunState::Running => vec![],
                RunState::Finished | RunState::Failed => {
                    vec![Event::Error(
                        "this run has ended: reset to train again".into(),
                    )]
                }
            },
            Command::Pause => {
                self.single_step = false;
                // Show where training stopped, if the plot is behind.
                if let Some(t) = &self.trainer
                    && self.embedded_step != Some(t.step())
                {
                    self.embed_due = true;
                }
                if self.state == RunState::Running {
                    self.set_state(RunState::Paused)
                } else {
                    vec![]
                }
            }
            Command::Reset => self.reset(),
            Command::Configure(config) => match config.validate() {
                Ok(()) => {
                    self.config = config;
                    self.reset()
                }
                Err(e) => vec![Event::Error(format!("invalid configuration: {e}"))],
            },
            Command::Save => {
                if self.trainer.is_none() {
                    return vec![Event::Error(
                        "nothing to save yet: train at least one step".into(),
                    )];
                }
                self.save_due = true;
                vec![]
            }
            Command::Load(checkpoint) => self.load(&checkpoint),
        }
    }

    fn load(&mut self, checkpoint: &Checkpoint) -> Vec<Event> {
        let Some(dataset) = self.dataset.clone() else {
            return vec![Event::Error("no dataset loaded yet".into())];
        };
        match Trainer::from_checkpoint(checkpoint, dataset, &self.device) {
            Ok(t) => {
                let mut ev = self.reset();
                let config = checkpoint.header.config.clone();
                self.config = config.clone();
                self.trainer = Some(t);
                self.embed_due = true;
                ev.push(Event::Loaded {
                    config,
                    step: checkpoint.header.step,
                });
                ev.extend(self.set_state(RunState::Paused));
                ev
            }
            Err(e) => vec![Event::Error(format!("could not load the checkpoint: {e}"))],
        }
    }

    fn set_state(&mut self, state: RunState) -> Vec<Event> {
        if self.state == state {
            return vec![];
        }
        self.state = state;
        vec![Event::State(state)]
    }

    fn reset(&mut self) -> Vec<Event> {
        self.trainer = None;
        self.single_step = false;
        self.embedding = None;
        self.embed_due = false;
        self.embedded_step = None;
        self.save_due = false;
        let mut ev = self.set_state(RunState::Idle);
        if self.state == RunState::Idle && ev.is_empty() {
            ev.push(Event::State(RunState::Idle));
        }
        ev
    }

    fn begin(&mut self, single: bool) -> Vec<Event> {
        let Some(dataset) = self.dataset.clone() else {
            return vec![Event::Error("no dataset loaded yet".into())];
        };
        if self.trainer.is_none() {
            match Trainer::new(self.config.clone(), dataset, &self.device) {
                Ok(t) => {
                    self.trainer = Some(t);
                    self.embed_due = true; // show the untrained embedding first
                }
                Err(e) => return self.fail(e),
            }
        }
        self.single_step = single;
        if single {
            // A single step pauses afterwards; report Paused rather than Running.
            self.set_state(RunState::Paused)
        } else {
            self.set_state(RunState::Running)
        }
    }

    fn fail(&mut self, e: TrainError) -> Vec<Event> {
        self.single_step = false;
        self.embedding = None;
        let mut ev = vec![match e {
            TrainError::Device(_) => Event::DeviceLost(e.to_string()),
            _ => Event::Error(e.to_string()),
        }];
        ev.extend(self.set_state(RunState::Failed));
        ev
    }

    /// Does one slice of work: refreshes the prototypes of a metric loss before an embedding,
    /// continues a pending embedding by one chunk, or trains one step.
    pub async fn work(&mut self) -> Vec<Event> {
        let Some(trainer) = self.trainer.as_ref() else {
            self.single_step = false;
            return vec![];
        };
        if std::mem::take(&mut self.save_due) {
            return match trainer.checkpoint().await {
                Ok(c) => vec![Event::Checkpoint(c)],
                Err(e) => vec![Event::Error(format!("could not save the run: {e}"))],
            };
        }
        // Metric losses: refresh the prototypes from training images first, as a slice of its own.
        if self.embed_due && self.embedding.is_none() && trainer.prototypes_stale() {
            let Some(trainer) = self.trainer.as_mut() else {
                return vec![];
            };
            return match trainer.refresh_prototypes().await {
                Ok(()) => vec![],
                Err(e) => self.fail(e),
            };
        }
        // Start an embedding when one is due.
        if self.embed_due && self.embedding.is_none() {
            self.embed_due = false;
            self.embedding = Some(Embedding {
                step: trainer.step(),
                dim: trainer.config().dim,
                points: Vec::new(),
                labels: Vec::new(),
                predictions: Vec::new(),
                geometry: None,
            });
        }
        if let Some(partial) = self.embedding.as_mut() {
            let test = &trainer.dataset().test;
            let total = trainer.config().eval_points.min(test.len());
            let from = partial.len();
            let to = (from + EMBED_CHUNK).min(total);
            let idx: Vec<usize> = (from..to).collect();
            match trainer.embed(test, &idx).await {
                Ok(chunk) => {
                    partial.points.extend(chunk.points);
                    partial.labels.extend(chunk.labels);
                    partial.predictions.extend(chunk.predictions);
                }
                Err(e) => return self.fail(e),
            }
            if partial.len() < total {
                return vec![];
            }
            self.embedded_step = Some(partial.step);
            // A failed read of the (small) geometry only costs the overlay, not the embedding.
            partial.geometry = trainer.model().loss.geometry(trainer.step()).await.ok();
            let done = self.embedding.take().map(Event::Embedding);
            return done.into_iter().collect();
        }
        if !(self.state == RunState::Running || self.single_step) {
            return vec![];
        }
        let Some(trainer) = self.trainer.as_mut() else {
            return vec![];
        };
        match trainer.train_step().await {
            Ok(stats) => {
                let every = trainer.config().eval_every;
                let finished = stats.finished;
                if finished || stats.step.is_multiple_of(every) || self.single_step {
                    self.embed_due = true;
                }
                self.single_step = false;
                let mut ev = vec![Event::Step(stats)];
                if finished {
                    ev.extend(self.set_state(RunState::Finished));
                }
                ev
            }
            Err(e) => self.fail(e),
        }
    }
}

/// Runs a session to the end of its configured epochs (native driver and tests): returns every
/// event, in order.
pub async fn run_to_end(session: &mut Session) -> Vec<Event> {
    let mut events = session.handle(Command::Start);
    while session.wants_work() {
        events.extend(session.work().await);
    }
    events
}
