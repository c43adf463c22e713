//! The training driver: owns the [`Session`], applies messages, works in slices and yields to
//! the browser between them. Only this task touches the session, so nothing is borrowed across
//! an `await` by anyone else. (The same loop can later run inside a Web Worker.)

use std::sync::Arc;

use burn::tensor::Device;
use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use leptos::prelude::*;

use super::state::{BackendChoice, Msg, Ui};
use crate::data::Dataset;
use crate::train::{Event, RunState, Session, probe};
use crate::web::{gpu, yield_now};

/// Starts the driver task.
pub fn spawn(ui: Ui, rx: UnboundedReceiver<Msg>) {
    leptos::task::spawn_local(run(ui, rx));
}

async fn run(ui: Ui, mut rx: UnboundedReceiver<Msg>) {
    let mut session = Session::new(ui.config.get_untracked(), crate::backend::cpu());
    let mut dataset: Option<Arc<Dataset>> = None;
    let mut backend_ready = false;
    loop {
        let msg = if session.wants_work() {
            match rx.try_recv() {
                Ok(m) => Some(m),
                Err(e) if e.is_closed() => return,
                Err(_) => None, // nothing queued
            }
        } else {
            match rx.next().await {
                Some(m) => Some(m),
                None => return,
            }
        };
        match msg {
            Some(Msg::Cmd(c)) => {
                let events = session.handle(c);
                dispatch(ui, &session, events);
            }
            Some(Msg::Dataset(ds)) => {
                ui.class_names.set(ds.class_names.clone());
                super::compare::set_dataset(ds.clone());
                dataset = Some(ds.clone());
                let events = session.set_dataset(ds);
                dispatch(ui, &session, events);
                if !backend_ready {
                    backend_ready = true;
                    select_backend(
                        ui,
                        &mut session,
                        dataset.clone(),
                        ui.backend_choice.get_untracked(),
                    )
                    .await;
                }
            }
            Some(Msg::Backend(choice)) => {
                backend_ready = true;
                select_backend(ui, &mut session, dataset.clone(), choice).await;
            }
            None => {
                let events = session.work().await;
                let lost = events.iter().find_map(|e| match e {
                    Event::DeviceLost(m) => Some(m.clone()),
                    _ => None,
                });
                dispatch(ui, &session, events);
                if let Some(m) = lost {
                    // Keep the page working: fall back to the CPU backend (a reset run).
                    ui.backend_choice.set(BackendChoice::Cpu);
                    select_backend(ui, &mut session, dataset.clone(), BackendChoice::Cpu).await;
                    ui.error.set(Some(format!(
                        "{m}. Switched to the CPU backend: press Train to start again."
                    )));
                }
                yield_now().await;
            }
        }
    }
}

/// Picks the device for `choice` and installs it (which resets the run).
async fn select_backend(
    ui: Ui,
    session: &mut Session,
    dataset: Option<Arc<Dataset>>,
    choice: BackendChoice,
) {
    ui.backend_info.set("choosing a backend…".into());
    let (device, info) = choose(session, dataset, choice).await;
    ui.backend_info.set(info);
    let events = session.set_device(device);
    dispatch(ui, session, events);
}

async fn choose(
    session: &Session,
    dataset: Option<Arc<Dataset>>,
    choice: BackendChoice,
) -> (Device, String) {
    let cpu = crate::backend::cpu();
    if choice == BackendChoice::Cpu {
        return (cpu, "CPU (WebAssembly SIMD), chosen by you".into());
    }
    let gpu = match gpu::webgpu_device().await {
        Ok(d) => d,
        Err(e) => {
            return (
                cpu,
                format!("CPU — {e}; training on the CPU backend instead"),
            );
        }
    };
    if choice == BackendChoice::WebGpu {
        return (gpu, "WebGPU, chosen by you".into());
    }
    let Some(ds) = dataset else {
        return (gpu, "WebGPU (not yet measured)".into());
    };
    let config = session.config();
    let g = probe::step_ms(config, ds.clone(), &gpu).await;
    yield_now().await;
    let c = probe::step_ms(config, ds, &cpu).await;
    match (g, c) {
        (Ok(g), Ok(c)) if g <= c => (
            gpu,
            format!(
                "WebGPU — measured {g:.0} ms/step vs CPU {c:.0} ms/step (batch {})",
                probe::PROBE_BATCH
            ),
        ),
        (Ok(g), Ok(c)) => (
            cpu,
            format!(
                "CPU — measured {c:.0} ms/step vs WebGPU {g:.0} ms/step (batch {}); WebGPU here is slower",
                probe::PROBE_BATCH
            ),
        ),
        (Err(e), _) => (cpu, format!("CPU — WebGPU failed its probe ({e})")),
        (Ok(_), Err(e)) => (gpu, format!("WebGPU — the CPU probe failed ({e})")),
    }
}

fn dispatch(ui: Ui, session: &Session, events: Vec<Event>) {
    for e in events {
        match e {
            Event::State(s) => {
                ui.run_state.set(s);
                if s == RunState::Idle {
                    ui.last_step.set(None);
                    ui.curves.set(Default::default());
                    ui.embedding.set(None);
                }
                if let Some(t) = session.trainer() {
                    ui.total_steps.set(t.total_steps());
                }
            }
            Event::Step(stats) => {
                ui.curves.update(|c| {
                    c.push_step(
                        stats.step,
                        stats.loss as f64,
                        stats.batch_accuracy as f64,
                        &stats.terms,
                    )
                });
                if let Some(t) = session.trainer() {
                    ui.total_steps.set(t.total_steps());
                }
                ui.last_step.set(Some(stats));
            }
            Event::Embedding(emb) => {
                ui.curves.update(|c| c.push_eval(emb.step, emb.accuracy()));
                ui.embedding.set(Some(emb));
            }
            Event::Error(msg) | Event::DeviceLost(msg) => ui.error.set(Some(msg)),
            Event::Checkpoint(c) => super::export::save_checkpoint(ui, &c),
            Event::Loaded { config, step } => {
                ui.config.set(config);
                ui.last_step
                    .set(session.trainer().map(|t| crate::train::StepStats {
                        step,
                        epoch: t.epoch(),
                        loss: f32::NAN,
                        terms: Vec::new(),
                        batch_accuracy: f32::NAN,
                        samples_per_sec: 0.0,
                        finished: false,
                    }));
            }
        }
    }
}
