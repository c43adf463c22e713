//! Classroom mode: hiding controls (`hide=` in the link), the presenter view (`presenter=1`:
//! large type, a big plot and a QR code of the link), the theme picker, and the panel that
//! holds them with "Copy link" and the fingerprint.
//!
//! Hidden controls are removed by a generated style sheet (`display: none`, which also takes
//! them out of the tab order and the accessibility tree), addressed by the `data-testid` of
//! their input, so the settings components need no knowledge of classroom mode.

use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};

use super::keys::KeyHelp;
use super::share::{CopyLink, Fingerprint, Link, full_link};
use super::state::Ui;
use crate::share::{Control, Theme};

/// The CSS selectors of the page elements that make up `control`.
fn selectors(control: Control) -> Vec<String> {
    let input = |testid: &str| format!("label:has(> [data-testid='{testid}'])");
    let own = format!("[data-control='{}']", control.id());
    let mut out = match control {
        Control::Field(key) => match key {
            "ds" => vec![input("dataset")],
            "d" => vec![input("dim")],
            "act" => vec![input("activation")],
            "lr" => vec![input("lr")],
            "sched" => vec![input("lr-schedule")],
            "bs" => vec![input("batch")],
            "ep" => vec![input("epochs")],
            "seed" => vec![input("seed")],
            _ => vec![],
        },
        Control::Loss => vec![input("loss-select")],
        Control::LossParams => vec!["[data-testid='loss-params']".into()],
        Control::Backend => vec![input("backend")],
        Control::Geometry => vec![input("show-geometry")],
        Control::Regions => vec![input("show-regions")],
        Control::Curves => vec![".curves".into()],
        Control::Run => vec![".buttons".into()],
        Control::Theme | Control::Share => vec![],
    };
    out.push(own);
    out
}

/// The style sheet that hides `hidden`.
fn hiding_css(hidden: &std::collections::BTreeSet<Control>) -> String {
    let sel: Vec<String> = hidden.iter().flat_map(|c| selectors(*c)).collect();
    if sel.is_empty() {
        String::new()
    } else {
        format!("{} {{ display: none !important; }}", sel.join(",\n"))
    }
}

/// A name for a control in the classroom list.
fn control_label(control: Control) -> String {
    match control {
        Control::Field(key) => match key {
            "ds" => "dataset".into(),
            "d" => "embedding dimension".into(),
            "act" => "activation".into(),
            "lr" => "learning rate".into(),
            "sched" => "learning-rate schedule".into(),
            "bs" => "batch size".into(),
            "ep" => "epochs".into(),
            "seed" => "seed".into(),
            other => crate::train::TrainConfig::field_spec(other)
                .map_or(other, |f| f.name)
                .replace('_', " "),
        },
        Control::Loss => "loss".into(),
        Control::LossParams => "loss parameters".into(),
        Control::Backend => "backend".into(),
        Control::Geometry => "geometry toggle".into(),
        Control::Regions => "decision-regions toggle".into(),
        Control::Theme => "theme".into(),
        Control::Curves => "loss and accuracy curves".into(),
        Control::Share => "Copy link".into(),
        Control::Run => "Train / Pause / Step / Reset".into(),
    }
}

/// Whether a control has an element on the page (the others exist only in links).
fn has_element(control: Control) -> bool {
    !matches!(control, Control::Field(k) if !matches!(k, "ds" | "d" | "act" | "lr" | "sched" | "bs" | "ep" | "seed"))
}

/// The side of a QR code with its 4-module quiet zone, and the SVG path of its dark modules.
///
/// # Errors
/// The text is too long for a QR code (about 2,300 bytes at level M).
pub fn qr_path(text: &str) -> Result<(i32, String), String> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium)
        .map_err(|_| format!("the link is too long for a QR code ({} bytes)", text.len()))?;
    let n = qr.size();
    let mut d = String::new();
    for y in 0..n {
        for x in 0..n {
            if qr.get_module(x, y) {
                d.push_str(&format!("M{},{}h1v1h-1z", x + 4, y + 4));
            }
        }
    }
    Ok((n + 8, d))
}

/// A QR code of `text`, black on white (in every theme, for the cameras of phones).
#[component]
pub fn QrCodeSvg(
    /// What the code holds.
    #[prop(into)]
    text: Signal<String>,
) -> impl IntoView {
    move || match qr_path(&text.get()) {
        Ok((side, d)) => view! {
            <svg class="qr" data-testid="qr-code" viewBox=format!("0 0 {side} {side}")
                role="img" aria-label="QR code of this page's link" shape-rendering="crispEdges">
                <rect width=side height=side fill="#ffffff"></rect>
                <path d=d fill="#000000"></path>
            </svg>
        }
        .into_any(),
        Err(e) => view! { <p data-testid="qr-code">{e}</p> }.into_any(),
    }
}

/// The panel of share links and classroom mode: Copy link, the fingerprint, theme,
/// presenter view, keyboard help, and the controls to hide.
#[component]
pub fn ClassroomPanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let link = expect_context::<Link>();
    // The link students open: everything but the presenter view itself.
    let student_link = Signal::derive(move || {
        let mut s = link.state(ui);
        s.presenter = false;
        full_link(&s)
    });
    view! {
        <style data-testid="hidden-style">{move || link.hidden.with(hiding_css)}</style>
        <section class="classroom" aria-label="Share and present">
            <Show when=move || link.presenter.get()>
                <figure class="presenter-qr" data-testid="presenter-qr">
                    <QrCodeSvg text=student_link />
                    <figcaption>"Scan to open this run"</figcaption>
                </figure>
            </Show>
            <CopyLink />
            <Fingerprint />
            <div class="view-controls">
                <label data-control="theme">
                    "Theme"
                    <select data-testid="theme" on:change=move |ev| {
                        if let Some(t) = Theme::from_id(&event_target_value(&ev)) {
                            link.theme.set(t);
                        }
                    }>
                        {Theme::ALL.into_iter().map(|t| view! {
                            <option value=t.id() selected=move || link.theme.get() == t>{match t {
                                Theme::Auto => "system",
                                Theme::Light => "light",
                                Theme::Dark => "dark",
                            }}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button data-testid="presenter-toggle"
                    aria-pressed=move || link.presenter.get().to_string()
                    on:click=move |_| link.presenter.update(|p| *p = !*p)>
                    {move || if link.presenter.get() { "Leave presenter view" } else { "Presenter view" }}
                </button>
                <KeyHelp />
            </div>
            <details class="hide-controls" data-testid="hide-controls">
                <summary>"Classroom: hide controls in the link"</summary>
                <div class="hide-list">
                    {Control::all().into_iter().filter(|c| has_element(*c)).map(|c| view! {
                        <label class="check">
                            <input type="checkbox" data-testid=format!("hide-{}", c.id())
                                prop:checked=move || !link.shows(c)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    link.hidden.update(|h| {
                                        if on { h.insert(c); } else { h.remove(&c); }
                                    });
                                } />
                            {control_label(c)}
                        </label>
                    }).collect_view()}
                </div>
            </details>
        </section>
    }
}
