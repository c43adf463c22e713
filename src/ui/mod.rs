//! The page (WebAssembly only): Leptos components that wire signals to the core.
//!
//! Components hold no maths: numbers come from [`crate::train::Session`] events,
//! [`crate::metrics`] and [`crate::viz`].

mod app;
mod charts;
pub mod compare;
mod controls;
mod data_panel;
mod driver;
pub mod export;
mod gallery;
mod hover;
mod keys;
pub mod metrics_panel;
mod presenter;
mod share;
mod state;
mod status;

pub use app::{App, DataSource};
pub use compare::start_compare;
pub use state::{BackendChoice, Ui};
