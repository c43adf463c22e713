//! Browser tests of data in the browser (wasm-bindgen-test in headless Chromium): fetch →
//! verify → cache → reload from the cache with no data requests; a corrupt download is refused
//! and not cached; a damaged cache entry is downloaded again; hover thumbnails.
//!
//! `window.fetch` is replaced by a stub that serves real MNIST test files from memory and counts
//! requests (the test runner serves no data folder); the Cache API is the browser's own.
//! Run with `cargo test --target wasm32-unknown-unknown --test web_data`.
#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use leptos::prelude::*;
use playground::data::{DataError, Dataset, DatasetKind, sha256_hex};
use playground::train::TrainConfig;
use playground::ui::{App, BackendChoice, DataSource};
use playground::web::{cache, datasets};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod web_common;
use web_common::{IMAGES, LABELS, by_testid, document, load_plotly, mnist_test_images, wait_for};

wasm_bindgen_test_configure!(run_in_browser);

/// The served files of a small "MNIST": the real test files stand in for the training files.
fn served() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("mnist/train-images-idx3-ubyte.gz", IMAGES),
        ("mnist/train-labels-idx1-ubyte.gz", LABELS),
        ("mnist/t10k-images-idx3-ubyte.gz", IMAGES),
        ("mnist/t10k-labels-idx1-ubyte.gz", LABELS),
    ]
}

fn manifest_json() -> String {
    let files: Vec<String> = served()
        .iter()
        .map(|(path, bytes)| {
            let name = path
                .trim_start_matches("mnist/")
                .trim_end_matches(".gz")
                .to_string();
            format!(
                r#"{{"name":"{name}","path":"{path}","size":{},"encoding":"gzip","sha256":"{}","content_sha256":"{}"}}"#,
                bytes.len(),
                sha256_hex(bytes),
                // Only the served bytes' checksum is checked when they arrive as served.
                sha256_hex(b"decompressed content, not used here")
            )
        })
        .collect();
    format!(
        r#"{{"version":2,"datasets":{{"mnist":{{"title":"MNIST","files":[{}]}}}}}}"#,
        files.join(",")
    )
}

/// Replaces `window.fetch` with a stub serving `files` (URL → bytes) and recording each URL in
/// `globalThis.__requests`; other URLs get a 404.
fn stub_fetch(files: &[(String, Vec<u8>)]) {
    let map = js_sys::Map::new();
    for (url, bytes) in files {
        map.set(&url.into(), &js_sys::Uint8Array::from(&bytes[..]));
    }
    let global = js_sys::global();
    js_sys::Reflect::set(&global, &"__files".into(), &map).unwrap();
    js_sys::Reflect::set(&global, &"__requests".into(), &js_sys::Array::new()).unwrap();
    let f = js_sys::Function::new_with_args(
        "url",
        "globalThis.__requests.push(String(url));
         const b = globalThis.__files.get(String(url));
         if (!b) return Promise.resolve(new Response('not found', { status: 404, statusText: 'Not Found' }));
         return Promise.resolve(new Response(b.slice(), { status: 200, headers: { 'content-length': String(b.length) } }));",
    );
    js_sys::Reflect::set(&web_sys::window().unwrap(), &"fetch".into(), &f).unwrap();
}

fn requests() -> Vec<String> {
    js_sys::Reflect::get(&js_sys::global(), &"__requests".into())
        .unwrap()
        .unchecked_into::<js_sys::Array>()
        .iter()
        .map(|v| v.as_string().unwrap())
        .collect()
}

fn stub_files(base: &str, corrupt: Option<&str>) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![(format!("{base}manifest.json"), manifest_json().into_bytes())];
    for (path, bytes) in served() {
        let mut b = bytes.to_vec();
        if corrupt == Some(path) {
            let mid = b.len() / 2;
            b[mid] ^= 0xff;
        }
        files.push((format!("{base}{path}"), b));
    }
    files
}

