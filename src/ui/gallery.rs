//! The presets gallery and the guided tour: every run of the paper's comparisons
//! ([`crate::presets`]) as a card with a thumbnail, its title, what it is, what to look for,
//! and its share link. Clicking a card applies the preset in place (the link still opens in a
//! new tab); the tour steps through them in order.
//!
//! Thumbnails are static PNGs in `public/thumbs/<preset id>.png`, made by
//! `scripts/thumbnails.mjs` (a short CPU run of each preset, the plot cut out); a missing one
//! is simply not shown.

use leptos::prelude::*;

use super::state::Ui;
use crate::presets::{self, Preset};
use crate::share::{self, ShareState};

/// The share link (query string with `?`) of a preset.
pub fn preset_link(p: &Preset) -> String {
    format!(
        "?{}",
        share::encode(&ShareState {
            config: p.config.clone(),
            ..ShareState::default()
        })
    )
}

fn apply(ui: Ui, p: &Preset) {
    ui.preset.set(Some(p.id));
    ui.configure(|c| *c = p.config.clone());
}

/// Every preset, in tour order.
fn tour() -> Vec<Preset> {
    presets::comparisons()
        .into_iter()
        .flat_map(|c| c.presets)
        .collect()
}

/// The guided tour: one preset at a time, with what to look for, previous and next.
#[component]
fn Tour() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let stops = StoredValue::new(tour());
    let at = RwSignal::new(None::<usize>);
    let go = move |i: usize| {
        stops.with_value(|s| {
            if let Some(p) = s.get(i) {
                apply(ui, p);
                at.set(Some(i));
            }
        })
    };
    let n = stops.with_value(Vec::len);
    let current = move || {
        at.get()
            .and_then(|i| stops.with_value(|s| s.get(i).cloned()))
    };
    view! {
        <div class="tour" data-testid="tour" role="region" aria-label="Guided tour">
            <Show when=move || at.get().is_some()
                fallback=move || view! {
                    <button class="primary" data-testid="tour-start" on:click=move |_| go(0)>"Start the guided tour"</button>
                }>
                {move || current().map(|p| view! {
                    <p class="tour-stop" aria-live="polite">
                        <span data-testid="tour-position">{format!("{} / {n}", at.get().unwrap_or(0) + 1)}</span>
                        " · "<strong data-testid="tour-title">{p.title}</strong>" — "{p.caption}" "
                        <em>{p.look_for}</em>" Press Train (or Space) to watch it."
                    </p>
                })}
                <div class="tour-buttons">
                    <button data-testid="tour-prev" disabled=move || at.get() == Some(0)
                        on:click=move |_| go(at.get_untracked().unwrap_or(0).saturating_sub(1))>"← Previous"</button>
                    <button data-testid="tour-next" disabled=move || at.get() == Some(n - 1)
                        on:click=move |_| go(at.get_untracked().map_or(0, |i| i + 1))>"Next →"</button>
                    <button data-testid="tour-end" on:click=move |_| at.set(None)>"End tour"</button>
                </div>
            </Show>
        </div>
    }
}

/// The gallery of the paper's comparisons.
#[component]
pub fn Gallery() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <section class="gallery" data-testid="gallery" aria-labelledby="gallery-title">
            <h2 id="gallery-title">"The paper's comparisons"</h2>
            <Tour />
            {presets::comparisons().into_iter().map(|c| view! {
                <h3>{c.title}</h3>
                <ul class="cards">
                    {c.presets.into_iter().map(|p| {
                        let href = preset_link(&p);
                        let id = p.id;
                        let chosen = move || ui.preset.get() == Some(id);
                        let thumb = RwSignal::new(true);
                        let p2 = p.clone();
                        view! {
                            <li class="card" class:chosen=chosen data-testid="gallery-card">
                                <a href=href data-testid=format!("gallery-{id}")
                                    aria-current=move || chosen().then_some("true")
                                    on:click=move |ev| {
                                        // Plain clicks apply in place; modified ones open the link.
                                        if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
                                            return;
                                        }
                                        ev.prevent_default();
                                        apply(ui, &p2);
                                        if let Some(w) = web_sys::window() {
                                            w.scroll_to_with_x_and_y(0.0, 0.0);
                                        }
                                    }>
                                    <Show when=move || thumb.get()>
                                        <img src=format!("thumbs/{id}.png") alt="" width="160" height="120"
                                            loading="lazy" on:error=move |_| thumb.set(false) />
                                    </Show>
                                    <strong>{p.title}</strong>
                                </a>
                                <p>{p.caption}</p>
                                <p><em>{p.look_for}</em></p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }).collect_view()}
        </section>
    }
}
