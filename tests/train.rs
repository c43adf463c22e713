//! Model shapes, seeded determinism and real learning on MNIST, on the CPU backend.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::sync::Arc;

use burn::tensor::{Tensor, TensorData};
use playground::backend;
use playground::model::{Activation, CnnConfig};
use playground::train::{Command, Event, RunState, Session, TrainConfig, Trainer, run_to_end};

#[test]
fn cnn_output_shapes_for_d2_and_d3() {
    let dev = backend::cpu();
    for (channels, size) in [(1, 28), (3, 32)] {
        for dim in [2, 3] {
            let net = CnnConfig {
                channels,
                image_size: size,
                embed_dim: dim,
                activation: Activation::Linear,
            }
            .init(&dev);
            let x = Tensor::<4>::from_data(
                TensorData::new(
                    vec![0.5f32; 4 * channels * size * size],
                    [4, channels, size, size],
                ),
                &dev,
            );
            assert_eq!(net.forward(x).dims(), [4, dim]);
        }
    }
}

#[test]
fn activations_bound_the_embedding() {
    let dev = backend::cpu();
    for (act, lo, hi) in [
        (Activation::Relu, 0.0, f32::INFINITY),
        (Activation::Sigmoid, 0.0, 1.0),
        (Activation::Tanh, -1.0, 1.0),
    ] {
        let net = CnnConfig {
            channels: 1,
            image_size: 28,
            embed_dim: 3,
            activation: act,
        }
        .init(&dev);
        let x = Tensor::<4>::from_data(
            TensorData::new(
                (0..8 * 784)
                    .map(|i| ((i % 97) as f32 - 48.0) / 8.0)
                    .collect::<Vec<_>>(),
                [8, 1, 28, 28],
            ),
            &dev,
        );
        let z: Vec<f32> = net.forward(x).into_data().iter::<f32>().collect();
        assert!(z.iter().all(|&v| v >= lo && v <= hi), "{act:?}: {z:?}");
    }
}

fn small_config(seed: u64) -> TrainConfig {
    TrainConfig {
        seed,
        batch_size: 32,
        eval_points: 64,
        ..TrainConfig::default()
    }
}

#[test]
fn same_seed_same_numbers_on_cpu() {
    let ds = common::mnist();
    let run = |seed| {
        let mut t = Trainer::new(small_config(seed), ds.clone(), &backend::cpu()).unwrap();
        let losses: Vec<f32> = (0..3)
            .map(|_| pollster::block_on(t.train_step()).unwrap().loss)
            .collect();
        let emb = pollster::block_on(t.embed_test_subset()).unwrap();
        (losses, emb.points)
    };
    let a = run(7);
    let b = run(7);
    assert_eq!(
        a, b,
        "same seed must give bit-identical losses and embeddings"
    );
    let c = run(8);
    assert_ne!(a.0, c.0, "another seed must give other numbers");
}

