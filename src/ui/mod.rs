//! The page (WebAssembly only): Leptos components that wire signals to the core.
//!
//! Components hold no maths: numbers come from [`crate::train::Session`] events,
//! [`crate::metrics`] and [`crate::viz`].

mod app;
mod charts;
mod controls;
mod driver;
mod gallery;
mod keys;
mod presenter;
mod share;
mod state;
mod status;

pub use app::{App, DataSource};
pub use state::{BackendChoice, Ui};
