//! Share links on the page: the state a link opens with, the notice of what it corrected, the
//! address bar kept in step with the settings, "Copy link", autostart and the run's
//! fingerprint.
//!
//! The codec is [`crate::share`]; this module only wires it to signals. On start
//! [`initial`] decodes `location.search`; [`provide`] puts the link's part of the page state
//! ([`Link`]) in context and starts the effects: the address bar follows every change
//! (`history.replaceState`, debounced), the theme and presenter mode reach the document, a
//! finished run gets its fingerprint, `autostart` starts training once the data are in, and
//! `compare=` starts its side-by-side runs once the data are in.

use std::collections::BTreeSet;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::Ui;
use crate::share::{self, Camera, Compare, Control, Decoded, ShareState, Theme, View};
use crate::train::{RunState, TrainConfig};

/// Test points whose coordinates enter the fingerprint ([`crate::metrics::fingerprint`]):
/// the first 200 of the plotted test subset (fewer when the run plots fewer).
pub const FINGERPRINT_POINTS: usize = 200;

/// Milliseconds the address bar waits after a change before it is rewritten.
const URL_DEBOUNCE_MS: u64 = 250;

/// The link's part of the page state (the run's settings live in [`Ui`]).
#[derive(Clone, Copy)]
pub struct Link {
    /// Colour theme.
    pub theme: RwSignal<Theme>,
    /// Controls hidden (classroom mode).
    pub hidden: RwSignal<BTreeSet<Control>>,
    /// Presenter view: large type, big plot, QR code of the link.
    pub presenter: RwSignal<bool>,
    /// Whether the link starts training by itself.
    pub autostart: RwSignal<bool>,
    /// The 3-D camera the link opened with (the plot's own is read when copying).
    pub camera: RwSignal<Option<Camera>>,
    /// The data folder the link named (the loader reads the same value), kept in the link.
    data_url: StoredValue<Option<String>>,
    /// The link's comparison (`compare=`), kept in the link while it is the one on the page:
    /// cleared when it cannot start or another comparison replaces it.
    pub compare: RwSignal<Option<Compare>>,
    /// One line per value of the link that was corrected; empty when dismissed.
    pub notice: RwSignal<Vec<String>>,
    /// The fingerprint the link carried, with the settings it belongs to.
    pub expected: RwSignal<Option<(String, TrainConfig)>>,
    /// The fingerprint of the last finished run, with its settings.
    pub measured: RwSignal<Option<(String, TrainConfig)>>,
    /// The keyboard help is open.
    pub help: RwSignal<bool>,
}

impl Link {
    /// The state as a link now (tracked: an effect that calls this follows every setting).
    pub fn state(&self, ui: Ui) -> ShareState {
        let config = ui.config.get();
        let fingerprint = [self.measured.get(), self.expected.get()]
            .into_iter()
            .flatten()
            .find(|(_, c)| *c == config)
            .map(|(fp, _)| fp);
        ShareState {
            config,
            view: View {
                camera: self.camera.get(),
                show_geometry: ui.show_geometry.get(),
                show_regions: ui.show_regions.get(),
                theme: self.theme.get(),
            },
            hidden: self.hidden.get(),
            presenter: self.presenter.get(),
            autostart: self.autostart.get(),
            fingerprint,
            backend: ui.backend_choice.get(),
            data_url: self.data_url.get_value(),
            compare: self.compare.get(),
        }
    }

    /// Whether `control` is shown.
    pub fn shows(&self, control: Control) -> bool {
        !self.hidden.with(|h| h.contains(&control))
    }
}

/// The link the page was opened with (`location.search`), decoded; never fails.
pub fn initial() -> Decoded {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    share::decode(&search)
}

