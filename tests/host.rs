//! The host that the page runs in a Web Worker: the page's run and a comparison take turns,
//! the metrics come with the embeddings, every message survives the JSON that carries it across
//! `postMessage`, and a comparison gives the same numbers as the same runs trained alone.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::sync::Arc;

use playground::backend;
use playground::loss::LossConfig;
use playground::train::host::{decode, encode, run_until_idle};
use playground::train::{
    Command, CompareUpdate, Event, FromHost, Host, RunState, Session, StepStats, ToHost,
    TrainConfig, run_to_end,
};

fn tiny() -> Arc<playground::data::Dataset> {
    let full = common::mnist();
    let mut tiny = (*full).clone();
    tiny.train = full.train.head(160);
    tiny.test = full.test.head(50);
    Arc::new(tiny)
}

fn config(loss: &str) -> TrainConfig {
    TrainConfig {
        loss: LossConfig::default_for(loss).unwrap(),
        batch_size: 32,
        eval_points: 50,
        eval_every: 2,
        max_steps: 4,
        ..TrainConfig::default()
    }
}

/// Each message goes through the bytes the worker sends.
fn through_wire(out: Vec<FromHost>) -> Vec<FromHost> {
    out.into_iter()
        .map(|m| {
            let back: FromHost = decode(&encode(&m)).unwrap();
            assert_eq!(back, m);
            back
        })
        .collect()
}

/// A diverging run's NaN and infinities survive the wire (JSON would turn them into null).
#[test]
fn non_finite_numbers_cross_the_wire() {
    let m = FromHost::Event(Event::Step(StepStats {
        step: 3,
        epoch: 0.1,
        loss: f32::NAN,
        terms: vec![("center".into(), f32::INFINITY)],
        batch_accuracy: f32::NEG_INFINITY,
        samples_per_sec: 1.0,
        finished: false,
    }));
    match decode::<FromHost>(&encode(&m)) {
        Ok(FromHost::Event(Event::Step(s))) => {
            assert!(s.loss.is_nan());
            assert_eq!(s.terms, vec![("center".to_string(), f32::INFINITY)]);
            assert_eq!(s.batch_accuracy, f32::NEG_INFINITY);
        }
        other => panic!("{other:?}"),
    }
    assert!(decode::<FromHost>(&[0xff, 0x00, 0x13]).is_err());
    assert!(
        decode::<ToHost>(&encode(&m)).is_err(),
        "not a message to the host"
    );
}

fn last_embedding(events: &[Event]) -> &playground::train::Embedding {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Embedding(e) => Some(e),
            _ => None,
        })
        .expect("an embedding")
}

#[test]
fn comparison_runs_interleave_and_match_runs_trained_alone() {
    let ds = tiny();
    let losses = ["softmax", "normface"];
    let mut host = Host::new(config("softmax"), backend::cpu());
    host.set_dataset(ds.clone());
    let runs: Vec<TrainConfig> = losses.iter().map(|l| config(l)).collect();
    let mut out = host.handle(ToHost::Compare {
        generation: 7,
        runs: runs.clone(),
    });
    out.extend(pollster::block_on(run_until_idle(&mut host)));
    let out = through_wire(out);

    // Turns alternate: the steps of run 0 and run 1 interleave.
    let step_runs: Vec<usize> = out
        .iter()
        .filter_map(|m| match m {
            FromHost::Compare {
                run,
                update: CompareUpdate::Step(_),
                ..
            } => Some(*run),
            _ => None,
        })
        .collect();
    assert_eq!(step_runs.len(), 8, "4 steps each: {step_runs:?}");
    assert!(
        step_runs.windows(2).all(|w| w[0] != w[1]),
        "turns alternate: {step_runs:?}"
    );
    assert_eq!(
        out.last(),
        Some(&FromHost::CompareDone { generation: 7 }),
        "done once all runs finished"
    );
    assert!(out.iter().all(|m| match m {
        FromHost::Compare { generation, .. } | FromHost::CompareDone { generation } =>
            *generation == 7,
        _ => true,
    }));

    // The final embedding of each compared run equals the same run trained alone, and comes
    // with its metrics.
    for (i, config) in runs.into_iter().enumerate() {
        let (embedding, metrics) = out
            .iter()
            .rev()
            .find_map(|m| match m {
                FromHost::Compare {
                    run,
                    update: CompareUpdate::Embedding { embedding, metrics },
                    ..
                } if *run == i => Some((embedding, metrics)),
                _ => None,
            })
            .expect("a compared embedding");
        let mut alone = Session::new(config, backend::cpu());
        alone.set_dataset(ds.clone());
        let events = pollster::block_on(run_to_end(&mut alone));
        let expected = last_embedding(&events);
        assert_eq!(embedding.step, 4);
        assert_eq!(embedding.points, expected.points, "run {i}");
        let m = metrics.as_ref().expect("metrics");
        assert_eq!(m.points, 50);
        assert!(
            (m.head.as_ref().and_then(|h| h.accuracy).unwrap() - expected.accuracy()).abs() < 1e-12,
            "head accuracy of run {i}"
        );
    }
}

