//! Browser tests (wasm-bindgen-test in headless Chromium): the page mounts and trains, the
//! plot receives points, and WebGPU computes what the CPU backend computes.
//!
//! Run with `cargo test --target wasm32-unknown-unknown` (see scripts/test.sh). The data are
//! the real MNIST test files prepared by `make data`, compiled into the test.
#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use leptos::prelude::*;
use playground::data::{Dataset, DatasetKind, ImageSet, Limits};
use playground::loss::check::cross_check;
use playground::train::{TrainConfig, Trainer};
use playground::ui::{App, BackendChoice, DataSource};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod web_common;
use web_common::{
    IMAGES, LABELS, by_testid, document, load_plotly, mnist_test_images, number, wait_for,
};

wasm_bindgen_test_configure!(run_in_browser);

/// Real MNIST test images; the first 8,000 train, the last 2,000 are the test split.
fn mnist() -> Arc<Dataset> {
    let all = mnist_test_images();
    let n = all.image_len();
    let split = |a: usize, b: usize| ImageSet {
        images: all.images[a * n..b * n].to_vec(),
        labels: all.labels[a..b].to_vec(),
        ..all.clone()
    };
    Arc::new(
        Dataset::new(
            "MNIST (test files)",
            DatasetKind::Mnist.class_names(),
            split(0, 8000),
            split(8000, 10_000),
        )
        .unwrap(),
    )
}

/// Mounts the App (CPU backend, real MNIST from memory) into a fresh element.
fn mount_app(config: TrainConfig) -> web_sys::Element {
    load_plotly();
    // Apps of earlier tests stay mounted and keep their settings in the address bar (the share
    // link), which a new app reads: each test's app starts from the bare page.
    let w = web_sys::window().unwrap();
    let path = w.location().pathname().unwrap();
    w.history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path))
        .unwrap();
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let ds = mnist();
    leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        view! { <App source=DataSource::Memory(ds.clone()) backend=BackendChoice::Cpu config=config.clone() /> }
    })
    .forget();
    root
}

/// Mounts a small run (batch 16, an embedding of 300 points every 2 steps) and waits until
/// it can train; returns the root and the Train button.
async fn mount_small_run() -> (web_sys::Element, web_sys::HtmlButtonElement) {
    let root = mount_app(TrainConfig {
        batch_size: 16,
        eval_every: 2,
        eval_points: 300,
        ..TrainConfig::default()
    });
    let train: web_sys::HtmlButtonElement = by_testid(&root, "train").unchecked_into();
    wait_for("the Train button to be enabled", 60.0, || !train.disabled()).await;
    (root, train)
}