/// Puts [`Link`] in context from `decoded` (whose config and backend the caller gave [`Ui`])
/// and starts the effects described in the module docs.
pub fn provide(ui: Ui, decoded: Decoded) -> Link {
    let s = decoded.state;
    ui.show_geometry.set(s.view.show_geometry);
    ui.show_regions.set(s.view.show_regions);
    crate::web::plot::set_camera(s.view.camera.map(|c| (c.eye, c.center, c.up)));
    let link = Link {
        theme: RwSignal::new(s.view.theme),
        hidden: RwSignal::new(s.hidden),
        presenter: RwSignal::new(s.presenter),
        autostart: RwSignal::new(s.autostart),
        camera: RwSignal::new(s.view.camera),
        data_url: StoredValue::new(s.data_url),
        compare: RwSignal::new(s.compare.clone()),
        notice: RwSignal::new(decoded.corrections.iter().map(|c| c.to_string()).collect()),
        expected: RwSignal::new(s.fingerprint.map(|fp| (fp, s.config.clone()))),
        measured: RwSignal::new(None),
        help: RwSignal::new(false),
    };
    provide_context(link);
    sync_address_bar(ui, link);
    apply_theme(link);
    apply_presenter(link);
    record_fingerprint(ui, link);
    if s.autostart {
        autostart(ui);
    }
    if let Some(compare) = s.compare {
        start_link_compare(ui, link, compare);
    }
    link
}

/// The page's address without its query, e.g. `https://host/playground/`.
fn page_address() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}

/// The full link of `state`.
pub fn full_link(state: &ShareState) -> String {
    format!("{}?{}", page_address(), share::encode(state))
}

/// Rewrites the address bar (`history.replaceState`) a moment after each change.
fn sync_address_bar(ui: Ui, link: Link) {
    let pending = StoredValue::new_local(None::<TimeoutHandle>);
    Effect::new(move |_| {
        let query = share::encode(&link.state(ui));
        if let Some(h) = pending.try_update_value(Option::take).flatten() {
            h.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                let Some(w) = web_sys::window() else { return };
                if w.location().search().ok().as_deref() == Some(&format!("?{query}")) {
                    return;
                }
                if let Ok(h) = w.history() {
                    let url = format!("{}?{query}", w.location().pathname().unwrap_or_default());
                    let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
                }
            },
            Duration::from_millis(URL_DEBOUNCE_MS),
        )
        .ok();
        pending.set_value(handle);
    });
}

/// Whether the page is dark: `theme`, or the system's preference for [`Theme::Auto`].
fn is_dark(theme: Theme) -> bool {
    match theme {
        Theme::Dark => true,
        Theme::Light => false,
        Theme::Auto => web_sys::window()
            .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
            .is_some_and(|m| m.matches()),
    }
}

/// `data-theme` on `<html>` (the CSS variables follow it) and the plots' colours.
fn apply_theme(link: Link) {
    Effect::new(move |_| {
        let theme = link.theme.get();
        if let Some(root) = document().document_element() {
            let _ = match theme {
                Theme::Auto => root.remove_attribute("data-theme"),
                t => root.set_attribute("data-theme", t.id()),
            };
        }
        crate::web::plot::set_dark(is_dark(theme));
    });
}

/// The `presenter` class on `<body>` (the CSS enlarges type and plot).
fn apply_presenter(link: Link) {
    Effect::new(move |_| {
        let on = link.presenter.get();
        if let Some(body) = document().body() {
            let _ = body.class_list().toggle_with_force("presenter", on);
        }
    });
}

/// The fingerprint of a finished run: computed from its final embedding (the one taken
/// after the last step), cleared when the run is reset.
fn record_fingerprint(ui: Ui, link: Link) {
    Effect::new(move |_| {
        let state = ui.run_state.get();
        if state == RunState::Idle {
            link.measured.set(None);
            return;
        }
        ui.embedding.with(|emb| {
            let Some(emb) = emb else { return };
            let last = ui.total_steps.get_untracked();
            if state == RunState::Finished && emb.step == last && last > 0 {
                let fp = crate::metrics::fingerprint(
                    emb.accuracy(),
                    &emb.points,
                    FINGERPRINT_POINTS * emb.dim,
                );
                link.measured.set(Some((fp, ui.config.get_untracked())));
            }
        });
    });
}

/// Starts training once, as soon as the data are in.
fn autostart(ui: Ui) {
    let done = StoredValue::new(false);
    Effect::new(move |_| {
        let ready = ui.class_names.with(|c| !c.is_empty());
        if ready && !done.get_value() && ui.run_state.get() == RunState::Idle {
            done.set_value(true);
            ui.command(crate::train::Command::Start);
        }
    });
}