#[wasm_bindgen_test]
async fn fetch_verify_cache_then_reload_from_cache_without_requests() {
    let base = "stub-a/";
    cache::clear().await.unwrap();
    stub_fetch(&stub_files(base, None));
    let mut seen = Vec::new();
    let (ds, first) = datasets::load(base, DatasetKind::Mnist, 1, |f| {
        seen.push(f.to_vec());
        true
    })
    .await
    .unwrap();
    assert_eq!((ds.train.len(), ds.test.len()), (10_000, 10_000));
    assert_eq!((first.downloaded, first.from_cache), (4, 0));
    assert_eq!(requests().len(), 5, "manifest + 4 files: {:?}", requests());
    // Progress was reported per file, ending with every file verified.
    let last = seen.last().unwrap();
    assert_eq!(last.len(), 4);
    assert!(
        last.iter()
            .all(|f| f.state == datasets::FileState::Verified && f.received == f.size)
    );
    let keys = cache::keys().await;
    assert_eq!(
        keys.iter().filter(|k| k.contains("/stub-a/mnist/")).count(),
        4,
        "{keys:?}"
    );
    let usage = cache::usage().await;
    assert!(usage.bytes >= 2 * (IMAGES.len() + LABELS.len()) as u64);

    // A reload: only the manifest goes to the network; every file comes from the cache.
    stub_fetch(&stub_files(base, None));
    let (again, second) = datasets::load(base, DatasetKind::Mnist, 1, |_| true)
        .await
        .unwrap();
    assert_eq!((second.downloaded, second.from_cache), (0, 4));
    assert_eq!(
        requests(),
        vec![format!("{base}manifest.json")],
        "only the manifest is requested"
    );
    assert_eq!(again.test.labels, ds.test.labels);
    web_sys::console::log_1(
        &format!(
            "first load {:.0} ms, cached load {:.0} ms",
            first.millis, second.millis
        )
        .into(),
    );

    // Offline with a cached manifest: still loads.
    stub_fetch(&[]);
    let (_, offline) = datasets::load(base, DatasetKind::Mnist, 1, |_| true)
        .await
        .unwrap();
    assert_eq!(offline.from_cache, 4);

    cache::clear().await.unwrap();
    assert!(cache::keys().await.is_empty());
}

#[wasm_bindgen_test]
async fn corrupt_download_is_named_and_not_cached_and_a_damaged_entry_is_replaced() {
    let base = "stub-b/";
    cache::clear().await.unwrap();
    let bad = "mnist/t10k-labels-idx1-ubyte.gz";
    stub_fetch(&stub_files(base, Some(bad)));
    let err = datasets::load(base, DatasetKind::Mnist, 1, |_| true)
        .await
        .unwrap_err();
    match &err {
        datasets::LoadError::Data(e) => {
            assert_eq!(e.file, bad);
            assert!(matches!(e.error, DataError::Checksum { .. }), "{e}");
        }
        other => panic!("expected a data error, got {other}"),
    }
    let keys = cache::keys().await;
    assert!(
        !keys.iter().any(|k| k.contains("/stub-b/mnist/")),
        "nothing of a failed load is cached: {keys:?}"
    );

    // A 404 is a network error naming the file.
    let mut files = stub_files(base, None);
    files.retain(|(u, _)| !u.ends_with("t10k-images-idx3-ubyte.gz"));
    stub_fetch(&files);
    let err = datasets::load(base, DatasetKind::Mnist, 1, |_| true)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, datasets::LoadError::Network { .. })
            && msg.contains("mnist/t10k-images-idx3-ubyte.gz")
            && msg.contains("404"),
        "{msg}"
    );

    // A good load, then damage one cached entry: it is verified on reading and downloaded again.
    stub_fetch(&stub_files(base, None));
    datasets::load(base, DatasetKind::Mnist, 1, |_| true)
        .await
        .unwrap();
    let url = format!("{base}{bad}");
    cache::put(&url, &sha256_hex(LABELS), b"damaged")
        .await
        .unwrap();
    stub_fetch(&stub_files(base, None));
    let (_, r) = datasets::load(base, DatasetKind::Mnist, 1, |_| true)
        .await
        .unwrap();
    assert_eq!((r.downloaded, r.from_cache), (1, 3));
    assert_eq!(cache::get(&url, &sha256_hex(LABELS)).await.unwrap(), LABELS);
    cache::clear().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_cancelled_load_stops() {
    let base = "stub-c/";
    stub_fetch(&stub_files(base, None));
    let mut calls = 0;
    let err = datasets::load(base, DatasetKind::Mnist, 1, |_| {
        calls += 1;
        calls < 3
    })
    .await
    .unwrap_err();
    assert_eq!(err, datasets::LoadError::Cancelled);
    assert!(
        !cache::keys()
            .await
            .iter()
            .any(|k| k.contains("/stub-c/mnist/")),
        "a cancelled load caches no data file (only the manifest)"
    );
}

