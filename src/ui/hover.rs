//! Hover thumbnails: hovering a point of the embedding shows its test image (28×28 grey or
//! 32×32 colour, drawn pixel for pixel and scaled up by CSS) with its label and prediction.
//!
//! One `plotly_hover` listener is registered on the plot once, after its first draw, and
//! removed (then its closure dropped) when the component goes away: no closure per update.

use js_sys::{Function, Reflect};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::data_panel::Data;
use super::state::Ui;
use crate::data::ImageSet;
use crate::viz::class_series;

type Listener = (web_sys::Element, Closure<dyn FnMut(JsValue)>);

/// What is shown for the hovered point.
#[derive(Debug, Clone, PartialEq)]
struct Hovered {
    index: usize,
    label: String,
    predicted: String,
}

/// The class-trace name and point number of a `plotly_hover` event's first point.
fn hovered_point(ev: &JsValue) -> Option<(String, usize)> {
    let points = Reflect::get(ev, &"points".into()).ok()?;
    let p = Reflect::get(&points, &0.into()).ok()?;
    let n = Reflect::get(&p, &"pointNumber".into()).ok()?.as_f64()?;
    let trace = Reflect::get(&p, &"data".into()).ok()?;
    let name = Reflect::get(&trace, &"name".into()).ok()?.as_string()?;
    (n >= 0.0).then_some((name, n as usize))
}

fn draw(canvas: &web_sys::HtmlCanvasElement, set: &ImageSet, i: usize) -> Option<()> {
    canvas.set_width(set.width as u32);
    canvas.set_height(set.height as u32);
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let rgba = set.rgba(i);
    let img = web_sys::ImageData::new_with_u8_clamped_array(
        wasm_bindgen::Clamped(&rgba),
        set.width as u32,
    )
    .ok()?;
    ctx.put_image_data(&img, 0.0, 0.0).ok()
}

fn show(
    ui: Ui,
    data: Data,
    canvas: NodeRef<Canvas>,
    hovered: RwSignal<Option<Hovered>>,
    ev: &JsValue,
) {
    let Some((name, n)) = hovered_point(ev) else {
        return;
    };
    let Some(emb) = ui.embedding.get_untracked() else {
        return;
    };
    let names = ui.class_names.get_untracked();
    let series = class_series(&emb, &names);
    // Class traces carry the class names; overlays (directions, regions) do not.
    let Some(index) = series
        .iter()
        .find(|s| s.name == name)
        .and_then(|s| s.index.get(n).copied())
    else {
        return;
    };
    let Some(ds) = data.current.get_untracked() else {
        return;
    };
    let (Some(&label), Some(&pred)) = (emb.labels.get(index), emb.predictions.get(index)) else {
        return;
    };
    if index >= ds.test.len() {
        return;
    }
    if let Some(c) = canvas.get_untracked() {
        draw(&c, &ds.test, index);
    }
    let class = |c: u8| {
        names
            .get(c as usize)
            .cloned()
            .unwrap_or_else(|| c.to_string())
    };
    hovered.set(Some(Hovered {
        index,
        label: class(label),
        predicted: class(pred),
    }));
}

/// The thumbnail of the hovered point; place it in the same `.plots` section as the
/// embedding plot.
#[component]
pub fn HoverThumb() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let data = expect_context::<Data>();
    let wrapper = NodeRef::<Div>::new();
    let canvas = NodeRef::<Canvas>::new();
    let hovered = RwSignal::new(None::<Hovered>);
    let listener = StoredValue::new_local(None::<Listener>);
    Effect::new(move |_| {
        // plotly adds `.on` to its div on the first draw.
        if ui.plot_updates.get() == 0 || listener.with_value(Option::is_some) {
            return;
        }
        let Some(w) = wrapper.get_untracked() else {
            return;
        };
        let Some(gd) = w.closest(".plots").ok().flatten().and_then(|p| {
            p.query_selector("[data-testid='embedding-plot']")
                .ok()
                .flatten()
        }) else {
            return;
        };
        let Some(on) = Reflect::get(&gd, &"on".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
        else {
            return;
        };
        let cb = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
            show(ui, data, canvas, hovered, &ev)
        });
        if on.call2(&gd, &"plotly_hover".into(), cb.as_ref()).is_ok() {
            listener.set_value(Some((gd, cb)));
        }
    });
    on_cleanup(move || {
        if let Some(Some((gd, cb))) = listener.try_update_value(Option::take)
            && let Some(off) = Reflect::get(&gd, &"removeListener".into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
        {
            let _ = off.call2(&gd, &"plotly_hover".into(), cb.as_ref());
        }
    });
    // A new dataset makes the old thumbnail meaningless.
    Effect::new(move |_| {
        data.current.track();
        hovered.set(None);
    });
    view! {
        <div class="hover-thumb" node_ref=wrapper>
            <canvas node_ref=canvas data-testid="hover-thumb" width="32" height="32"
                style:visibility=move || if hovered.with(Option::is_some) { "visible" } else { "hidden" }></canvas>
            <p data-testid="hover-label">{move || match hovered.get() {
                Some(h) => format!("test image #{} · label: {} · predicted: {}", h.index, h.label, h.predicted),
                None => "Hover over a point to see its image.".into(),
            }}</p>
        </div>
    }
}
