//! Helpers shared by the browser tests (`tests/web.rs`, `tests/web_data.rs`): the real MNIST
//! test files and plotly compiled in, and a few DOM helpers.
#![allow(dead_code)]

use playground::data::{ImageSet, Limits};
use wasm_bindgen::JsCast;

/// The real MNIST test images (prepared by `make data`).
pub const IMAGES: &[u8] = include_bytes!("../../data/mnist/t10k-images-idx3-ubyte.gz");
/// Their labels.
pub const LABELS: &[u8] = include_bytes!("../../data/mnist/t10k-labels-idx1-ubyte.gz");
/// The plotly bundle the page loads from `index.html`.
pub const PLOTLY: &str =
    include_str!("../../node_modules/plotly.js-gl3d-dist-min/plotly-gl3d.min.js");

/// All 10,000 MNIST test images.
pub fn mnist_test_images() -> ImageSet {
    ImageSet::from_idx(
        ("t10k-images", IMAGES),
        ("t10k-labels", LABELS),
        10,
        Limits::default(),
    )
    .unwrap()
}

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Puts plotly on the page (once), as `index.html` does for the app.
pub fn load_plotly() {
    if js_sys::Reflect::has(&js_sys::global(), &"Plotly".into()).unwrap_or(false) {
        return;
    }
    let s = document().create_element("script").unwrap();
    s.set_text_content(Some(PLOTLY));
    document().head().unwrap().append_child(&s).unwrap();
    assert!(js_sys::Reflect::has(&js_sys::global(), &"Plotly".into()).unwrap());
}

/// The element under `root` with this `data-testid`; panics if there is none.
pub fn by_testid(root: &web_sys::Element, id: &str) -> web_sys::HtmlElement {
    root.query_selector(&format!("[data-testid='{id}']"))
        .unwrap()
        .unwrap_or_else(|| panic!("no element with data-testid={id}"))
        .unchecked_into()
}

/// Polls `cond` every 50 ms until it holds; panics after `secs` seconds.
pub async fn wait_for(what: &str, secs: f64, mut cond: impl FnMut() -> bool) {
    let start = js_sys::Date::now();
    while !cond() {
        assert!(
            js_sys::Date::now() - start < secs * 1000.0,
            "timed out after {secs}s waiting for {what}"
        );
        gloo_timers::future::TimeoutFuture::new(50).await;
    }
}

/// The leading whole number of an element's text (0 when there is none).
pub fn number(el: &web_sys::HtmlElement) -> usize {
    el.text_content()
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("0")
        .parse()
        .unwrap_or(0)
}
