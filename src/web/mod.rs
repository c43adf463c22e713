//! Browser glue (WebAssembly only): fetching bytes, the data cache and dataset loading,
//! WebGPU start-up, plotly.js, yielding.
//! No maths here: everything numeric lives in the core.

pub mod cache;
pub mod datasets;
pub mod download;
pub mod fetch;
pub mod gpu;
pub mod plot;
pub mod worker;

/// Gives the browser a turn (rendering, input) before continuing.
pub async fn yield_now() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}

/// Milliseconds since the page (or worker) started (`performance.now()`).
pub fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| wasm_bindgen::JsCast::dyn_into::<web_sys::Performance>(p).ok())
        .map(|p| p.now())
        .unwrap_or(0.0)
}
