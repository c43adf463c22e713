//! Drawing with plotly.js (served by us, see index.html) through plotly.rs's types.
//!
//! Plots are updated with `Plotly.react`, which diffs against what is drawn: no flicker, and
//! with a fixed `uirevision` the user's zoom and 3-D camera survive every update.
//!
//! The embedding plot is the one drawn often and big (10,000 points, 3-D): its figure
//! ([`EmbeddingFigure`]) carries the class traces' coordinates beside the plotly.rs figure and
//! hands them to plotly.js as `Float32Array`s, not through JSON; its 3-D markers are squares
//! (two triangles each in plotly's WebGL scatter instead of a triangulated circle: less
//! per-point work for plotly and the GPU). The embedding plot (`ui::charts`) never queues updates: while one is being
//! drawn, newer ones replace each other and only the latest is drawn next.

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

// All class traces' coordinates in one call that returns nothing: the columns are cut out of
// one copy on the JavaScript side. (Cutting them from wasm, one `Float32Array` handed back per
// column, measured 40-80 ms for 30 columns in the browser tests: 600 `subarray` calls took
// about a second there, against well under a millisecond in plain JavaScript.)
#[wasm_bindgen(inline_js = r#"
export function set_columns(data, first, lengths, dim, coords) {
    const all = coords.slice();
    const axes = dim === 3 ? ['x', 'y', 'z'] : ['x', 'y'];
    let at = 0;
    for (let k = 0; k < lengths.length; k++) {
        const trace = data[first + k];
        for (const axis of axes) {
            trace[axis] = all.subarray(at, at + lengths[k]);
            at += lengths[k];
        }
    }
}
"#)]
extern "C" {
    /// Sets `x`, `y` (and `z` when `dim` is 3) of the traces `data[first..]` to views of one
    /// `Float32Array` copy of `coords` (per trace: its x, then y, then z; `lengths[k]` points
    /// in trace `first + k`).
    fn set_columns(data: &js_sys::Array, first: u32, lengths: &[u32], dim: u32, coords: &[f32]);
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

/// A figure as plotly.js's `data` (an array) and `layout`, with `uirevision` and the page
/// style.
fn figure_js(plot: &Plot) -> Result<(js_sys::Array, JsValue), String> {
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
    Ok((
        to_js(&fig["data"])?.unchecked_into(),
        to_js(&fig["layout"])?,
    ))
}

async fn react_js(
    root: &web_sys::HtmlElement,
    data: js_sys::Array,
    layout: JsValue,
) -> Result<(), String> {
    let config = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&config, &"responsive".into(), &true.into());
    let _ = js_sys::Reflect::set(&config, &"displaylogo".into(), &false.into());
    plotly_react(root, data.into(), layout, config.into())
        .await
        .map(|_| ())
        .map_err(|e| format!("plotly.js: {}", super::fetch::js_error(&e)))
}

/// Draws `plot` into `root`, keeping the user's view (`uirevision`) between calls.
///
/// # Errors
/// plotly.js missing or refusing the figure, as a message for the page.
pub async fn react(root: &web_sys::HtmlElement, plot: &Plot) -> Result<(), String> {
    let (data, layout) = figure_js(plot)?;
    react_js(root, data, layout).await
}

/// Draws an [`EmbeddingFigure`] into `root` like [`react`], the class traces' coordinates
/// passed as `Float32Array`s (copied once into JavaScript, never through JSON).
///
/// # Errors
/// plotly.js missing or refusing the figure, as a message for the page.
pub async fn react_embedding(
    root: &web_sys::HtmlElement,
    fig: &EmbeddingFigure,
) -> Result<(), String> {
    let (data, layout) = figure_js(&fig.plot)?;
    let lengths: Vec<u32> = fig.lengths.iter().map(|&n| n as u32).collect();
    set_columns(
        &data,
        fig.first_class_trace as u32,
        &lengths,
        fig.dim as u32,
        &fig.coordinates,
    );
    react_js(root, data, layout).await
}