#[test]
fn session_follows_commands() {
    let ds = common::mnist();
    let mut s = Session::new(small_config(1), backend::cpu());
    assert!(
        matches!(s.handle(Command::Start)[..], [Event::Error(_)]),
        "no dataset yet"
    );
    s.set_dataset(ds);
    assert_eq!(
        s.handle(Command::Step),
        vec![Event::State(RunState::Paused)]
    );
    let mut events = vec![];
    while s.wants_work() {
        events.extend(pollster::block_on(s.work()));
    }
    let steps = events
        .iter()
        .filter(|e| matches!(e, Event::Step(_)))
        .count();
    let embeddings = events
        .iter()
        .filter(|e| matches!(e, Event::Embedding(_)))
        .count();
    assert_eq!(
        (steps, embeddings),
        (1, 2),
        "one step, embeddings before and after it: {events:?}"
    );
    assert_eq!(s.trainer().unwrap().step(), 1);
    s.handle(Command::Reset);
    assert!(s.trainer().is_none());
    assert_eq!(s.state(), RunState::Idle);
    let bad = TrainConfig {
        lr: -1.0,
        ..small_config(1)
    };
    match &s.handle(Command::Configure(bad))[..] {
        [Event::Error(m)] => assert!(m.contains("lr") && m.contains("-1"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn diverging_loss_stops_the_run_and_keeps_the_last_good_state() {
    let mut ds = (*common::mnist()).clone();
    ds.std = vec![0.0]; // every normalised pixel becomes ±inf or NaN: the first loss is not finite
    let cfg = TrainConfig {
        batch_size: 16,
        eval_points: 16,
        ..TrainConfig::default()
    };
    let mut s = Session::new(cfg, backend::cpu());
    s.set_dataset(Arc::new(ds));
    s.handle(Command::Start);
    let mut events = vec![];
    while s.wants_work() {
        events.extend(pollster::block_on(s.work()));
    }
    let msg = events.iter().find_map(|e| match e {
        Event::Error(m) => Some(m.clone()),
        _ => None,
    });
    let msg = msg.expect("a diverged run reports an error");
    assert!(msg.contains("diverged at step 1"), "{msg}");
    assert_eq!(s.state(), RunState::Failed);
    assert!(!events.iter().any(|e| matches!(e, Event::Step(_))));
    assert!(
        matches!(s.handle(Command::Start)[..], [Event::Error(_)]),
        "a failed run needs a reset"
    );

    // The weights are those from before the bad step: identical to a fresh model of the seed.
    let fresh = Trainer::new(s.config().clone(), common::mnist(), &backend::cpu()).unwrap();
    let x = Tensor::<4>::from_data(
        TensorData::new(vec![0.25f32; 2 * 784], [2, 1, 28, 28]),
        &backend::cpu().autodiff(),
    );
    let kept: Vec<f32> = s
        .trainer()
        .unwrap()
        .model()
        .net
        .forward(x.clone())
        .into_data()
        .iter::<f32>()
        .collect();
    let orig: Vec<f32> = fresh
        .model()
        .net
        .forward(x)
        .into_data()
        .iter::<f32>()
        .collect();
    assert_eq!(kept, orig);
}

/// The acceptance bar: ≥ 90 % test accuracy in 2-D within a bounded number of steps.
#[test]
fn learns_mnist_in_2d_on_cpu() {
    let ds = common::mnist();
    let cfg = TrainConfig {
        dim: 2,
        batch_size: 64,
        lr: 2e-3,
        seed: 1,
        eval_points: 10_000,
        ..TrainConfig::default()
    };
    let mut t = Trainer::new(cfg, Arc::clone(&ds), &backend::cpu()).unwrap();
    const STEPS: usize = 600;
    for _ in 0..STEPS {
        pollster::block_on(t.train_step()).unwrap();
    }
    let acc = pollster::block_on(t.test_accuracy()).unwrap();
    eprintln!(
        "2-D softmax, {STEPS} steps of 64: test accuracy {acc:.4}, {:.0} samples/s",
        t.samples_per_sec()
    );
    assert!(acc >= 0.90, "test accuracy {acc} after {STEPS} steps");
}

#[test]
fn run_to_end_finishes_an_epoch_of_a_tiny_dataset() {
    let full = common::mnist();
    let mut tiny = (*full).clone();
    tiny.train = full.train.head(96);
    tiny.test = full.test.head(40);
    let mut s = Session::new(
        TrainConfig {
            batch_size: 32,
            eval_points: 40,
            eval_every: 2,
            ..TrainConfig::default()
        },
        backend::cpu(),
    );
    s.set_dataset(Arc::new(tiny));
    let events = pollster::block_on(run_to_end(&mut s));
    let steps = events
        .iter()
        .filter(|e| matches!(e, Event::Step(_)))
        .count();
    assert_eq!(steps, 3);
    assert_eq!(s.state(), RunState::Finished);
    match events
        .iter()
        .rev()
        .find(|e| matches!(e, Event::Embedding(_)))
    {
        Some(Event::Embedding(e)) => assert_eq!((e.step, e.len()), (3, 40)),
        _ => panic!("no final embedding"),
    }
}

/// `max_steps` ends a run early (with its final embedding), and the same configuration gives
/// the same fingerprint twice — what a share link with `steps=` and `fp=` relies on.
#[test]
fn max_steps_ends_the_run_and_the_fingerprint_repeats() {
    let full = common::mnist();
    let mut tiny = (*full).clone();
    tiny.train = full.train.head(320);
    tiny.test = full.test.head(60);
    let tiny = Arc::new(tiny);
    let config = TrainConfig {
        batch_size: 32,
        eval_points: 60,
        eval_every: 100,
        max_steps: 2,
        ..TrainConfig::default()
    };
    let run = |config: TrainConfig| {
        let mut s = Session::new(config, backend::cpu());
        s.set_dataset(tiny.clone());
        let events = pollster::block_on(run_to_end(&mut s));
        assert_eq!(s.state(), RunState::Finished);
        assert_eq!(s.trainer().map(|t| t.total_steps()), Some(2));
        let Some(Event::Embedding(e)) = events
            .iter()
            .rev()
            .find(|e| matches!(e, Event::Embedding(_)))
        else {
            panic!("no final embedding")
        };
        assert_eq!(e.step, 2);
        playground::metrics::fingerprint(e.accuracy(), &e.points, 50 * e.dim)
    };
    let a = run(config.clone());
    assert_eq!(a, run(config.clone()));
    assert_ne!(a, run(TrainConfig { seed: 2, ..config }));
}

/// The decision regions and margin wedges are drawn from `viz::predict`, which re-implements
/// each head's scoring rule on the read-back geometry. It must agree with the trainer's own
/// predictions (the arg-max of the loss's tensor scores) for every loss, in 2-D and 3-D.
#[test]
fn drawn_head_predicts_like_the_trainer_for_every_loss() {
    let ds = common::mnist();
    for id in playground::loss::LossConfig::IDS {
        for dim in [2, 3] {
            let (loss, lr) = playground::loss::LossConfig::preset(id).unwrap();
            let cfg = TrainConfig {
                dim,
                loss,
                lr,
                batch_size: 32,
                eval_points: 300,
                ..TrainConfig::default()
            };
            let mut t = Trainer::new(cfg, Arc::clone(&ds), &backend::cpu()).unwrap();
            for _ in 0..15 {
                pollster::block_on(t.train_step()).unwrap();
            }
            let e = pollster::block_on(t.embed_test_subset()).unwrap();
            let g = pollster::block_on(t.model().loss.geometry(t.step())).unwrap();
            let agree = e
                .points
                .chunks_exact(dim)
                .zip(&e.predictions)
                .filter(|(z, p)| playground::viz::predict(&g, z) == Some(**p as usize))
                .count();
            // Float ties and summation order may flip a point that sits on a boundary.
            assert!(
                agree >= e.len() - 2,
                "{id} {dim}-D: drawn head agrees on {agree} of {} points",
                e.len()
            );
        }
    }
}
