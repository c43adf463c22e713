//! The training driver: hands the page's messages to the [`crate::train::Host`] — in a Web
//! Worker when one starts ([`crate::web::worker`]), else in the page — and applies what the
//! host reports to the page's signals. Nothing here computes: the main thread only draws.

use std::rc::Rc;
use std::sync::Arc;

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use leptos::prelude::*;

use super::state::{BackendChoice, Msg, Ui};
use crate::train::{Event, FromHost, RunState, ToHost};
use crate::web::worker::{Input, Output, host_for_page};

/// Starts the host and the task that forwards the page's messages to it.
pub fn spawn(ui: Ui, mut rx: UnboundedReceiver<Msg>) {
    let hear: Rc<dyn Fn(Output)> = Rc::new(move |out| apply(ui, out));
    let note: Rc<dyn Fn(String)> = Rc::new(move |place| ui.host_place.set(place));
    let host = host_for_page(ui.config.get_untracked(), hear, note);
    leptos::task::spawn_local(async move {
        let mut first_data = true;
        while let Some(msg) = rx.next().await {
            let input = match msg {
                Msg::Cmd(c) => Input::Host(ToHost::Command(c)),
                Msg::Dataset(ds) => {
                    ui.class_names.set(ds.class_names.clone());
                    super::compare::set_dataset(ds.clone());
                    // Before the first data, the backend the page asks for (a link may have set
                    // it since the start): the host chooses it on those data. Later changes
                    // come as `Msg::Backend`.
                    if std::mem::take(&mut first_data) {
                        let choice = Input::Backend(ui.backend_choice.get_untracked());
                        if host.unbounded_send(choice).is_err() {
                            return;
                        }
                    }
                    Input::Dataset(ds)
                }
                Msg::Backend(choice) => Input::Backend(choice),
                Msg::Compare { generation, runs } => {
                    Input::Host(ToHost::Compare { generation, runs })
                }
                Msg::StopCompare => Input::Host(ToHost::StopCompare),
            };
            if host.unbounded_send(input).is_err() {
                return;
            }
        }
    });
}

/// Applies one message of the host to the page.
fn apply(ui: Ui, out: Output) {
    match out {
        Output::BackendInfo(info) => ui.backend_info.set(info),
        Output::Fallback(m) => {
            ui.backend_choice.set(BackendChoice::Cpu);
            ui.error.set(Some(format!(
                "{m}. Switched to the CPU backend: press Train to start again."
            )));
        }
        Output::Host(FromHost::Event(e)) => event(ui, e),
        Output::Host(FromHost::Progress { total_steps, epoch }) => {
            if ui.total_steps.get_untracked() != total_steps {
                ui.total_steps.set(total_steps);
            }
            // A loaded run's first progress tells its epoch.
            if ui
                .last_step
                .with_untracked(|s| s.as_ref().is_some_and(|s| s.epoch.is_nan()))
            {
                ui.last_step.update(|s| {
                    if let Some(s) = s {
                        s.epoch = epoch;
                    }
                });
            }
        }
        Output::Host(FromHost::Metrics { step, ms, result }) => match result {
            Ok(m) => {
                ui.panels.metrics.set(Some(Arc::new(m)));
                ui.panels.metrics_step.set(Some(step));
                ui.panels.metrics_ms.set(Some(ms));
            }
            Err(e) => ui.error.set(Some(format!("embedding metrics: {e}"))),
        },
        Output::Host(FromHost::Compare {
            generation,
            run,
            update,
        }) => super::compare::apply_update(generation, run, update),
        Output::Host(FromHost::CompareDone { generation }) => super::compare::done(generation),
    }
}

fn event(ui: Ui, e: Event) {
    match e {
        Event::State(s) => {
            ui.run_state.set(s);
            if s == RunState::Idle {
                ui.last_step.set(None);
                ui.curves.set(Default::default());
                ui.embedding.set(None);
                ui.panels.metrics.set(None);
                ui.panels.metrics_step.set(None);
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
            ui.last_step.set(Some(crate::train::StepStats {
                step,
                epoch: f64::NAN, // the progress that follows tells it
                loss: f32::NAN,
                terms: Vec::new(),
                batch_accuracy: f32::NAN,
                samples_per_sec: 0.0,
                finished: false,
            }));
        }
    }
}
