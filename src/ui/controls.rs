//! Settings and the run buttons.

use leptos::prelude::*;

use super::state::{BackendChoice, Msg, Ui};
use crate::data::DatasetKind;
use crate::loss::{LossConfig, ParamKind, ParamSpec};
use crate::model::Activation;
use crate::presets;
use crate::train::{Command, FieldKind, LrSchedule, RunState, TrainConfig};

/// The paper's comparisons ([`crate::presets`]): choosing one applies its whole configuration
/// (which resets the run) and shows what it is and what to look for.
#[component]
pub fn PresetPicker() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let running = move || ui.run_state.get() == RunState::Running;
    let comparisons = presets::comparisons();
    let caption = move || {
        let id = ui.preset.get()?;
        let p = presets::preset(id)?;
        let modified = ui.config.with(|c| *c != p.config);
        Some(view! {
            <p class="preset-caption" data-testid="preset-caption">
                {p.caption}" "<em>{p.look_for}</em>
                {modified.then_some(" (settings changed since)")}
            </p>
        })
    };
    view! {
        <fieldset class="presets" prop:disabled=running>
            <legend>"The paper's comparisons"</legend>
            <label>
                "Preset"
                <select data-testid="preset-select" on:change=move |ev| {
                    let id = event_target_value(&ev);
                    match presets::preset(&id) {
                        Some(p) => {
                            ui.preset.set(Some(p.id));
                            ui.configure(|c| *c = p.config.clone());
                        }
                        None => ui.preset.set(None),
                    }
                }>
                    <option value="" selected=move || ui.preset.get().is_none()>"— choose —"</option>
                    {comparisons.into_iter().map(|c| view! {
                        <optgroup label=c.title>
                            {c.presets.into_iter().map(|p| view! {
                                <option value=p.id selected=move || ui.preset.get() == Some(p.id)>{p.title}</option>
                            }).collect_view()}
                        </optgroup>
                    }).collect_view()}
                </select>
            </label>
            {caption}
        </fieldset>
    }
}

