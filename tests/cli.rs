//! The `lab` binary end to end.

#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

fn lab(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("lab runs")
}

#[test]
fn train_prints_one_json_line_and_writes_csv() {
    let out_dir = std::env::temp_dir().join(format!("lab-cli-{}", std::process::id()));
    let o = lab(&[
        "train",
        "--dataset",
        "mnist",
        "--dim",
        "3",
        "--epochs",
        "1",
        "--seed",
        "1",
        "--max-steps",
        "5",
        "--batch",
        "32",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    for key in [
        "test_accuracy",
        "epochs",
        "steps",
        "samples_per_sec",
        "backend",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["steps"], 5);
    assert_eq!(v["backend"], "cpu");
    let csv = std::fs::read_to_string(out_dir.join("test_embeddings.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("x,y,z,label,prediction"));
    assert_eq!(lines.count(), 10_000);
    let _ = std::fs::remove_dir_all(out_dir);
}

#[test]
fn bad_arguments_fail_with_a_message() {
    for (args, needle) in [
        (vec!["train", "--dim", "7"], "dim"),
        (vec!["train", "--lr", "abc"], "--lr"),
        (vec!["train", "--bogus", "1"], "--bogus"),
        (vec!["train", "--dataset", "imagenet"], "imagenet"),
        (vec!["train", "--data", "/nonexistent"], "make data"),
        (vec!["frobnicate"], "unknown"),
        (vec!["train", "--loss", "nope"], "nope"),
        (
            vec![
                "train",
                "--loss",
                "cosface",
                "--loss-params",
                "{\"scal\":1}",
            ],
            "scal",
        ),
        (
            vec![
                "train",
                "--loss",
                "cosface",
                "--loss-params",
                "{\"margin\":-1}",
            ],
            "margin",
        ),
        (
            vec![
                "train",
                "--loss",
                "arcface",
                "--loss-params",
                "{\"scale\":\"x\"}",
            ],
            "scale",
        ),
        (
            vec![
                "train",
                "--loss",
                "triplet",
                "--loss-params",
                "{\"mining\":\"easy\"}",
            ],
            "mining",
        ),
        (vec!["train", "--loss-params", "[1]"], "loss-params"),
        (vec!["table", "--losses", "softmax,nope"], "nope"),
        (vec!["train", "--train-batches", "9"], "train_batches"),
        (vec!["train", "--augment", "maybe"], "--augment"),
    ] {
        let o = lab(&args);
        assert!(!o.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn train_a_metric_loss_reports_loss_and_parameters() {
    let o = lab(&[
        "train",
        "--loss",
        "triplet",
        "--loss-params",
        r#"{"margin":0.5}"#,
        "--max-steps",
        "3",
        "--batch",
        "32",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["loss"], "triplet", "{v}");
    assert_eq!(v["loss_params"]["margin"], 0.5, "{v}");
    assert_eq!(v["loss_params"]["mining"], "semihard", "{v}"); // the preset
    assert_eq!(v["steps"], 3, "{v}");
    let acc = v["test_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc), "{v}");
}

/// `lab train` on each of the other built-in datasets: a few steps, then the whole test split.
fn train_a_few_steps(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["train", "--max-steps", "3", "--batch", "32"];
    args.extend_from_slice(extra);
    let o = lab(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    serde_json::from_str(stdout.trim()).unwrap()
}

#[test]
fn train_fashion_mnist() {
    let v = train_a_few_steps(&["--dataset", "fashion-mnist"]);
    assert_eq!(v["dataset"], "fashion-mnist", "{v}");
    assert_eq!(v["steps"], 3, "{v}");
    assert_eq!(v["train_images"], 60_000, "{v}");
    assert!(
        (0.0..=1.0).contains(&v["test_accuracy"].as_f64().unwrap()),
        "{v}"
    );
}

#[test]
fn train_cifar10_with_one_batch_and_augmentation() {
    let v = train_a_few_steps(&[
        "--dataset",
        "cifar10",
        "--train-batches",
        "1",
        "--augment",
        "on",
    ]);
    assert_eq!(v["dataset"], "cifar10", "{v}");
    assert_eq!(v["augment"], true, "{v}");
    assert_eq!(v["train_images"], 10_000, "{v}");
    assert_eq!(v["steps"], 3, "{v}");
    assert!(
        (0.0..=1.0).contains(&v["test_accuracy"].as_f64().unwrap()),
        "{v}"
    );
}

/// `lab presets` lists every paper-comparison preset; `train --preset` trains one and other
/// flags override it; an unknown preset fails with its name.
#[test]
fn presets_are_listed_and_trainable() {
    let o = lab(&["presets"]);
    assert!(o.status.success());
    let table = String::from_utf8_lossy(&o.stdout);
    for c in playground::presets::comparisons() {
        for p in c.presets {
            assert!(table.contains(&format!("`{}`", p.id)), "{} missing", p.id);
        }
    }
    let v = train_a_few_steps(&["--preset", "center-1", "--dim", "3"]);
    assert_eq!(v["loss"], "center");
    assert_eq!(v["loss_params"]["lambda"], 1.0);
    assert_eq!(v["dim"], 3);
    let o = lab(&["train", "--preset", "no-such-preset"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-preset"));
}