#[wasm_bindgen_test]
async fn app_mounts_trains_on_click_and_plots_points() {
    let (root, train) = mount_small_run().await;
    assert!(
        by_testid(&root, "backend-info")
            .text_content()
            .unwrap()
            .starts_with("CPU")
    );
    train.click();
    let steps = by_testid(&root, "step-count");
    let points = by_testid(&root, "points-count");
    wait_for("4 training steps", 120.0, || number(&steps) >= 4).await;
    wait_for("300 points in the plot", 120.0, || number(&points) >= 300).await;
    by_testid(&root, "pause").click();
    wait_for("the paused state", 60.0, || {
        by_testid(&root, "run-state").text_content().unwrap() == "paused"
    })
    .await;

    // The plot itself holds the points: plotly's graph div has one trace per class (once the
    // paused plot is drawn: while training its traces are the classes' legend entries).
    let plot = by_testid(&root, "embedding-plot");
    wait_for("the still plot", 30.0, || trace_names(&plot).len() == 11).await;
    let data: js_sys::Array = js_sys::Reflect::get(&plot, &"data".into())
        .unwrap()
        .unchecked_into();
    let names: Vec<String> = data
        .iter()
        .map(|t| {
            js_sys::Reflect::get(&t, &"name".into())
                .ok()
                .and_then(|n| n.as_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        data.length(),
        11,
        "one trace per class, then the softmax head's class directions: {names:?}"
    );
    let name = |i: u32| {
        js_sys::Reflect::get(&data.get(i), &"name".into())
            .unwrap()
            .as_string()
            .unwrap()
    };
    assert_eq!(
        (name(0), name(9), name(10)),
        (
            "0".to_string(),
            "9".to_string(),
            "class directions".to_string()
        )
    );
    let loss = by_testid(&root, "batch-loss").text_content().unwrap();
    assert!(
        loss.parse::<f32>().is_ok_and(f32::is_finite),
        "loss shown: {loss}"
    );
    assert!(
        root.query_selector("[data-testid='error']")
            .unwrap()
            .is_none(),
        "no error banner"
    );

    // Reset clears the run.
    by_testid(&root, "reset").click();
    wait_for("the reset", 30.0, || {
        by_testid(&root, "step-count")
            .text_content()
            .unwrap()
            .starts_with("0 /")
    })
    .await;
}

#[wasm_bindgen_test]
async fn corrupt_dataset_bytes_give_a_message_not_a_panic() {
    let mut bad = IMAGES.to_vec();
    bad.truncate(bad.len() / 3);
    let err = ImageSet::from_idx(
        ("t10k-images", &bad),
        ("t10k-labels", LABELS),
        10,
        Limits::default(),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("t10k-images:"), "{err}");
}

/// One seeded training step on WebGPU gives the CPU backend's loss; two steps keep agreeing.
/// Fails (with the reason) when the browser offers no WebGPU: it never passes quietly.
#[wasm_bindgen_test]
async fn webgpu_training_step_matches_cpu() {
    let gpu = match playground::web::gpu::webgpu_device().await {
        Ok(d) => d,
        Err(e) => panic!("WebGPU is required for this test and is unavailable: {e}"),
    };
    let ds = mnist();
    let config = TrainConfig {
        batch_size: 8,
        eval_points: 32,
        ..TrainConfig::default()
    };
    let mut on_gpu = Trainer::new(config.clone(), ds.clone(), &gpu).unwrap();
    let mut on_cpu = Trainer::new(config, ds, &playground::backend::cpu()).unwrap();
    for step in 1..=2 {
        let g = on_gpu.train_step().await.unwrap().loss;
        let c = on_cpu.train_step().await.unwrap().loss;
        web_sys::console::log_1(&format!("step {step}: WebGPU loss {g}, CPU loss {c}").into());
        assert!(
            (g - c).abs() <= 1e-3 * c.abs().max(1.0),
            "step {step}: WebGPU {g} vs CPU {c}"
        );
    }
    let eg = on_gpu.embed_test_subset().await.unwrap();
    let ec = on_cpu.embed_test_subset().await.unwrap();
    let worst = eg
        .points
        .iter()
        .zip(&ec.points)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst < 1e-2, "embeddings differ by up to {worst}");
}

fn set_value(root: &web_sys::Element, id: &str, value: &str) {
    let el = by_testid(root, id);
    js_sys::Reflect::set(&el, &"value".into(), &value.into()).unwrap();
    el.dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

/// Names of the traces drawn in a plotly root; empty before the first draw.
fn trace_names(plot: &web_sys::HtmlElement) -> Vec<String> {
    let Ok(data) = js_sys::Reflect::get(plot, &"data".into()) else {
        return Vec::new();
    };
    let Ok(data) = data.dyn_into::<js_sys::Array>() else {
        return Vec::new();
    };
    data.iter()
        .map(|t| {
            js_sys::Reflect::get(&t, &"name".into())
                .unwrap()
                .as_string()
                .unwrap_or_default()
        })
        .collect()
}

/// Picking a loss shows its parameters with units, refuses a bad value with a message, and
/// the plot draws that loss's geometry (ArcFace: class directions and the unit circle).
#[wasm_bindgen_test]
async fn loss_picker_parameters_and_geometry() {
    let root = mount_app(TrainConfig {
        batch_size: 8,
        eval_points: 100,
        ..TrainConfig::default()
    });
    let step: web_sys::HtmlButtonElement = by_testid(&root, "step").unchecked_into();
    wait_for("the data", 60.0, || !step.disabled()).await;

    set_value(&root, "loss-select", "arcface");
    gloo_timers::future::TimeoutFuture::new(50).await;
    let params = by_testid(&root, "loss-params").text_content().unwrap();
    assert!(
        params.contains("Angular margin m (rad)") && params.contains("Scale s"),
        "{params}"
    );
    assert_eq!(
        js_sys::Reflect::get(&by_testid(&root, "loss-margin_rad"), &"value".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "0.1"
    );

    set_value(&root, "loss-margin_rad", "-1");
    wait_for("the error banner", 10.0, || {
        root.query_selector("[data-testid='error-text']")
            .unwrap()
            .is_some()
    })
    .await;
    let err = by_testid(&root, "error-text").text_content().unwrap();
    assert!(err.contains("margin_rad") && err.contains("-1"), "{err}");
    set_value(&root, "loss-margin_rad", "0.3");
    gloo_timers::future::TimeoutFuture::new(50).await;

    step.click();
    let updates = by_testid(&root, "plot-updates");
    wait_for("the embedding after one step", 120.0, || {
        number(&updates) >= 2
    })
    .await;
    let names = trace_names(&by_testid(&root, "embedding-plot"));
    assert!(
        names.contains(&"class directions".to_string())
            && names.contains(&"unit circle".to_string()),
        "{names:?}"
    );
    assert!(
        by_testid(&root, "batch-loss")
            .text_content()
            .unwrap()
            .parse::<f32>()
            .is_ok_and(f32::is_finite)
    );
}

/// The cross-check of shared/LOSSES.md (loss, terms and autodiff gradient through the training
/// code path) gives the same numbers on WebGPU as on the CPU backend, for every loss. Fails
/// (with the reason) when the browser offers no WebGPU.
#[wasm_bindgen_test]
async fn every_loss_on_webgpu_matches_cpu() {
    let gpu = match playground::web::gpu::webgpu_device().await {
        Ok(d) => d,
        Err(e) => panic!("WebGPU is required for this test and is unavailable: {e}"),
    };
    let cpu = playground::backend::cpu();
    let batch = r#""embeddings":[[1.0,0.2],[0.8,-0.3],[-0.5,1.1],[-0.2,0.9],[0.1,-1.2],[-0.4,-0.8]],"labels":[0,0,1,1,2,2]"#;
    let w = r#""weights":[[1,0],[-0.5,0.87],[-0.5,-0.87]]"#;
    let b = r#""bias":[0.1,-0.2,0.05]"#;
    let cases = [
        format!(r#"{{"loss":{{"name":"softmax","bias":true}},{batch},{w},{b}}}"#),
        format!(r#"{{"loss":{{"name":"normface","scale":16}},{batch},{w}}}"#),
        format!(r#"{{"loss":{{"name":"sphereface","margin":4}},"step":40,{batch},{w}}}"#),
        format!(r#"{{"loss":{{"name":"cosface","scale":16,"margin":0.35}},{batch},{w}}}"#),
        format!(r#"{{"loss":{{"name":"arcface","scale":16,"margin_rad":0.5}},{batch},{w}}}"#),
        format!(
            r#"{{"loss":{{"name":"center","lambda":0.1}},{batch},{w},{b},"centers":[[0.9,0],[-0.3,1],[-0.1,-1]]}}"#
        ),
        format!(r#"{{"loss":{{"name":"contrastive","margin":2.0}},{batch}}}"#),
        format!(r#"{{"loss":{{"name":"triplet","margin":1.0,"mining":"semihard"}},{batch}}}"#),
        format!(
            r#"{{"loss":{{"name":"regression","radius":4}},{batch},"targets":[[4,0],[-2,3.46],[-2,-3.46]]}}"#
        ),
    ];
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * b.abs().max(1.0);
    for case in &cases {
        let g = cross_check(case, &gpu).await.unwrap();
        let c = cross_check(case, &cpu).await.unwrap();
        web_sys::console::log_1(&format!("WebGPU {} vs CPU {}: {case}", g.loss, c.loss).into());
        assert!(
            g.loss.is_finite() && close(g.loss, c.loss),
            "{case}: {} vs {}",
            g.loss,
            c.loss
        );
        assert_eq!(g.terms.len(), c.terms.len(), "{case}");
        for ((gn, gv), (cn, cv)) in g.terms.iter().zip(&c.terms) {
            assert!(
                gn == cn && close(*gv, *cv),
                "{case}: {gn} {gv} vs {cn} {cv}"
            );
        }
        for (gr, cr) in g
            .grad_embeddings
            .iter()
            .flatten()
            .zip(c.grad_embeddings.iter().flatten())
        {
            assert!(close(*gr, *cr), "{case}: gradient {gr} vs {cr}");
        }
    }
}

/// A loss with several terms plots each as its own curve next to the total.
#[wasm_bindgen_test]
async fn center_loss_terms_are_separate_curves() {
    let (loss, lr) = playground::loss::LossConfig::preset("center").unwrap();
    let root = mount_app(TrainConfig {
        loss,
        lr,
        batch_size: 8,
        eval_points: 50,
        ..TrainConfig::default()
    });
    let step: web_sys::HtmlButtonElement = by_testid(&root, "step").unchecked_into();
    wait_for("the data", 60.0, || !step.disabled()).await;
    let steps = by_testid(&root, "step-count");
    for n in 1..=2 {
        step.click();
        wait_for("a step", 60.0, || number(&steps) >= n).await;
    }
    let plot = by_testid(&root, "loss-plot");
    wait_for("the loss curves", 30.0, || trace_names(&plot).len() >= 4).await;
    let names = trace_names(&plot);
    assert_eq!(
        names,
        ["batch loss", "smoothed", "softmax", "center"],
        "{names:?}"
    );
    // Each term curve holds one value per step (the plot redraws in a task after the step's).
    let term_ys = || -> js_sys::Array {
        let data: js_sys::Array = js_sys::Reflect::get(&plot, &"data".into())
            .unwrap()
            .unchecked_into();
        js_sys::Reflect::get(&data.get(3), &"y".into())
            .unwrap()
            .unchecked_into()
    };
    wait_for("both steps in the term curve", 30.0, || {
        term_ys().length() >= 2
    })
    .await;
    let ys = term_ys();
    assert_eq!(ys.length(), 2);
    assert!(
        ys.iter()
            .all(|v| v.as_f64().is_some_and(|v| v.is_finite() && v >= 0.0))
    );
}

/// A paper-comparison preset applies its whole configuration and shows its caption; ArcFace's
/// margin wedges are drawn, and the decision regions appear beneath the points on request.
#[wasm_bindgen_test]
async fn preset_picker_wedges_and_decision_regions() {
    let root = mount_app(TrainConfig::default());
    let step: web_sys::HtmlButtonElement = by_testid(&root, "step").unchecked_into();
    wait_for("the data", 60.0, || !step.disabled()).await;
    set_value(&root, "preset-select", "margin-arcface");
    gloo_timers::future::TimeoutFuture::new(50).await;
    let value = |id| {
        js_sys::Reflect::get(&by_testid(&root, id), &"value".into())
            .unwrap()
            .as_string()
            .unwrap()
    };
    assert_eq!(value("loss-select"), "arcface");
    let caption = by_testid(&root, "preset-caption").text_content().unwrap();
    assert!(
        caption.contains("cos(θ + m)") && caption.contains("wedge"),
        "{caption}"
    );
    // A smaller batch keeps the test quick; the caption notes the change.
    set_value(&root, "batch", "8");
    gloo_timers::future::TimeoutFuture::new(50).await;
    assert!(
        by_testid(&root, "preset-caption")
            .text_content()
            .unwrap()
            .contains("changed")
    );

    step.click();
    let plot = by_testid(&root, "embedding-plot");
    let points = by_testid(&root, "points-count");
    wait_for("the embedding", 120.0, || {
        trace_names(&plot).contains(&"margin wedges".to_string())
    })
    .await;
    let drawn = number(&points);
    assert_eq!(drawn, 2000, "every embedded point is drawn");

    let updates = by_testid(&root, "plot-updates");
    let before = number(&updates);
    by_testid(&root, "show-regions").click();
    wait_for("a redraw with regions", 60.0, || number(&updates) > before).await;
    let names = trace_names(&plot);
    assert_eq!(names[0], "decision regions", "{names:?}");
    assert_eq!(number(&points), drawn, "regions are not counted as points");
    // Off again: this app stays mounted, its settings in the address bar.
    by_testid(&root, "show-regions").click();
}

fn click_testid(root: &web_sys::Element, id: &str) {
    by_testid(root, id).click();
}

fn text(root: &web_sys::Element, id: &str) -> String {
    by_testid(root, id).text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn panels_metrics_panel_scores_a_step_and_export_buttons_work() {
    let (root, _train) = mount_small_run().await;
    assert!(text(&root, "metrics-meta").contains("Train a step"));
    for id in [
        "export-png",
        "export-svg",
        "export-csv",
        "export-json",
        "export-weights",
        "load-weights",
    ] {
        by_testid(&root, id);
    }
    let csv: web_sys::HtmlButtonElement = by_testid(&root, "export-csv").unchecked_into();
    assert!(
        csv.disabled(),
        "nothing to export before the first embedding"
    );
    click_testid(&root, "step");
    let panel = by_testid(&root, "metrics-panel");
    wait_for("the metrics of the first embedding", 120.0, || {
        panel
            .query_selector("[data-testid='metric-head_accuracy'] td")
            .unwrap()
            .is_some_and(|td| td.text_content().unwrap_or_default().ends_with('%'))
    })
    .await;
    let meta = text(&root, "metrics-meta");
    assert!(
        meta.contains("300 points") && meta.contains("10 classes"),
        "{meta}"
    );
    let rows = by_testid(&root, "metrics-table")
        .query_selector_all("tbody tr")
        .unwrap()
        .length();
    assert_eq!(rows, 17);
    let classes = by_testid(&root, "per-class-table")
        .query_selector_all("tbody tr")
        .unwrap()
        .length();
    assert_eq!(classes, 10);
    let confusion = by_testid(&root, "confusion-table")
        .query_selector_all("tbody td")
        .unwrap()
        .length();
    assert_eq!(confusion, 100);
    let nmi = panel
        .query_selector("[data-testid='metric-nmi_kmeans'] td")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    let nmi: f64 = nmi.parse().unwrap_or(-1.0);
    assert!((0.0..=1.0).contains(&nmi), "NMI {nmi}");
    console_log!(
        "{}",
        format!(
            "metrics of 300 points in the page: {} ms",
            text(&root, "metrics-ms")
        )
    );
    // The export buttons are live; CSV, JSON and PNG downloads start without an error.
    wait_for("export-csv enabled", 10.0, || !csv.disabled()).await;
    click_testid(&root, "export-csv");
    click_testid(&root, "export-json");
    click_testid(&root, "export-png");
    let png: web_sys::HtmlButtonElement = by_testid(&root, "export-png").unchecked_into();
    gloo_timers::future::TimeoutFuture::new(200).await;
    wait_for("the PNG export to finish", 60.0, || !png.disabled()).await;
    assert!(
        root.query_selector("[data-testid='error']")
            .unwrap()
            .is_none(),
        "{}",
        root.text_content().unwrap()
    );
    // The caption annotation was removed again.
    let plot = by_testid(&root, "embedding-plot");
    let layout = js_sys::Reflect::get(&plot, &"layout".into()).unwrap();
    let notes = js_sys::Reflect::get(&layout, &"annotations".into()).unwrap();
    let n = js_sys::Reflect::get(&notes, &"length".into())
        .ok()
        .and_then(|l| l.as_f64())
        .unwrap_or(0.0);
    assert_eq!(n, 0.0, "the caption must not stay on the live plot");
}

#[wasm_bindgen_test]
async fn panels_export_strings_from_a_real_embedding() {
    use playground::export::{RunExport, embedding_metrics, embeddings_csv, live_metrics_config};
    let ds = mnist();
    let config = TrainConfig {
        eval_points: 50,
        ..TrainConfig::default()
    };
    let mut t = Trainer::new(config.clone(), ds, &playground::backend::cpu()).unwrap();
    let emb = t.embed_test_subset().await.unwrap();
    let csv = embeddings_csv(&emb);
    assert!(csv.starts_with("x,y,label,prediction\n"));
    assert_eq!(csv.lines().count(), 51);
    let m = embedding_metrics(&emb, &live_metrics_config()).unwrap();
    let json = RunExport::new(&config, &emb, Some(&m), "http://localhost/?v=1").to_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["points"], 50);
    assert_eq!(v["config"]["dim"], 2);
    assert_eq!(v["link"], "http://localhost/?v=1");
    assert!(v["metrics"]["silhouette"].is_number());
    assert_eq!(v["fingerprint"].as_str().unwrap().len(), 16);
}

fn plot_data_len(plot: &web_sys::HtmlElement) -> u32 {
    js_sys::Reflect::get(plot, &"data".into())
        .ok()
        .and_then(|d| js_sys::Reflect::get(&d, &"length".into()).ok())
        .and_then(|l| l.as_f64())
        .unwrap_or(0.0) as u32
}

#[wasm_bindgen_test]
async fn panels_compare_two_runs_side_by_side_with_synchronized_cameras() {
    use playground::share::Compare;
    use playground::ui::start_compare;
    let root = mount_app(TrainConfig::default());
    let train: web_sys::HtmlButtonElement = by_testid(&root, "train").unchecked_into();
    wait_for("the data", 60.0, || !train.disabled()).await;
    by_testid(&root, "compare-select");
    let base = TrainConfig {
        dim: 3,
        batch_size: 16,
        eval_every: 2,
        eval_points: 300,
        ..TrainConfig::default()
    };
    start_compare(
        base,
        Compare {
            key: "lr".into(),
            values: vec!["0.001".into(), "0.003".into()],
        },
    )
    .unwrap();
    let grid = by_testid(&root, "compare-grid");
    wait_for("two plots with 300 points each", 180.0, || {
        grid.query_selector_all("[data-compare-plot]")
            .unwrap()
            .length()
            == 2
            && number(&by_testid(&root, "compare-points-0")) >= 300
            && number(&by_testid(&root, "compare-points-1")) >= 300
    })
    .await;
    wait_for("both runs past step 2", 180.0, || {
        number(&by_testid(&root, "compare-step-0")) >= 2
            && number(&by_testid(&root, "compare-step-1")) >= 2
    })
    .await;
    // Fair interleaving: neither run is more than a step or two ahead.
    let (a, b) = (
        number(&by_testid(&root, "compare-step-0")),
        number(&by_testid(&root, "compare-step-1")),
    );
    assert!(a.abs_diff(b) <= 2, "steps {a} and {b}");
    let rows = by_testid(&root, "compare-metrics")
        .query_selector_all("tbody tr")
        .unwrap()
        .length();
    assert_eq!(rows, 2);
    assert!(text(&root, "compare-row-1").contains("lr=0.003"));
    assert!(text(&root, "compare-row-0").contains('%'));

    // Rotating one 3-D plot rotates the other.
    let p0 = by_testid(&root, "compare-plot-0");
    let p1 = by_testid(&root, "compare-plot-1");
    assert!(plot_data_len(&p0) >= 10 && plot_data_len(&p1) >= 10);
    let update =
        js_sys::JSON::parse(r#"{"scene.camera":{"eye":{"x":2.2,"y":0.1,"z":0.4}}}"#).unwrap();
    let plotly = js_sys::Reflect::get(&js_sys::global(), &"Plotly".into()).unwrap();
    let relayout: js_sys::Function = js_sys::Reflect::get(&plotly, &"relayout".into())
        .unwrap()
        .unchecked_into();
    relayout.call2(&plotly, &p0, &update).unwrap();
    let eye_x = || {
        js_sys::Reflect::get(&p1, &"layout".into())
            .and_then(|l| js_sys::Reflect::get(&l, &"scene".into()))
            .and_then(|s| js_sys::Reflect::get(&s, &"camera".into()))
            .and_then(|c| js_sys::Reflect::get(&c, &"eye".into()))
            .and_then(|e| js_sys::Reflect::get(&e, &"x".into()))
            .ok()
            .and_then(|x| x.as_f64())
    };
    wait_for("the second camera to follow", 10.0, || eye_x() == Some(2.2)).await;
    click_testid(&root, "compare-stop");
}

/// A measurement (the only checks: every update drew all points): updates per second of the
/// embedding plot with 10,000 points in 3-D through the page's own path (class series →
/// [`plot::EmbeddingFigure`] → [`plot::EmbeddingPainter`] → the frame that shows it), live as
/// while training (the point layer) and still (plotly.js's traces, `Float32Array`
/// coordinates), and for comparison the all-JSON path of the small plots (`embedding_plot` →
/// JSON → `Plotly.react`); and the cost of the live metrics in WebAssembly.
#[wasm_bindgen_test]
async fn panels_measure_plot_rate_and_metrics_cost() {
    use playground::export::{embedding_metrics, live_metrics_config};
    use playground::metrics::MetricsConfig;
    use playground::train::Embedding;
    use playground::viz::class_series;
    use playground::web::{now_ms, plot};
    load_plotly();
    let div: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    div.set_attribute("style", "width:800px;height:600px")
        .unwrap();
    document().body().unwrap().append_child(&div).unwrap();
    let n = 10_000;
    let mut seed = 12345u64;
    let mut rnd = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as f64 / (1u64 << 31) as f64) as f32 - 0.5
    };
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let mut points: Vec<f32> = (0..3 * n).map(|_| rnd() * 4.0).collect();
    let names = DatasetKind::Mnist.class_names();
    let frames = 20;
    // The first draw sets the scene up (WebGL context, shaders): not timed.
    let emb = Embedding {
        step: 0,
        dim: 3,
        points: points.clone(),
        labels: labels.clone(),
        predictions: labels.clone(),
        geometry: None,
    };
    let fig = plot::EmbeddingFigure::new(&class_series(&emb, &names), &[], &[], 3, "rate");
    plot::react_embedding(&div, &fig).await.unwrap();
    plot::frame_drawn().await;
    // The page while training (live: the point layer, plotly.js four times a second), then
    // as it draws a still figure and as the small plots do (plotly.js every time).
    let radius = 4.0;
    for how in ["live", "still", "json", "live"] {
        let mut painter = plot::EmbeddingPainter::default();
        let (mut build_ms, mut react_ms, mut frame_ms, mut worst_ms) = (0.0, 0.0, 0.0, 0.0f64);
        let mut drawn = 0;
        let t0 = now_ms();
        for f in 0..frames {
            for v in points.iter_mut() {
                *v += rnd() * 0.05;
            }
            let emb = Embedding {
                step: f,
                dim: 3,
                points: points.clone(),
                labels: labels.clone(),
                predictions: labels.clone(),
                geometry: None,
            };
            let a = now_ms();
            let series = class_series(&emb, &names);
            let b;
            if how == "json" {
                let fig = plot::embedding_plot(&series, &[], &[], 3, "rate");
                b = now_ms();
                plot::react(&div, &fig).await.unwrap();
                drawn = plot::plotted_points(&div, 0, 10);
            } else {
                let fig = plot::EmbeddingFigure::new(&series, &[], &[], 3, "rate")
                    .with_view(radius, how == "live");
                b = now_ms();
                drawn = painter.draw(&div, &fig).await.unwrap();
            }
            let c = now_ms();
            plot::frame_drawn().await;
            let d = now_ms();
            build_ms += b - a;
            react_ms += c - b;
            frame_ms += d - c;
            // The draw of a WebGL scene is synchronous: figure and draw are one task.
            worst_ms = worst_ms.max(c - a);
        }
        let total = now_ms() - t0;
        assert_eq!(drawn, n, "{how}: points drawn");
        let rate = frames as f64 * 1000.0 / total;
        let per = |ms: f64| ms / frames as f64;
        console_log!(
            "{}",
            format!(
                "PLOT RATE 10,000 points 3-D, {}: {rate:.1} updates/s ({:.0} ms/update: main-thread JS+wasm {:.1} ms = figure {:.1} ms + draw {:.1} ms, worst {worst_ms:.0} ms; frame {:.0} ms) over {frames} updates",
                match how {
                    "live" => "page while training (point layer)",
                    "still" => "page, still figure (plotly.js traces, Float32Array)",
                    _ => "small plots' path (plotly.js, JSON)",
                },
                per(total),
                per(build_ms + react_ms),
                per(build_ms),
                per(react_ms),
                per(frame_ms),
            )
        );
    }
    // Metrics on 2,000 points as the page computes them, and with the default budget.
    let m = 2000;
    let emb = Embedding {
        step: 0,
        dim: 3,
        points: points[..3 * m].to_vec(),
        labels: labels[..m].to_vec(),
        predictions: labels[..m].to_vec(),
        geometry: None,
    };
    for (name, cfg) in [
        ("live", live_metrics_config()),
        ("default", MetricsConfig::default()),
    ] {
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let a = now_ms();
            embedding_metrics(&emb, &cfg).unwrap();
            best = best.min(now_ms() - a);
        }
        console_log!(
            "{}",
            format!("METRICS wasm, 2,000 points 3-D, {name} budget: {best:.0} ms (best of 3)")
        );
    }
    div.remove();
}

/// The page reads its share link from the address bar: settings, hidden controls, and a notice
/// with one line per corrected value.
#[wasm_bindgen_test]
async fn app_reads_the_share_link_in_the_address_bar() {
    let w = web_sys::window().unwrap();
    let history = w.history().unwrap();
    let before = w.location().href().unwrap();
    history
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some("?v=1&bs=99999&d=3&hide=lr,bogus&zzz=1"),
        )
        .unwrap();
    load_plotly();
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let ds = mnist();
    leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        view! { <App source=DataSource::Memory(ds.clone()) backend=BackendChoice::Cpu /> }
    })
    .forget();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&before))
        .unwrap();
    wait_for("the link notice", 10.0, || {
        root.query_selector("[data-testid='link-notice']")
            .unwrap()
            .is_some()
    })
    .await;
    let lines: Vec<String> = {
        let list = root
            .query_selector_all("[data-testid='link-correction']")
            .unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().text_content().unwrap())
            .collect()
    };
    for key in ["bs=99999", "hide=bogus", "zzz=1"] {
        assert!(lines.iter().any(|l| l.starts_with(key)), "{key}: {lines:?}");
    }
    assert_eq!(lines.len(), 3, "{lines:?}");
    let value = |id: &str| {
        js_sys::Reflect::get(&by_testid(&root, id), &"value".into())
            .unwrap()
            .as_string()
            .unwrap()
    };
    wait_for("the clamped batch size and the dimension", 5.0, || {
        value("batch") == "1024" && value("dim") == "3"
    })
    .await;
    // Hidden controls are not displayed (no layout box), the others are.
    assert!(by_testid(&root, "lr").offset_parent().is_none());
    assert!(by_testid(&root, "batch").offset_parent().is_some());
    by_testid(&root, "link-notice-close").click();
    wait_for("the notice to close", 5.0, || {
        root.query_selector("[data-testid='link-notice']")
            .unwrap()
            .is_none()
    })
    .await;
    // Its style sheet of hidden controls goes with it.
    root.remove();
}

// Pixels of one colour in an embedding plot's point layer (its canvas, in 2-D and 3-D alike);
// -1 when there is no layer. Their centre, in CSS pixels from the plot's corner, is kept for
// `layer_centre`.
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
function matching(px, w, h, hex, flip) {
    const n = parseInt(hex.slice(1), 16);
    const want = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    let count = 0, lo = Infinity, hi = -Infinity, sx = 0, sy = 0;
    for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 200 && Math.abs(px[i] - want[0]) < 8 && Math.abs(px[i + 1] - want[1]) < 8
            && Math.abs(px[i + 2] - want[2]) < 8) {
            count++;
            const x = (i / 4) % w, y = Math.floor(i / 4 / w);
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
            sx += x + 0.5;
            sy += flip ? h - y - 0.5 : y + 0.5;
        }
    }
    return { count, span: count ? hi - lo : 0, centre: count ? [sx / count, sy / count] : [NaN, NaN] };
}
// The centre `c` (device pixels of `canvas`) in CSS pixels from `root`'s corner.
function fromCorner(root, canvas, c) {
    const r = canvas.getBoundingClientRect(), o = root.getBoundingClientRect();
    return [r.left - o.left + c[0] * r.width / canvas.width, r.top - o.top + c[1] * r.height / canvas.height];
}
export function layer_pixels(root, hex) {
    const c = root.querySelector('canvas.point-layer');
    if (!c) return -1;
    const m = matching(c.getContext('2d').getImageData(0, 0, c.width, c.height).data, c.width, c.height, hex, false);
    window.__layerSpan = m.span;
    window.__layerCentre = fromCorner(root, c, m.centre);
    return m.count;
}
// The centre of what the last `layer_pixels` counted.
export function layer_centre() { return window.__layerCentre; }
// Where plotly.js's own WebGL scene draws a marker at view coordinates (x, y, z) of a live 3-D
// plot: a trace added for the purpose, rendered and read back, then deleted. Resolves to the
// marker's centre in CSS pixels from the plot's corner.
export async function plotly_marker_centre(root, x, y, z, hex) {
    await Plotly.addTraces(root, { type: 'scatter3d', mode: 'markers', x: [x], y: [y], z: [z],
        showlegend: false, hoverinfo: 'none', marker: { color: hex, size: 8, symbol: 'square' } });
    const glplot = root._fullLayout.scene._scene.glplot;
    glplot.redraw();
    const gl = glplot.gl;
    const w = gl.drawingBufferWidth, h = gl.drawingBufferHeight;
    const px = new Uint8Array(4 * w * h);
    gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
    const m = matching(px, w, h, hex, true);
    await Plotly.deleteTraces(root, -1);
    return m.count ? fromCorner(root, glplot.canvas, m.centre) : [NaN, NaN];
}
// The width in pixels of what the last `layer_pixels` counted.
export function layer_span() { return window.__layerSpan; }
// The range plotly.js has drawn on the x axis (3-D), or on the narrower 2-D axis (the other
// is widened to keep the aspect ratio).
export function drawn_range(root, dim) {
    const fl = root._fullLayout;
    if (dim === 3) return Array.from(fl.scene.xaxis.range);
    const span = a => Math.abs(a.range[1] - a.range[0]);
    return Array.from(span(fl.xaxis) <= span(fl.yaxis) ? fl.xaxis.range : fl.yaxis.range);
}
// Counts plotly.js's full redraws (`plotly_afterplot`) of `root` from the first call on.
export function count_redraws(root) {
    if (!root.__redraws) { root.__redraws = { n: 0 }; root.on('plotly_afterplot', () => root.__redraws.n++); }
    return root.__redraws.n;
}
// A click on the legend entry of trace `index` (a user's change, which `uirevision` keeps);
// resolves to the trace's `visible` once plotly's double-click delay has passed.
export async function click_legend(root, index) {
    const toggle = root.querySelectorAll('.legend .traces')[index].querySelector('.legendtoggle');
    const r = toggle.getBoundingClientRect();
    const at = { bubbles: true, cancelable: true, view: window, button: 0,
        clientX: r.x + r.width / 4, clientY: r.y + r.height / 2 };
    toggle.dispatchEvent(new MouseEvent('mousedown', { ...at, buttons: 1 }));
    toggle.dispatchEvent(new MouseEvent('mouseup', { ...at, buttons: 0 }));
    await new Promise(done => setTimeout(done, 700));
    return String(root._fullData[index].visible);
}
"#)]
extern "C" {
    fn layer_pixels(root: &web_sys::HtmlElement, hex: &str) -> i32;
    fn layer_span() -> i32;
    fn layer_centre() -> Vec<f64>;
    fn plotly_marker_centre(
        root: &web_sys::HtmlElement,
        x: f64,
        y: f64,
        z: f64,
        hex: &str,
    ) -> js_sys::Promise;
    fn drawn_range(root: &web_sys::HtmlElement, dim: u32) -> Vec<f64>;
    fn count_redraws(root: &web_sys::HtmlElement) -> u32;
    fn click_legend(root: &web_sys::HtmlElement, index: u32) -> js_sys::Promise;
}

