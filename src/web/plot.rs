//! Drawing with plotly.js (served by us, see index.html) through plotly.rs's types.
//!
//! Plots are updated with `Plotly.react`, which diffs against what is drawn: no flicker, and
//! with a fixed `uirevision` the user's zoom and 3-D camera survive every update.

use plotly::common::{DashType, Fill, HoverInfo, Line, Marker, MarkerSymbol, Mode, Title};
use plotly::layout::{Axis, Layout, Margin};
use plotly::{Plot, Scatter, Scatter3D};
use wasm_bindgen::prelude::*;

use crate::viz::{ClassSeries, Overlay, OverlayStyle};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Plotly, js_name = react)]
    async fn plotly_react(
        root: &web_sys::HtmlElement,
        data: JsValue,
        layout: JsValue,
        config: JsValue,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_namespace = Plotly, js_name = relayout)]
    fn plotly_relayout(root: &web_sys::HtmlElement, update: JsValue) -> Result<JsValue, JsValue>;
}

/// Page-wide look of every plot, set by the page (theme, the link's 3-D camera) and applied
/// by [`react`] on top of each figure.
#[derive(Default)]
struct PageStyle {
    dark: bool,
    /// `scene.camera` of 3-D plots, as plotly's JSON.
    camera: Option<serde_json::Value>,
}

thread_local! {
    static STYLE: std::cell::RefCell<PageStyle> = std::cell::RefCell::new(PageStyle::default());
}

/// Background and text colours of the theme.
fn theme_colors(dark: bool) -> serde_json::Value {
    let (bg, fg) = if dark {
        ("#1e2128", "#e8e8ea")
    } else {
        ("#ffffff", "#222222")
    };
    serde_json::json!({ "paper_bgcolor": bg, "plot_bgcolor": bg, "font.color": fg })
}

/// Dark or light plots from now on; redraws the colours of every plot on the page.
pub fn set_dark(dark: bool) {
    let changed = STYLE.with(|s| std::mem::replace(&mut s.borrow_mut().dark, dark) != dark);
    if !changed || !plotly_loaded() {
        return;
    }
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(plots) = doc.query_selector_all(".js-plotly-plot") else {
        return;
    };
    let Ok(update) = js_sys::JSON::parse(&theme_colors(dark).to_string()) else {
        return;
    };
    for i in 0..plots.length() {
        if let Some(el) = plots
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = plotly_relayout(&el, update.clone());
        }
    }
}

/// The camera of 3-D plots (`eye`, `center`, `up`); `None` is plotly's default. The user's
/// own rotation survives updates (`uirevision`).
pub fn set_camera(camera: Option<([f64; 3], [f64; 3], [f64; 3])>) {
    let xyz = |p: [f64; 3]| serde_json::json!({ "x": p[0], "y": p[1], "z": p[2] });
    let json = camera.map(|(eye, center, up)| {
        serde_json::json!({ "eye": xyz(eye), "center": xyz(center), "up": xyz(up) })
    });
    STYLE.with(|s| s.borrow_mut().camera = json);
}

/// Puts the page style on a figure's JSON.
fn apply_style(fig: &mut serde_json::Value) {
    STYLE.with(|s| {
        let s = s.borrow();
        let colors = theme_colors(s.dark);
        fig["layout"]["paper_bgcolor"] = colors["paper_bgcolor"].clone();
        fig["layout"]["plot_bgcolor"] = colors["plot_bgcolor"].clone();
        fig["layout"]["font"]["color"] = colors["font.color"].clone();
        let is_3d = fig["data"]
            .as_array()
            .is_some_and(|d| d.iter().any(|t| t["type"] == "scatter3d"));
        if is_3d && let Some(cam) = &s.camera {
            fig["layout"]["scene"]["camera"] = cam.clone();
        }
    });
}

/// Whether plotly.js is loaded on this page.
pub fn plotly_loaded() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &"Plotly".into()).unwrap_or(false)
}

/// Draws `plot` into `root`, keeping the user's view (`uirevision`) between calls.
///
/// # Errors
/// plotly.js missing or refusing the figure, as a message for the page.
pub async fn react(root: &web_sys::HtmlElement, plot: &Plot) -> Result<(), String> {
    if !plotly_loaded() {
        return Err("plotly.js is not loaded (plotly-gl3d.min.js missing from the page)".into());
    }
    let mut fig: serde_json::Value =
        serde_json::from_str(&plot.to_json()).map_err(|e| format!("plot JSON: {e}"))?;
    fig["layout"]["uirevision"] = "keep".into();
    apply_style(&mut fig);
    let to_js = |v: &serde_json::Value| {
        js_sys::JSON::parse(&v.to_string()).map_err(|e| super::fetch::js_error(&e))
    };
    let data = to_js(&fig["data"])?;
    let layout = to_js(&fig["layout"])?;
    let config = to_js(&serde_json::json!({ "responsive": true, "displaylogo": false }))?;
    plotly_react(root, data, layout, config)
        .await
        .map(|_| ())
        .map_err(|e| format!("plotly.js: {}", super::fetch::js_error(&e)))
}