/// What [`super::compare::start_compare`] answers until the page's dataset is in.
const DATA_NOT_LOADED: &str = "the data are not loaded yet";
/// Milliseconds between two tries while the compared runs wait for the dataset.
const COMPARE_RETRY_MS: u64 = 200;
/// Tries before giving up on the dataset (about a minute).
const COMPARE_TRIES: u32 = 300;

/// Starts the link's comparison once, as soon as the data are in (the class names are set);
/// a refusal goes to the link notice and drops `compare=` from the link. Choosing another
/// comparison on the page (`compare-select`) drops it too: the link then describes the page.
fn start_link_compare(ui: Ui, link: Link, compare: Compare) {
    let done = StoredValue::new(false);
    Effect::new(move |_| {
        let ready = ui.class_names.with(|c| !c.is_empty());
        if ready && !done.get_value() {
            done.set_value(true);
            try_compare(ui, link, compare.clone(), 1);
        }
    });
    let listener = window_event_listener(leptos::ev::change, move |ev| {
        let chosen = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .filter(|el| el.get_attribute("data-testid").as_deref() == Some("compare-select"))
            .and_then(|el| js_sys::Reflect::get(&el, &"value".into()).ok())
            .and_then(|v| v.as_string())
            .is_some_and(|v| !v.is_empty());
        if chosen {
            link.compare.try_set(None);
        }
    });
    on_cleanup(move || listener.remove());
}

/// One try of [`start_link_compare`]; the driver hands the dataset to the comparison panel
/// about when the class names appear, so "not loaded yet" is tried again a moment later.
fn try_compare(ui: Ui, link: Link, compare: Compare, attempt: u32) {
    let base = ui.config.get_untracked();
    match super::compare::start_compare(base, compare.clone()) {
        Ok(()) => {}
        Err(e) if e == DATA_NOT_LOADED && attempt < COMPARE_TRIES => {
            set_timeout(
                move || try_compare(ui, link, compare, attempt + 1),
                Duration::from_millis(COMPARE_RETRY_MS),
            );
        }
        Err(e) => {
            link.compare.try_set(None);
            link.notice.try_update(|n| {
                n.push(format!(
                    "compare={}: the comparison could not start: {e}",
                    compare.text()
                ));
            });
        }
    }
}

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a page has a document")
}

/// The 3-D camera of the embedding plot as the user left it (`gd.layout.scene.camera`).
fn plot_camera() -> Option<Camera> {
    let el = document()
        .query_selector("[data-testid='embedding-plot']")
        .ok()??;
    let get = |v: &wasm_bindgen::JsValue, k: &str| js_sys::Reflect::get(v, &k.into()).ok();
    let cam = get(&get(&get(&el, "layout")?, "scene")?, "camera")?;
    let point = |k: &str| -> Option<[f64; 3]> {
        let p = get(&cam, k)?;
        Some([
            get(&p, "x")?.as_f64()?,
            get(&p, "y")?.as_f64()?,
            get(&p, "z")?.as_f64()?,
        ])
    };
    let c = Camera {
        eye: point("eye")?,
        center: point("center").unwrap_or([0.0; 3]),
        up: point("up").unwrap_or([0.0, 0.0, 1.0]),
    };
    // Through the codec, so a copied camera is always one a link can hold.
    let text = share::encode(&ShareState {
        view: View {
            camera: Some(c),
            ..View::default()
        },
        ..ShareState::default()
    });
    share::decode(&text).state.view.camera
}

/// The notice listing what the link corrected, one line each; dismissible.
#[component]
pub fn LinkNotice() -> impl IntoView {
    let link = expect_context::<Link>();
    view! {
        <Show when=move || link.notice.with(|n| !n.is_empty())>
            <div class="notice" role="status" data-testid="link-notice">
                <div>
                    <strong>"This link had values that could not be used as given:"</strong>
                    <ul>
                        {move || link.notice.get().into_iter().map(|line| view! {
                            <li data-testid="link-correction">{line}</li>
                        }).collect_view()}
                    </ul>
                </div>
                <button class="close" aria-label="Dismiss the link notice" data-testid="link-notice-close"
                    on:click=move |_| link.notice.set(Vec::new())>"×"</button>
            </div>
        </Show>
    }
}