/// The point layer that draws the embedding while a run trains, in 2-D and 3-D: a class's
/// points and the geometry's markers appear in their colour on the layer's canvas (in 3-D
/// where plotly's own WebGL scene draws a marker at the same place), a class's points vanish
/// when the legend hides the class, and the layer goes when the figure is still again
/// (plotly.js's traces hold the points).
#[wasm_bindgen_test]
async fn panels_point_layer_draws_the_live_embedding() {
    use playground::train::Embedding;
    use playground::viz::{Overlay, OverlayStyle, PALETTE, class_series};
    use playground::web::plot;
    load_plotly();
    let names = DatasetKind::Mnist.class_names();
    for dim in [2usize, 3] {
        let div: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
        div.set_attribute("style", "width:600px;height:450px")
            .unwrap();
        document().body().unwrap().append_child(&div).unwrap();
        // Three classes on a circle of radius 1 (z = 0.3 in 3-D), 300 points each.
        let n = 900;
        let mut points = Vec::with_capacity(dim * n);
        let labels: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
        for i in 0..n {
            let a = i as f32 * 0.37;
            points.extend_from_slice(&[a.cos() * (0.5 + (i % 3) as f32 * 0.2), a.sin() * 0.8]);
            if dim == 3 {
                points.push(0.3);
            }
        }
        let emb = Embedding {
            step: 1,
            dim,
            points,
            labels: labels.clone(),
            predictions: labels,
            geometry: None,
        };
        let series = class_series(&emb, &names);
        // The loss's geometry: a magenta diamond, drawn by the layer too; at the origin in
        // 2-D, off every axis' middle in 3-D (where it checks the layer's projection).
        let mark = Overlay {
            name: "mark".into(),
            style: OverlayStyle::Markers,
            colors: vec!["#FF00FF"],
            x: vec![if dim == 3 { 0.6 } else { 0.0 }],
            y: vec![if dim == 3 { -0.6 } else { 0.0 }],
            z: if dim == 3 { vec![0.84] } else { Vec::new() },
        };
        let overlays = [mark];
        let fig = |live, radius| {
            plot::EmbeddingFigure::new(&series, &overlays, &[], dim, "layer")
                .with_view(radius, live)
        };
        let mut painter = plot::EmbeddingPainter::default();
        let drawn = painter.draw(&div, &fig(true, 1.2)).await.unwrap();
        assert_eq!(drawn, n, "{dim}-D: points given to the layer");
        // plotly's traces are the class traces alone (legend entries), one point each,
        // outside its axes; the layer draws the geometry.
        assert_eq!(
            plot::plotted_points(&div, 0, 20),
            series.len(),
            "{dim}-D: one placeholder a class"
        );
        // plotly's axes span the view's units; the layer scales the points into them.
        assert_eq!(
            drawn_range(&div, dim as u32),
            [-1.0, 1.0],
            "{dim}-D: live axes"
        );
        let mark = layer_pixels(&div, "#FF00FF");
        assert!(mark > 10, "{dim}-D: the geometry's diamond, {mark} pixels");
        if dim == 3 {
            // The layer projects with the scene's camera: plotly's own WebGL marker at the
            // same place, in view units (radius 1.2), has the same centre.
            let layer = layer_centre();
            let ours = wasm_bindgen_futures::JsFuture::from(plotly_marker_centre(
                &div, 0.5, -0.5, 0.7, "#00FFFF",
            ))
            .await
            .unwrap();
            let ours: Vec<f64> = js_sys::Array::from(&ours)
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            let off = ((layer[0] - ours[0]).powi(2) + (layer[1] - ours[1]).powi(2)).sqrt();
            assert!(
                off < 1.5,
                "3-D: the layer's diamond at {layer:?}, plotly's marker at {ours:?}"
            );
            // Off the scene's centre, so the projection's scale is checked too.
            let (w, h) = (
                f64::from(div.offset_width()),
                f64::from(div.offset_height()),
            );
            assert!(
                (ours[0] - w / 2.0).abs() > 20.0 && (ours[1] - h / 2.0).abs() > 20.0,
                "3-D: the marker at {ours:?} in {w} × {h}"
            );
        }
        let class0 = layer_pixels(&div, PALETTE[0]);
        let class2 = layer_pixels(&div, PALETTE[2]);
        let span = layer_span();
        assert!(
            class0 > 100 && class2 > 100,
            "{dim}-D: class pixels {class0}, {class2}"
        );
        // A radius twice as large halves the points' spread on screen, without plotly.js
        // redrawing anything.
        let redraws = count_redraws(&div);
        painter.draw(&div, &fig(true, 2.4)).await.unwrap();
        assert_eq!(count_redraws(&div), redraws, "{dim}-D: no plotly redraw");
        assert!(layer_pixels(&div, PALETTE[2]) > 50);
        let half = layer_span();
        assert!(
            (half as f64) < span as f64 * 0.6 && (half as f64) > span as f64 * 0.4,
            "{dim}-D: class 2 spans {span} px at radius 1.2, {half} px at 2.4"
        );
        // The legend hides class 0: its points go, the others stay; through an update of the
        // layer alone, and one that plotly.js draws in full (a new painter).
        let visible = wasm_bindgen_futures::JsFuture::from(click_legend(&div, 0)).await;
        assert_eq!(visible.unwrap().as_string().as_deref(), Some("legendonly"));
        for fresh in [false, true] {
            if fresh {
                painter = plot::EmbeddingPainter::default();
            }
            let before = count_redraws(&div);
            let drawn = painter.draw(&div, &fig(true, 1.2)).await.unwrap();
            // (The redraw counter counts: a fresh painter's first draw is plotly's.)
            assert_eq!(
                count_redraws(&div) > before,
                fresh,
                "{dim}-D: plotly redrew"
            );
            assert_eq!(drawn, 600, "{dim}-D: points of the shown classes");
            let hidden = layer_pixels(&div, PALETTE[0]);
            assert_eq!(hidden, 0, "{dim}-D: class 0 hidden");
            let shown = layer_pixels(&div, PALETTE[2]);
            assert!(shown > 100, "{dim}-D: class 2 stays");
        }
        // Still again: plotly's traces take the points back, the layer goes.
        let drawn = painter.draw(&div, &fig(false, 1.2)).await.unwrap();
        assert_eq!(drawn, n, "{dim}-D: plotly's traces");
        let still = drawn_range(&div, dim as u32);
        assert!(
            (still[0] + 1.2).abs() < 1e-6 && (still[1] - 1.2).abs() < 1e-6,
            "{dim}-D: still axes {still:?}"
        );
        assert_eq!(
            layer_pixels(&div, PALETTE[0]),
            -1,
            "{dim}-D: the layer is removed"
        );
        div.remove();
    }
}

