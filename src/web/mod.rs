//! Browser glue (WebAssembly only): fetching bytes, the data cache and dataset loading,
//! WebGPU start-up, plotly.js, yielding.
//! No maths here: everything numeric lives in the core.

pub mod cache;
pub mod datasets;
pub mod download;
pub mod fetch;
pub mod gpu;
pub mod plot;

/// Gives the browser a turn (rendering, input) before continuing.
pub async fn yield_now() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Milliseconds since the page started (`performance.now()`).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}