/// "Copy link": the current settings (with the plot's camera and, after a finished run, its
/// fingerprint) on the clipboard; where the clipboard is refused, the link in a selected
/// text field to copy by hand.
#[component]
pub fn CopyLink() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let link = expect_context::<Link>();
    let (text, set_text) = signal(None::<String>);
    let (status, set_status) = signal(String::new());
    let field = NodeRef::<leptos::html::Input>::new();
    let select_field = move || {
        if let Some(f) = field.get_untracked() {
            f.select();
        }
    };
    let copy = move |_| {
        if ui.config.with_untracked(|c| c.dim) == 3
            && let Some(c) = plot_camera()
        {
            link.camera.set(Some(c));
        }
        let url = full_link(&link.state(ui));
        set_text.set(Some(url.clone()));
        // `navigator.clipboard` is missing outside secure contexts (plain http but localhost).
        let clipboard = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"clipboard".into()).ok())
            .filter(|c| !c.is_undefined() && !c.is_null())
            .map(|c| c.unchecked_into::<web_sys::Clipboard>());
        match clipboard {
            Some(cb) => {
                let promise = cb.write_text(&url);
                leptos::task::spawn_local(async move {
                    match wasm_bindgen_futures::JsFuture::from(promise).await {
                        Ok(_) => set_status.set("copied".into()),
                        Err(_) => {
                            set_status.set("select and copy the link (Ctrl+C)".into());
                            select_field();
                        }
                    }
                });
            }
            None => {
                set_status.set("select and copy the link (Ctrl+C)".into());
                select_field();
            }
        }
    };
    view! {
        <div class="copy-link" data-control="share">
            <button data-testid="copy-link" on:click=copy>"Copy link"</button>
            <label class="check">
                <input type="checkbox" data-testid="link-autostart"
                    prop:checked=move || link.autostart.get()
                    on:change=move |ev| link.autostart.set(event_target_checked(&ev)) />
                "start training when opened"
            </label>
            <span class="copy-status" role="status" data-testid="copy-status">{status}</span>
            <Show when=move || text.with(Option::is_some)>
                <label class="link-text">
                    "Link"
                    <input type="text" readonly data-testid="link-text" node_ref=field
                        prop:value=move || text.get().unwrap_or_default()
                        on:focus=move |_| select_field() />
                </label>
            </Show>
        </div>
    }
}

/// The run's fingerprint once it has finished, and whether it reproduces the link's.
#[component]
pub fn Fingerprint() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let link = expect_context::<Link>();
    let measured = move || {
        let config = ui.config.get();
        link.measured
            .get()
            .filter(|(_, c)| *c == config)
            .map(|(fp, _)| fp)
    };
    let expected = move || {
        let config = ui.config.get();
        link.expected
            .get()
            .filter(|(_, c)| *c == config)
            .map(|(fp, _)| fp)
    };
    let check = move || {
        let want = expected()?;
        Some(match measured() {
            Some(got) if got == want => view! {
                <span class="fp-ok" data-testid="fingerprint-check">"✓ reproduced the link's run"</span>
            }
            .into_any(),
            Some(_) => view! {
                <span class="fp-bad" data-testid="fingerprint-check">{format!("✗ differs from the link's {want}")}</span>
            }
            .into_any(),
            None => view! {
                <span data-testid="fingerprint-check">{format!("the link's run: {want}; train to the end to compare")}</span>
            }
            .into_any(),
        })
    };
    view! {
        <p class="fingerprint" title="FNV-1a hash of the test accuracy and the first 200 embedded test points after the last step; equal on the CPU backend for the same link">
            "Fingerprint: "
            <code data-testid="fingerprint">{move || measured().unwrap_or_else(|| "– (after a finished run)".into())}</code>
            " "
            {check}
        </p>
    }
}