#[test]
fn the_pages_run_reports_progress_and_metrics_of_its_last_embedding() {
    let mut host = Host::new(config("softmax"), backend::cpu());
    let none = host.handle(ToHost::Command(Command::Start));
    assert!(
        matches!(&none[..], [FromHost::Event(Event::Error(_))]),
        "no dataset yet: {none:?}"
    );
    host.set_dataset(tiny());
    let mut out = host.handle(ToHost::Command(Command::Start));
    out.extend(pollster::block_on(run_until_idle(&mut host)));
    let out = through_wire(out);
    assert_eq!(host.session().state(), RunState::Finished);
    assert!(out.contains(&FromHost::Progress {
        total_steps: 4,
        epoch: 4.0 * 32.0 / 160.0,
    }));
    let events: Vec<Event> = out
        .iter()
        .filter_map(|m| match m {
            FromHost::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    let last = last_embedding(&events);
    // Metrics are throttled while training, but the final embedding is always scored, last.
    match out.last() {
        Some(FromHost::Metrics { step, result, ms }) => {
            assert_eq!(*step, last.step);
            assert!(*ms >= 0.0);
            let m = result.as_ref().expect("metrics");
            assert!(
                (m.head.as_ref().and_then(|h| h.accuracy).unwrap() - last.accuracy()).abs() < 1e-12
            );
        }
        other => panic!("the last message should be the metrics: {other:?}"),
    }
}

#[test]
fn a_new_dataset_or_device_stops_the_comparison_and_resets_the_run() {
    let mut host = Host::new(config("softmax"), backend::cpu());
    let early = host.handle(ToHost::Compare {
        generation: 1,
        runs: vec![config("softmax"), config("cosface")],
    });
    assert_eq!(
        early
            .iter()
            .filter(|m| matches!(
                m,
                FromHost::Compare {
                    update: CompareUpdate::Error(_),
                    ..
                }
            ))
            .count(),
        2,
        "no data yet: each run says so"
    );
    assert_eq!(early.last(), Some(&FromHost::CompareDone { generation: 1 }));

    host.set_dataset(tiny());
    host.handle(ToHost::Compare {
        generation: 2,
        runs: vec![config("softmax"), config("cosface")],
    });
    pollster::block_on(host.work());
    assert!(host.wants_work());
    let out = host.set_dataset(tiny());
    assert!(out.contains(&FromHost::CompareDone { generation: 2 }));
    assert!(out.contains(&FromHost::Event(Event::State(RunState::Idle))));
    assert!(!host.wants_work(), "nothing left running");

    host.handle(ToHost::Compare {
        generation: 3,
        runs: vec![config("softmax"), config("cosface")],
    });
    let out = host.handle(ToHost::StopCompare);
    assert_eq!(out, vec![FromHost::CompareDone { generation: 3 }]);
    assert!(!host.wants_work());
}
