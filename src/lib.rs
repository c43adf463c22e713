//! # Embedding Playground
//!
//! Watch a convolutional network shape its *embedded space* while it trains — the experiments
//! of S. Scholl, "Comparison of Embedded Spaces for Deep Learning Classification"
//! (arXiv 2408.01767), live in the browser.
//!
//! ## Architecture
//! A backend-agnostic core, tested natively, and a thin browser shell:
//! - [`data`]: IDX files and CIFAR-10 batches (MNIST, Fashion-MNIST, CIFAR-10, or the user's
//!   own files) → validated [`data::Dataset`] (images stay `u8`), the data folder's manifest and
//!   sha256 checks, seeded batch order (plain epochs, or class-balanced batches for the metric
//!   losses) and seeded crop/flip augmentation.
//! - [`model`]: the paper's CNN; its last linear layer is the embedding.
//! - [`loss`]: a [`loss::LossConfig`] → [`loss::Loss`] registry, one file per loss; each loss
//!   owns its head (the parameters that classify an embedding).
//! - [`train`]: [`train::Trainer`] (one async step at a time, async read-backs only) and
//!   [`train::Session`], the command → event state machine a UI or a Web Worker drives.
//! - [`metrics`], [`viz`]: numbers and plot data from embeddings, no DOM.
//! - [`share`]: the share-link codec (settings ⇄ a versioned, validated query string).
//! - `ui` and `web` (WebAssembly only): Leptos components and browser glue (fetch, WebGPU,
//!   plotly.js). They hold no maths.
//!
//! The `lab` binary runs the same core natively.

pub mod backend;
pub mod data;
pub mod export;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod presets;
pub mod share;
pub mod train;
pub mod viz;

#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod web;

/// The browser app's entry points (Trunk builds with the `app` feature).
#[cfg(all(target_arch = "wasm32", feature = "app"))]
mod app {
    use wasm_bindgen::prelude::wasm_bindgen;

    unsafe extern "C" {
        /// The static constructors (`inventory` registrations of burn's kernels), generated
        /// by the linker.
        fn __wasm_call_ctors();
    }

    /// Runs the constructors once, then mounts the page. In the training worker (no window)
    /// it mounts nothing: the worker's bootstrap calls [`worker_entry`] next.
    ///
    /// Calling the constructors from an export makes the linker build a "reactor": without
    /// it, every export (each callback from JavaScript, each allocation for a string) would
    /// run all constructors again first, which cost about a second of main-thread time per
    /// half-minute of training.
    #[wasm_bindgen(start)]
    pub fn start() {
        // SAFETY: called once, first, by wasm-bindgen's start-up, before any other Rust code.
        unsafe { __wasm_call_ctors() };
        console_error_panic_hook::set_once();
        if web_sys::window().is_none() {
            return;
        }
        leptos::mount::mount_to_body(|| leptos::view! { <crate::ui::App /> });
    }

    /// The training worker's entry point, called by its bootstrap script once this module is
    /// instantiated there (see [`crate::web::worker`]).
    #[wasm_bindgen]
    pub fn worker_entry() {
        crate::web::worker::serve();
    }
}