/// Resolves once the next frame is out: plotly.js's WebGL scene has drawn what the last
/// [`react`] gave it (in an animation-frame callback) and the frame is committed. At once
/// where there is no window.
pub async fn frame_drawn() {
    let Some(w) = web_sys::window() else { return };
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = w.request_animation_frame(&resolve);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    // The frame's commit follows the animation-frame callbacks in the same task.
    super::yield_now().await;
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

/// The embedding scatter ready for [`react_embedding`]: the plotly.rs figure with empty class
/// traces, and their coordinates beside it.
pub struct EmbeddingFigure {
    plot: Plot,
    /// The class traces' coordinates: for each class, its x, then y, then (3-D) z.
    coordinates: Vec<f32>,
    /// Points in each class trace.
    lengths: Vec<usize>,
    first_class_trace: usize,
    dim: usize,
}

impl EmbeddingFigure {
    /// The embedding scatter as [`embedding_plot`] draws it.
    pub fn new(
        series: &[ClassSeries],
        overlays: &[Overlay],
        regions: &[Overlay],
        dim: usize,
        title: &str,
    ) -> Self {
        let dim = if dim == 3 { 3 } else { 2 };
        let total: usize = series.iter().map(|s| s.x.len()).sum();
        let mut coordinates = Vec::with_capacity(dim * total);
        for s in series {
            coordinates.extend_from_slice(&s.x);
            coordinates.extend_from_slice(&s.y);
            if dim == 3 {
                coordinates.extend_from_slice(&s.z);
            }
        }
        EmbeddingFigure {
            plot: build_embedding(series, overlays, regions, dim, title, false),
            coordinates,
            lengths: series.iter().map(|s| s.x.len()).collect(),
            first_class_trace: regions.len(),
            dim,
        }
    }

    /// Index of the first class trace (after the decision regions).
    pub fn first_class_trace(&self) -> usize {
        self.first_class_trace
    }

    /// Number of class traces.
    pub fn class_traces(&self) -> usize {
        self.lengths.len()
    }
}

/// The embedding scatter: the head's decision regions beneath (2-D, filled shapes from
/// [`crate::viz::Regions::polygons`]), one trace per class (2-D or 3-D), then the loss's
/// geometry. The class traces start at index `regions.len()`. (Small plots; the page's big
/// one is an [`EmbeddingFigure`].)
pub fn embedding_plot(
    series: &[ClassSeries],
    overlays: &[Overlay],
    regions: &[Overlay],
    dim: usize,
    title: &str,
) -> Plot {
    build_embedding(series, overlays, regions, dim, title, true)
}

/// [`embedding_plot`], the class traces' coordinates left empty unless `coordinates`.
fn build_embedding(
    series: &[ClassSeries],
    overlays: &[Overlay],
    regions: &[Overlay],
    dim: usize,
    title: &str,
    coordinates: bool,
) -> Plot {
    let mut plot = Plot::new();
    for (i, r) in regions.iter().enumerate() {
        plot.add_trace(filled(r, "26", i == 0));
    }
    let column = |v: &Vec<f32>| if coordinates { v.clone() } else { Vec::new() };
    for s in series {
        let marker = Marker::new().color(s.color);
        if dim == 3 {
            plot.add_trace(
                Scatter3D::new(column(&s.x), column(&s.y), column(&s.z))
                    .mode(Mode::Markers)
                    .name(&s.name)
                    // Two triangles a point in plotly's WebGL scatter (a circle is dozens).
                    .marker(marker.size(2).symbol(MarkerSymbol::Square)),
            );
        } else {
            plot.add_trace(
                Scatter::new(column(&s.x), column(&s.y))
                    .mode(Mode::Markers)
                    .name(&s.name)
                    .marker(marker.size(4)),
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

/// A line chart of one or more named curves sharing an x axis (steps); untitled (the page
/// captions it).
pub fn curves_plot(curves: &[(&str, &[f64], &[f64], &str)]) -> Plot {
    let mut plot = Plot::new();
    for (name, x, y, color) in curves {
        plot.add_trace(
            Scatter::new(x.to_vec(), y.to_vec())
                .mode(Mode::Lines)
                .name(*name)
                .marker(Marker::new().color(color.to_string())),
        );
    }
    // No plotly title or axis title: the page captions the plot in HTML. Measuring their text
    // was half of each redraw's cost (plotly.js 3.3, headless Chromium: 29 → 14 ms).
    // (The theme's colours are applied by `react`, as for every plot.)
    plot.set_layout(
        Layout::new()
            .margin(Margin::new().left(40).right(10).top(10).bottom(30))
            .paper_background_color("#ffffff")
            .plot_background_color("#ffffff"),
    );
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