fn base_layout(title: &str, dark: bool) -> Layout {
    let (bg, _fg) = if dark {
        ("#15171c", "#e8e8e8")
    } else {
        ("#ffffff", "#222222")
    };
    Layout::new()
        .title(Title::with_text(title))
        .margin(Margin::new().left(40).right(10).top(40).bottom(30))
        .paper_background_color(bg)
        .plot_background_color(bg)
}

/// A 2-D [`OverlayStyle::Fill`] overlay as one filled trace in its colour with opacity `alpha`
/// (two hex digits). Overlays of one name share a legend group, so the one entry shown
/// (`legend`) toggles them all.
fn filled(o: &Overlay, alpha: &str, legend: bool) -> Box<Scatter<f32, f32>> {
    let color = o.colors.first().map(|c| c.to_string()).unwrap_or_default();
    Scatter::new(o.x.clone(), o.y.clone())
        .mode(Mode::Lines)
        .name(&o.name)
        .fill(Fill::ToSelf)
        .fill_color(format!("{color}{alpha}"))
        .line(Line::new().width(0.0).color(color))
        .legend_group(&o.name)
        .show_legend(legend)
        .hover_info(HoverInfo::Skip)
}

/// The embedding scatter: the head's decision regions beneath (2-D, filled shapes from
/// [`crate::viz::Regions::polygons`]), one trace per class (2-D or 3-D), then the loss's
/// geometry. The class traces start at index `regions.len()`.
pub fn embedding_plot(
    series: &[ClassSeries],
    overlays: &[Overlay],
    regions: &[Overlay],
    dim: usize,
    title: &str,
) -> Plot {
    let mut plot = Plot::new();
    for (i, r) in regions.iter().enumerate() {
        plot.add_trace(filled(r, "26", i == 0));
    }
    for s in series {
        let marker = Marker::new()
            .color(s.color)
            .size(if dim == 3 { 2 } else { 4 });
        if dim == 3 {
            plot.add_trace(
                Scatter3D::new(s.x.clone(), s.y.clone(), s.z.clone())
                    .mode(Mode::Markers)
                    .name(&s.name)
                    .marker(marker),
            );
        } else {
            plot.add_trace(
                Scatter::new(s.x.clone(), s.y.clone())
                    .mode(Mode::Markers)
                    .name(&s.name)
                    .marker(marker),
            );
        }
    }
    let mut wedge_legend = true;
    for o in overlays {
        let colors: Vec<String> = o.colors.iter().map(|c| c.to_string()).collect();
        if o.style == OverlayStyle::Fill {
            plot.add_trace(filled(o, "38", std::mem::take(&mut wedge_legend)));
            continue;
        }
        let (mode, marker, line) = match o.style {
            OverlayStyle::Line => (
                Mode::Lines,
                Marker::new(),
                Line::new()
                    .color(colors.first().cloned().unwrap_or_default())
                    .width(1.5)
                    .dash(DashType::Dash),
            ),
            OverlayStyle::Markers | OverlayStyle::Fill => (
                Mode::Markers,
                Marker::new()
                    .symbol(MarkerSymbol::Diamond)
                    .size(if dim == 3 { 7 } else { 13 })
                    .color_array(colors)
                    .line(Line::new().color("#000000").width(1.5)),
                Line::new(),
            ),
        };
        if dim == 3 {
            plot.add_trace(
                Scatter3D::new(o.x.clone(), o.y.clone(), o.z.clone())
                    .mode(mode)
                    .name(&o.name)
                    .marker(marker)
                    .line(line),
            );
        } else {
            plot.add_trace(
                Scatter::new(o.x.clone(), o.y.clone())
                    .mode(mode)
                    .name(&o.name)
                    .marker(marker)
                    .line(line),
            );
        }
    }
    let mut layout = base_layout(title, false);
    if dim == 2 {
        layout = layout
            .x_axis(Axis::new().zero_line(true))
            .y_axis(Axis::new().zero_line(true).scale_anchor("x"));
    }
    plot.set_layout(layout);
    plot
}

/// A line chart of one or more named curves sharing an x axis (steps).
pub fn curves_plot(title: &str, curves: &[(&str, &[f64], &[f64], &str)]) -> Plot {
    let mut plot = Plot::new();
    for (name, x, y, color) in curves {
        plot.add_trace(
            Scatter::new(x.to_vec(), y.to_vec())
                .mode(Mode::Lines)
                .name(*name)
                .marker(Marker::new().color(color.to_string())),
        );
    }
    plot.set_layout(base_layout(title, false).x_axis(Axis::new().title(Title::with_text("step"))));
    plot
}

/// Number of points currently drawn in `traces` traces of a plotly root from index `skip` on
/// (`gd.data[i].x.length` summed).
pub fn plotted_points(root: &web_sys::HtmlElement, skip: usize, traces: usize) -> usize {
    let Ok(data) = js_sys::Reflect::get(root, &"data".into()) else {
        return 0;
    };
    let Ok(data) = data.dyn_into::<js_sys::Array>() else {
        return 0;
    };
    data.iter()
        .skip(skip)
        .take(traces)
        .map(|t| {
            js_sys::Reflect::get(&t, &"x".into())
                .ok()
                .and_then(|x| js_sys::Reflect::get(&x, &"length".into()).ok())
                .and_then(|l| l.as_f64())
                .unwrap_or(0.0) as usize
        })
        .sum()
}
