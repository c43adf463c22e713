//! Keyboard shortcuts for presenting: space trains or pauses, → steps, r resets, p toggles the
//! presenter view, ? opens the help, Escape closes it. Keys typed into a text field or a
//! select are theirs; space on a focused button or link presses it, as usual.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::share::Link;
use super::state::Ui;
use crate::train::{Command, RunState};

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    TrainOrPause,
    Step,
    Reset,
    Presenter,
    Help,
    Close,
}

/// The shortcuts, as listed in the help: (keys, what they do).
const SHORTCUTS: [(&str, &str); 6] = [
    ("Space", "train / pause"),
    ("→", "one training step"),
    ("r", "reset the run"),
    ("p", "presenter view on / off"),
    ("?", "this help"),
    ("Esc", "close the help"),
];

fn action(key: &str) -> Option<Action> {
    Some(match key {
        " " | "Spacebar" => Action::TrainOrPause,
        "ArrowRight" => Action::Step,
        "r" | "R" => Action::Reset,
        "p" | "P" => Action::Presenter,
        "?" => Action::Help,
        "Escape" => Action::Close,
        _ => return None,
    })
}

/// Whether the key belongs to the focused element rather than to the page.
fn focus_takes(target: Option<web_sys::EventTarget>, action: Action) -> bool {
    let Some(el) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    let tag = el.tag_name().to_ascii_lowercase();
    if matches!(tag.as_str(), "input" | "select" | "textarea")
        || el.get_attribute("contenteditable").is_some()
    {
        return action != Action::Close;
    }
    // Space presses a focused button, link or summary itself.
    action == Action::TrainOrPause && matches!(tag.as_str(), "button" | "a" | "summary")
}

/// Listens for the shortcuts on the window for the life of the calling component.
pub fn install(ui: Ui, link: Link) {
    let handle = window_event_listener(leptos::ev::keydown, move |e: web_sys::KeyboardEvent| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
            return;
        }
        let Some(a) = action(&e.key()) else { return };
        if focus_takes(e.target(), a) {
            return;
        }
        let ready = ui.class_names.with_untracked(|c| !c.is_empty());
        let state = ui.run_state.get_untracked();
        match a {
            Action::TrainOrPause => match state {
                RunState::Running => ui.command(Command::Pause),
                RunState::Idle | RunState::Paused if ready => ui.command(Command::Start),
                _ => {}
            },
            Action::Step if ready && matches!(state, RunState::Idle | RunState::Paused) => {
                ui.command(Command::Step)
            }
            Action::Step => {}
            Action::Reset => {
                ui.error.set(None);
                ui.command(Command::Reset);
            }
            Action::Presenter => link.presenter.update(|p| *p = !*p),
            Action::Help => link.help.update(|h| *h = !*h),
            Action::Close => link.help.set(false),
        }
        e.prevent_default();
    });
    on_cleanup(move || handle.remove());
}

/// The "?" button and the list of shortcuts it opens.
#[component]
pub fn KeyHelp() -> impl IntoView {
    let link = expect_context::<Link>();
    view! {
        <button data-testid="help-button" aria-expanded=move || link.help.get().to_string()
            aria-controls="key-help" title="Keyboard shortcuts (?)"
            on:click=move |_| link.help.update(|h| *h = !*h)>"? Keys"</button>
        <Show when=move || link.help.get()>
            <div id="key-help" class="key-help" role="dialog" aria-label="Keyboard shortcuts" data-testid="help">
                <dl>
                    {SHORTCUTS.iter().map(|(k, what)| view! { <dt><kbd>{*k}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                </dl>
                <p>"Shortcuts work anywhere but in text fields and lists; Tab reaches every control."</p>
                <button data-testid="help-close" on:click=move |_| link.help.set(false)>"Close"</button>
            </div>
        </Show>
    }
}