/// The curve layer that draws the training curves while a run trains: the lines appear in their
/// colours on a canvas over plotly's frame, a longer step axis or a wider loss axis is a layer
/// update (no plotly redraw), a curve goes when the legend hides it, and plotly's own lines
/// take over when the chart is still.
#[wasm_bindgen_test]
async fn panels_curve_layer_draws_live_curves() {
    use playground::viz::curves::{Chart, Series};
    use playground::web::plot;
    load_plotly();
    let div: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    div.set_attribute("style", "width:500px;height:250px")
        .unwrap();
    document().body().unwrap().append_child(&div).unwrap();
    // A falling curve over 100 steps, and a flat one with a gap in the middle.
    let steps: Vec<f64> = (0..100).map(f64::from).collect();
    let falling: Vec<f64> = steps.iter().map(|s| 2.0 - s * 0.015).collect();
    let flat: Vec<f64> = steps
        .iter()
        .map(|&s| {
            if (40.0..60.0).contains(&s) {
                f64::NAN
            } else {
                1.0
            }
        })
        .collect();
    let chart = |x_hi: f64, y_hi: f64| Chart {
        series: vec![
            Series {
                name: "falling".into(),
                color: "#FF00FF",
                x: steps.clone(),
                y: falling.clone(),
            },
            Series {
                name: "flat".into(),
                color: "#00FFFF",
                x: steps.clone(),
                y: flat.clone(),
            },
        ],
        x_range: (0.0, x_hi),
        y_range: (0.0, y_hi),
    };
    let mut painter = plot::CurvePainter::default();
    let drawn = painter.draw(&div, &chart(100.0, 2.5), true).await.unwrap();
    assert_eq!(drawn, 180, "points drawn by the layer (the gap left out)");
    // plotly's traces are one gap each (legend entries); its axes span [0, 1].
    assert_eq!(
        plot::plotted_points(&div, 0, 2),
        2,
        "one placeholder a curve"
    );
    assert_eq!(drawn_range(&div, 2), [0.0, 1.0], "live axes");
    let falling_px = layer_pixels(&div, "#FF00FF");
    let span = layer_span();
    let flat_px = layer_pixels(&div, "#00FFFF");
    assert!(
        falling_px > 100 && flat_px > 80,
        "line pixels {falling_px}, {flat_px}"
    );
    // Twice the steps on the axis (the run goes on) and a wider loss axis: the layer alone.
    let redraws = count_redraws(&div);
    painter.draw(&div, &chart(200.0, 5.0), true).await.unwrap();
    assert_eq!(count_redraws(&div), redraws, "no plotly redraw");
    assert!(layer_pixels(&div, "#FF00FF") > 50);
    let half = layer_span();
    assert!(
        (half as f64) < span as f64 * 0.6 && (half as f64) > span as f64 * 0.4,
        "the falling curve spans {span} px on 100 steps, {half} px on 200"
    );
    // The legend hides the falling curve.
    let visible = wasm_bindgen_futures::JsFuture::from(click_legend(&div, 0)).await;
    assert_eq!(visible.unwrap().as_string().as_deref(), Some("legendonly"));
    assert_eq!(layer_pixels(&div, "#FF00FF"), 0, "hidden by the legend");
    assert!(layer_pixels(&div, "#00FFFF") > 80, "the flat curve stays");
    // Still: plotly's lines (the NaN gap included) on the data's ranges; the layer goes.
    let before = count_redraws(&div);
    let drawn = painter.draw(&div, &chart(100.0, 2.5), false).await.unwrap();
    assert!(count_redraws(&div) > before, "plotly draws the still chart");
    assert_eq!(drawn, 200, "plotly's traces hold the points");
    assert_eq!(layer_pixels(&div, "#00FFFF"), -1, "the layer is removed");
    div.remove();
}
