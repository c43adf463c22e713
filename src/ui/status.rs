//! Progress, backend status and the error banner.

use leptos::prelude::*;

use super::state::Ui;
use crate::metrics::eta_secs;
use crate::train::RunState;

/// The error banner; offers a retry when the dataset failed to load.
#[component]
pub fn ErrorBanner(
    /// Reloads the dataset.
    retry: Callback<()>,
) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let loaded = move || ui.loading.with(|l| l.as_ref().is_some_and(|l| l.done));
    view! {
        <Show when=move || ui.error.with(Option::is_some)>
            <div class="error" role="alert" data-testid="error">
                <span data-testid="error-text">{move || ui.error.get().unwrap_or_default()}</span>
                <Show when=move || !loaded()>
                    <button data-testid="retry" on:click=move |_| retry.run(())>"Retry"</button>
                </Show>
                <button class="close" aria-label="Dismiss" on:click=move |_| ui.error.set(None)>"×"</button>
            </div>
        </Show>
    }
}

fn duration(secs: f64) -> String {
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// Training progress (the data panel shows the download's).
#[component]
pub fn Progress() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let training = move || {
        let total = ui.total_steps.get();
        let last = ui.last_step.get();
        let batch = ui.config.with(|c| c.batch_size);
        let (step, epoch, sps, loss, acc) = last
            .as_ref()
            .map(|s| (s.step, s.epoch, s.samples_per_sec, s.loss, s.batch_accuracy))
            .unwrap_or((0, 0.0, 0.0, f32::NAN, f32::NAN));
        let eta = eta_secs(total.saturating_sub(step) * batch, sps)
            .map(duration)
            .unwrap_or_else(|| "–".into());
        let eval = ui.curves.with(|c| c.eval_accuracy.last().copied());
        let pct = if total > 0 {
            100.0 * step as f64 / total as f64
        } else {
            0.0
        };
        view! {
            <dl class="progress" data-testid="progress">
                <dt>"Epoch"</dt><dd data-testid="epoch">{format!("{epoch:.2}")}</dd>
                <dt>"Step"</dt><dd data-testid="step-count">{format!("{step} / {total}")}</dd>
                <dt>"Samples/s"</dt><dd data-testid="samples-per-sec">{format!("{sps:.0}")}</dd>
                <dt>"ETA"</dt><dd data-testid="eta">{eta}</dd>
                <dt>"Batch loss"</dt><dd data-testid="batch-loss">{if loss.is_nan() { "–".into() } else { format!("{loss:.4}") }}</dd>
                <dt>"Batch accuracy"</dt><dd>{if acc.is_nan() { "–".into() } else { format!("{:.1} %", acc * 100.0) }}</dd>
                <dt>"Test-subset accuracy"</dt><dd data-testid="eval-accuracy">{eval.map(|a| format!("{:.1} %", a * 100.0)).unwrap_or_else(|| "–".into())}</dd>
            </dl>
            <progress class="run" max="100" value=pct></progress>
        }
    };
    view! { {training} }
}

/// Run state and backend in use.
#[component]
pub fn StatusLine() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = move || match ui.run_state.get() {
        RunState::Idle => "ready",
        RunState::Running => "training",
        RunState::Paused => "paused",
        RunState::Finished => "finished",
        RunState::Failed => "stopped by an error",
    };
    view! {
        <p class="status">
            <span data-testid="run-state">{state}</span>
            " · backend: "
            <span data-testid="backend-info">{move || ui.backend_info.get()}</span>
            " · training runs "
            <span data-testid="host-place">{move || ui.host_place.get()}</span>
        </p>
    }
}
