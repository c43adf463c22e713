//! Checkpoints: save → load gives the same model (identical embeddings), a loaded run trains
//! on, and damaged or mismatched files are refused with a reason.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use playground::backend;
use playground::loss::LossConfig;
use playground::train::{Checkpoint, Command, Event, RunState, Session, TrainConfig, Trainer};

fn config(dim: usize) -> TrainConfig {
    TrainConfig {
        dim,
        batch_size: 32,
        eval_points: 64,
        seed: 3,
        ..TrainConfig::default()
    }
}

#[test]
fn save_then_load_gives_identical_embeddings_and_trains_on() {
    let ds = common::mnist();
    for (dim, loss) in [(2, "softmax"), (3, "center")] {
        let (l, lr) = LossConfig::preset(loss).unwrap();
        let c = TrainConfig {
            loss: l,
            lr,
            ..config(dim)
        };
        let mut t = Trainer::new(c.clone(), ds.clone(), &backend::cpu()).unwrap();
        for _ in 0..3 {
            pollster::block_on(t.train_step()).unwrap();
        }
        let before = pollster::block_on(t.embed_test_subset()).unwrap();
        let bytes = pollster::block_on(t.checkpoint()).unwrap().to_bytes();
        assert_eq!(&bytes[..6], b"EPCKPT");

        let ck = Checkpoint::from_bytes(&bytes).unwrap();
        assert_eq!(ck.header.config, c);
        assert_eq!(ck.header.step, 3);
        let mut u = Trainer::from_checkpoint(&ck, ds.clone(), &backend::cpu()).unwrap();
        assert_eq!(u.step(), 3);
        let after = pollster::block_on(u.embed_test_subset()).unwrap();
        assert_eq!(
            before.points, after.points,
            "{loss} d={dim}: embeddings differ"
        );
        assert_eq!(before.predictions, after.predictions, "{loss} d={dim}");
        // A loaded run trains on, from the saved step.
        let s = pollster::block_on(u.train_step()).unwrap();
        assert_eq!(s.step, 4);
        assert!(s.loss.is_finite());
    }
}

#[test]
fn the_session_saves_and_loads_by_command() {
    let ds = common::mnist();
    let mut s = Session::new(config(2), backend::cpu());
    s.set_dataset(ds.clone());
    assert!(matches!(s.handle(Command::Save)[..], [Event::Error(_)]));
    s.handle(Command::Step);
    let mut emb = None;
    while s.wants_work() {
        for e in pollster::block_on(s.work()) {
            if let Event::Embedding(e) = e {
                emb = Some(e);
            }
        }
    }
    assert!(s.handle(Command::Save).is_empty());
    let mut saved = None;
    while s.wants_work() {
        for e in pollster::block_on(s.work()) {
            if let Event::Checkpoint(c) = e {
                saved = Some(c);
            }
        }
    }
    let saved = saved.expect("a checkpoint event");
    let bytes = saved.to_bytes();

    // Another session, other settings: loading replaces them and shows the same embedding.
    let mut o = Session::new(config(3), backend::cpu());
    o.set_dataset(ds);
    let ev = o.handle(Command::Load(Checkpoint::from_bytes(&bytes).unwrap()));
    assert!(
        ev.contains(&Event::Loaded {
            config: config(2),
            step: 1
        }),
        "{ev:?}"
    );
    assert_eq!(o.state(), RunState::Paused);
    assert_eq!(o.config(), &config(2));
    let mut again = None;
    while o.wants_work() {
        for e in pollster::block_on(o.work()) {
            if let Event::Embedding(e) = e {
                again = Some(e);
            }
        }
    }
    let (a, b) = (emb.unwrap(), again.unwrap());
    assert_eq!((a.step, &a.points), (b.step, &b.points));
}

#[test]
fn damaged_and_mismatched_checkpoints_are_refused() {
    let ds = common::mnist();
    let t = Trainer::new(config(2), ds.clone(), &backend::cpu()).unwrap();
    let good = pollster::block_on(t.checkpoint()).unwrap();
    let bytes = good.to_bytes();

    let e = Checkpoint::from_bytes(b"PK\x03\x04 a zip file").unwrap_err();
    assert!(e.to_string().contains("EPCKPT"), "{e}");
    let e = Checkpoint::from_bytes(&bytes[..20]).unwrap_err();
    assert!(e.to_string().contains("header"), "{e}");
    let mut newer = bytes.clone();
    newer[6] = 9;
    assert!(Checkpoint::from_bytes(&newer).is_err());

    // An invalid configuration inside.
    let mut bad = good.clone();
    bad.header.config.dim = 7;
    let e = Checkpoint::from_bytes(&bad.to_bytes()).unwrap_err();
    assert!(e.to_string().contains("dim"), "{e}");

    // Weights of a 2-D model under a 3-D configuration.
    let mut other = good.clone();
    other.header.config.dim = 3;
    let e = Trainer::from_checkpoint(&other, ds.clone(), &backend::cpu()).unwrap_err();
    assert!(e.to_string().contains("do not fit"), "{e}");

    // Another dataset shape.
    let mut other = good.clone();
    other.header.dataset.classes = 100;
    let e = Trainer::from_checkpoint(&other, ds.clone(), &backend::cpu()).unwrap_err();
    assert!(e.to_string().contains("100"), "{e}");

    // Corrupt weights.
    let mut cut = good;
    cut.weights.truncate(cut.weights.len() / 2);
    assert!(Trainer::from_checkpoint(&cut, ds, &backend::cpu()).is_err());
}
