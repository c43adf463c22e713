//! Training: a seeded, asynchronous loop driven by [`Command`]s that emits [`Event`]s.
//!
//! [`Trainer`] owns one run (model, optimiser, sampler) and performs single steps with
//! `async` reads only, so the same code runs natively (blocking executor) and in the browser
//! (between yields to the event loop, or later in a Web Worker). [`Session`] is the state
//! machine around it: it turns commands into steps and steps into events.

mod config;
pub mod host;
pub mod probe;
pub mod record;
mod session;
mod trainer;

pub use config::{FieldKind, FieldSpec, LrSchedule, TrainConfig};
pub use host::{CompareUpdate, FromHost, Host, ToHost};
pub use record::{Checkpoint, CheckpointError};
pub use session::{Command, Event, RunState, Session, run_to_end};
pub use trainer::{Embedding, StepStats, TrainError, Trainer, images_tensor, normalized_tensor};