fn small_mnist() -> Arc<Dataset> {
    let mut train = mnist_test_images().head(3000);
    let test = train.split_off_tail(500);
    Arc::new(
        Dataset::new(
            "MNIST (test files)",
            DatasetKind::Mnist.class_names(),
            train,
            test,
        )
        .unwrap(),
    )
}

/// Hovering a point (plotly's own hover, as a mouse would) draws its 28×28 image and names
/// its label and prediction; the memory readout shows a size.
#[wasm_bindgen_test]
async fn hover_shows_the_image_and_label() {
    load_plotly();
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let ds = small_mnist();
    let expected = ds.clone();
    let config = TrainConfig {
        batch_size: 8,
        eval_points: 200,
        ..TrainConfig::default()
    };
    leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        view! { <App source=DataSource::Memory(ds.clone()) backend=BackendChoice::Cpu config=config.clone() /> }
    })
    .forget();
    let step: web_sys::HtmlButtonElement = by_testid(&root, "step").unchecked_into();
    wait_for("the data", 60.0, || !step.disabled()).await;
    assert!(
        by_testid(&root, "wasm-heap")
            .text_content()
            .unwrap()
            .ends_with("MB")
    );
    step.click();
    let updates = by_testid(&root, "plot-updates");
    wait_for("the embedding", 120.0, || {
        updates.text_content().unwrap().trim() != "0"
    })
    .await;
    // Hover the third point of class 1 (trace 1).
    let plot = by_testid(&root, "embedding-plot");
    let fx = js_sys::Reflect::get(
        &js_sys::Reflect::get(&js_sys::global(), &"Plotly".into()).unwrap(),
        &"Fx".into(),
    )
    .unwrap();
    let hover: js_sys::Function = js_sys::Reflect::get(&fx, &"hover".into())
        .unwrap()
        .unchecked_into();
    let pt = js_sys::JSON::parse(r#"[{"curveNumber":1,"pointNumber":2}]"#).unwrap();
    // plotly emits plotly_hover only for events with a target, as a mouse's have.
    js_sys::Reflect::set(&pt, &"target".into(), &plot).unwrap();
    hover.call2(&fx, &plot, &pt).unwrap();
    let label = by_testid(&root, "hover-label");
    wait_for("the hover label", 10.0, || {
        label.text_content().unwrap().contains("label: 1")
    })
    .await;
    // The third test image labelled 1.
    let index = (0..expected.test.len())
        .filter(|&i| expected.test.labels[i] == 1)
        .nth(2)
        .unwrap();
    let text = label.text_content().unwrap();
    assert!(
        text.contains(&format!("#{index} ")),
        "{text} (expected #{index})"
    );
    let canvas: web_sys::HtmlCanvasElement = by_testid(&root, "hover-thumb").unchecked_into();
    assert_eq!((canvas.width(), canvas.height()), (28, 28));
    let ctx: web_sys::CanvasRenderingContext2d =
        canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    let pixels = ctx.get_image_data(0.0, 0.0, 28.0, 28.0).unwrap().data();
    let red: Vec<u8> = pixels.0.iter().step_by(4).copied().collect();
    assert_eq!(
        red,
        expected.test.image(index),
        "the thumbnail is the image"
    );
}