/// Dataset, embedding, optimiser and backend settings. Changing one resets the run.
#[component]
pub fn Settings() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let data = expect_context::<super::data_panel::Data>();
    let cfg = ui.config;
    let running = move || ui.run_state.get() == RunState::Running;

    view! {
        <fieldset class="settings" prop:disabled=running>
            <legend>"Settings"</legend>
            <label>
                "Dataset"
                <select data-testid="dataset" on:change=move |ev| {
                    super::data_panel::choose_dataset(ui, data, &event_target_value(&ev));
                }>
                    {DatasetKind::ALL.into_iter().map(|k| view! {
                        <option value=k.id() selected=move || super::data_panel::is_selected(ui, data, k)>{k.title()}</option>
                    }).collect_view()}
                    <super::data_panel::UserDatasetOption />
                </select>
            </label>
            <label>
                "Embedding dimension"
                <select data-testid="dim" on:change=move |ev| {
                    if let Ok(d) = event_target_value(&ev).parse() {
                        ui.configure(|c| c.dim = d);
                    }
                }>
                    <option value="2" selected=move || cfg.with(|c| c.dim == 2)>"2-D"</option>
                    <option value="3" selected=move || cfg.with(|c| c.dim == 3)>"3-D"</option>
                </select>
            </label>
            <label>
                "Embedding activation"
                <select data-testid="activation" on:change=move |ev| {
                    if let Some(a) = Activation::from_id(&event_target_value(&ev)) {
                        ui.configure(|c| c.activation = a);
                    }
                }>
                    {Activation::ALL.into_iter().map(|a| view! {
                        <option value=a.id() selected=move || cfg.with(|c| c.activation == a)>{a.id()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                "Loss"
                <select data-testid="loss-select" on:change=move |ev| {
                    // A new loss starts from its known-good preset (parameters and learning rate).
                    if let Some((l, lr)) = LossConfig::preset(&event_target_value(&ev)) {
                        ui.configure(|c| {
                            c.loss = l;
                            c.lr = lr;
                        });
                    }
                }>
                    {LossConfig::IDS.into_iter().map(|name| {
                        let title = LossConfig::default_for(name).map(|l| l.title()).unwrap_or(name);
                        view! { <option value=name selected=move || cfg.with(|c| c.loss.id() == name)>{title}</option> }
                    }).collect_view()}
                </select>
            </label>
            <LossParams />
            <NumberField label="Learning rate (Adam)" field="lr" testid="lr" step="0.0001" />
            <label>
                "Learning-rate schedule"
                <select data-testid="lr-schedule" on:change=move |ev| {
                    if let Some(s) = LrSchedule::from_id(&event_target_value(&ev)) {
                        ui.configure(|c| c.lr_schedule = s);
                    }
                }>
                    {LrSchedule::ALL.into_iter().map(|s| view! {
                        <option value=s.id() selected=move || cfg.with(|c| c.lr_schedule == s)>{match s {
                            LrSchedule::Constant => "constant",
                            LrSchedule::Cosine => "cosine decay to 1 %",
                        }}</option>
                    }).collect_view()}
                </select>
            </label>
            <NumberField label="Batch size" field="batch_size" testid="batch" step="1" />
            <NumberField label="Epochs" field="epochs" testid="epochs" step="1" />
            <NumberField label="Seed" field="seed" testid="seed" step="1" />
            <label>
                "Backend"
                <select data-testid="backend" on:change=move |ev| {
                    let b = BackendChoice::from_id(&event_target_value(&ev));
                    ui.backend_choice.set(b);
                    ui.send(Msg::Backend(b));
                }>
                    {[BackendChoice::Auto, BackendChoice::WebGpu, BackendChoice::Cpu].into_iter().map(|b| view! {
                        <option value=b.id() selected=move || ui.backend_choice.get() == b>{match b {
                            BackendChoice::Auto => "automatic (measure)",
                            BackendChoice::WebGpu => "WebGPU",
                            BackendChoice::Cpu => "CPU",
                        }}</option>
                    }).collect_view()}
                </select>
            </label>
        </fieldset>
    }
}

/// One control per parameter of the chosen loss, from the core's parameter schema.
#[component]
fn LossParams() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let set = move |name: &'static str, value: serde_json::Value| {
        let loss = ui.config.with_untracked(|c| c.loss.clone());
        match loss.with_param(name, value) {
            Ok(l) => ui.configure(|c| c.loss = l),
            Err(e) => {
                ui.error.set(Some(format!("{}: {e}", loss.id())));
                // Redraw the controls with the value still in force.
                ui.config.update(|_| {});
            }
        }
    };
    move || {
        let loss = ui.config.with(|c| c.loss.clone());
        let controls = loss
            .param_specs()
            .into_iter()
            .map(|spec: ParamSpec| {
                let value = loss.param(spec.name).unwrap_or_default();
                let id = format!("loss-{}", spec.name);
                let label = if spec.unit.is_empty() {
                    spec.label.to_string()
                } else {
                    format!("{} ({})", spec.label, spec.unit)
                };
                match spec.kind {
                    ParamKind::Bool => view! {
                        <label class="check">
                            <input type="checkbox" data-testid=id prop:checked=value.as_bool().unwrap_or(false)
                                on:change=move |ev| set(spec.name, serde_json::Value::Bool(event_target_checked(&ev))) />
                            {label}
                        </label>
                    }
                    .into_any(),
                    ParamKind::Choice(options) => view! {
                        <label>
                            {label}
                            <select data-testid=id on:change=move |ev| set(spec.name, serde_json::Value::String(event_target_value(&ev)))>
                                {options.iter().map(|o| view! {
                                    <option value=*o selected=value.as_str() == Some(*o)>{*o}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    }
                    .into_any(),
                    ParamKind::Number { min, max, step } => view! {
                        <label>
                            {label}
                            <input type="number" data-testid=id min=min max=max step=step prop:value=value.to_string()
                                on:change=move |ev| {
                                    let text = event_target_value(&ev);
                                    match text.parse::<f64>() {
                                        Ok(x) => set(spec.name, serde_json::json!(x)),
                                        Err(_) => ui.error.set(Some(format!("{}: '{text}' is not a number", spec.name))),
                                    }
                                } />
                        </label>
                    }
                    .into_any(),
                    ParamKind::Integer { min, max } => view! {
                        <label>
                            {label}
                            <input type="number" data-testid=id min=min max=max step="1" prop:value=value.to_string()
                                on:change=move |ev| {
                                    let text = event_target_value(&ev);
                                    match text.parse::<i64>() {
                                        Ok(x) => set(spec.name, serde_json::json!(x)),
                                        Err(_) => ui.error.set(Some(format!("{}: '{text}' is not a whole number", spec.name))),
                                    }
                                } />
                        </label>
                    }
                    .into_any(),
                }
            })
            .collect_view();
        view! { <div class="loss-params" data-testid="loss-params">{controls}</div> }
    }
}

/// A labelled number input for the [`TrainConfig::FIELDS`] entry `field`: its range (the
/// `min`/`max` attributes and the check of what is typed, by [`TrainConfig::with_field_text`])
/// comes from that table. A refused value shows the table's message and the field goes back
/// to the value in force.
#[component]
fn NumberField(
    label: &'static str,
    field: &'static str,
    testid: &'static str,
    step: &'static str,
) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let (min, max) = match TrainConfig::field_spec(field).map(|f| f.kind) {
        Some(FieldKind::Int { min, max }) => (Some(min.to_string()), Some(max.to_string())),
        // An open lower bound: the smallest step above it.
        Some(FieldKind::Real {
            min_open: true,
            max,
            ..
        }) => (Some(step.to_string()), Some(max.to_string())),
        Some(FieldKind::Real { min, max, .. }) => (Some(min.to_string()), Some(max.to_string())),
        _ => (None, None),
    };
    let get = move || {
        ui.config
            .with(|c| c.field(field).map(|v| v.to_string()))
            .unwrap_or_default()
    };
    let set = move |text: String| {
        match ui
            .config
            .with_untracked(|c| c.with_field_text(field, &text))
        {
            Ok(next) => ui.configure(|c| *c = next),
            Err(e) => {
                ui.error.set(Some(format!("{label}: {e}")));
                // Redraw the field with the value still in force.
                ui.config.update(|_| {});
            }
        }
    };
    view! {
        <label>
            {label}
            <input type="number" data-testid=testid min=min max=max step=step
                prop:value=get
                on:change=move |ev| set(event_target_value(&ev)) />
        </label>
    }
}

/// Train / Pause / Step / Reset.
#[component]
pub fn Buttons() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = ui.run_state;
    let ready = move || !ui.class_names.with(|c| c.is_empty());
    view! {
        <div class="buttons" role="group" aria-label="Run">
            <button data-testid="train" class="primary"
                disabled=move || !ready() || matches!(state.get(), RunState::Running | RunState::Finished | RunState::Failed)
                on:click=move |_| ui.command(Command::Start)>"Train"</button>
            <button data-testid="pause"
                disabled=move || state.get() != RunState::Running
                on:click=move |_| ui.command(Command::Pause)>"Pause"</button>
            <button data-testid="step"
                disabled=move || !ready() || matches!(state.get(), RunState::Running | RunState::Finished | RunState::Failed)
                on:click=move |_| ui.command(Command::Step)>"Step"</button>
            <button data-testid="reset"
                on:click=move |_| { ui.error.set(None); ui.command(Command::Reset) }>"Reset"</button>
        </div>
    }
}
