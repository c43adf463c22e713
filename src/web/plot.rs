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
//!
//! While a run trains, the embedding figure is *live*: its class points, the loss's geometry
//! and the decision regions are drawn by a point layer of our own (`points.js`: vertex buffers
//! drawn in plotly's 3-D WebGL scene, or a canvas over its 2-D plot) and plotly.js keeps the
//! axes, legend and camera. Redrawing 10,000 points through plotly's 3-D scatter cost ~280 ms an
//! update in Chromium's software rendering (3.5 updates/s); through the layer, 50–70 ms (14–20
//! updates/s). plotly's axes then span `[-1, 1]`, the view's own units, whatever the
//! embedding's radius `r` ([`crate::viz::view_radius`]): the layer scales the points by
//! `1/r` and (2-D) draws the grid and its labels in the embedding's units; 3-D tick labels are
//! hidden and the page captions the scale. A new axis range made plotly.js redraw its axes,
//! 60–230 ms a time on a 2-core machine (2-D SVG ticks; 3-D scene), so while training plotly
//! draws only when the traces or the mode change. When the run stops, plotly's traces take the
//! points back (hover thumbnails, the exact marker look, tick labels) on axes `[-r, r]`.

use plotly::common::{DashType, Fill, HoverInfo, Line, Marker, MarkerSymbol, Mode, Title};
use plotly::layout::{Axis, Layout, Margin};
use plotly::{Plot, Scatter, Scatter3D};
use wasm_bindgen::prelude::*;

use crate::viz::curves::Chart;
use crate::viz::{ClassSeries, Overlay, OverlayStyle};

#[wasm_bindgen(module = "/src/web/points.js")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn points_show(
        root: &web_sys::HtmlElement,
        dim: u32,
        coords: &[f32],
        lengths: &[u32],
        colors: &js_sys::Array,
        size: f64,
        overlays: JsValue,
        radius: f64,
    ) -> Result<f64, JsValue>;

    #[wasm_bindgen(catch)]
    fn points_clear(root: &web_sys::HtmlElement) -> Result<(), JsValue>;

    fn legend_placeholders(data: &js_sys::Array, classes: u32, dim: u32);

    #[wasm_bindgen(catch)]
    fn curves_show(
        root: &web_sys::HtmlElement,
        xs: &[f64],
        ys: &[f64],
        lengths: &[u32],
        colors: &js_sys::Array,
        x_range: &[f64],
        y_range: &[f64],
    ) -> Result<f64, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Plotly, js_name = react)]
    fn plotly_react(
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

#[wasm_bindgen(inline_js = r#"
export function is_live(root) {
    const st = root.__embeddingPoints;
    return !!(st && st.data);
}
export function copy_view(from, to) {
    const update = {};
    const scene = from._fullLayout && from._fullLayout.scene;
    if (scene && scene.camera && to._fullLayout && to._fullLayout.scene) {
        update['scene.camera'] = JSON.parse(JSON.stringify(scene.camera));
    }
    // By name: a live plot's traces are the classes alone, a still one's has more.
    const shown = new Map((from._fullData || []).map(t => [t.name, t.visible]));
    const visible = (to._fullData || []).map(t => shown.has(t.name) ? shown.get(t.name) : true);
    return Plotly.update(to, { visible }, update);
}
export function discard(root) {
    try { Plotly.purge(root); } finally { root.remove(); }
}
"#)]
extern "C" {
    /// Whether the embedding plot `root` is live: its points drawn by the point layer, on
    /// axes in the view's units (see the module).
    pub fn is_live(root: &web_sys::HtmlElement) -> bool;
    /// Gives the plot `to` the 3-D camera and the legend's choices (trace visibility, by trace
    /// name) of the plot `from`.
    #[wasm_bindgen(catch)]
    fn copy_view(
        from: &web_sys::HtmlElement,
        to: &web_sys::HtmlElement,
    ) -> Result<JsValue, JsValue>;
    /// Removes a plot from the page, its WebGL context included (a [`still_copy`]).
    pub fn discard(root: &web_sys::HtmlElement);
}

/// A still copy of the embedding plot `root`, off screen, `width` × `height` pixels: `fig`
/// drawn with plotly's traces, with `root`'s camera and legend choices. For exports while the
/// plot is live. Remove it with [`discard`].
///
/// # Errors
/// plotly.js refusing the figure, as a message for the page (the copy is removed then).
pub async fn still_copy(
    root: &web_sys::HtmlElement,
    fig: &EmbeddingFigure,
    width: u32,
    height: u32,
) -> Result<web_sys::HtmlElement, String> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let body = doc.body().ok_or("no document body")?;
    let div: web_sys::HtmlElement = doc
        .create_element("div")
        .map_err(|e| super::fetch::js_error(&e))?
        .unchecked_into();
    let style = format!("position:fixed;left:-20000px;top:0;width:{width}px;height:{height}px");
    let _ = div.set_attribute("style", &style);
    let _ = div.set_attribute("aria-hidden", "true");
    body.append_child(&div)
        .map_err(|e| super::fetch::js_error(&e))?;
    let drawn = async {
        react_embedding(&div, fig).await?;
        let done = copy_view(root, &div).map_err(|e| super::fetch::js_error(&e))?;
        if let Ok(p) = done.dyn_into::<js_sys::Promise>() {
            wasm_bindgen_futures::JsFuture::from(p)
                .await
                .map_err(|e| super::fetch::js_error(&e))?;
        }
        Ok::<(), String>(())
    };
    match drawn.await {
        Ok(()) => Ok(div),
        Err(e) => {
            discard(&div);
            Err(e)
        }
    }
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
    figure_js_with(plot, |_| {})
}

/// [`figure_js`], `tweak` applied to the figure's JSON last.
fn figure_js_with(
    plot: &Plot,
    tweak: impl FnOnce(&mut serde_json::Value),
) -> Result<(js_sys::Array, JsValue), String> {
    if !plotly_loaded() {
        return Err("plotly.js is not loaded (plotly-gl3d.min.js missing from the page)".into());
    }
    let mut fig: serde_json::Value =
        serde_json::from_str(&plot.to_json()).map_err(|e| format!("plot JSON: {e}"))?;
    fig["layout"]["uirevision"] = "keep".into();
    apply_style(&mut fig);
    tweak(&mut fig);
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
    let plotly_error = |e: JsValue| format!("plotly.js: {}", super::fetch::js_error(&e));
    let done = plotly_react(root, data.into(), layout, config.into()).map_err(plotly_error)?;
    // A promise normally; plotly.js gives `undefined` when drawing failed half-way (the
    // error is then in the console only).
    let done = done
        .dyn_into::<js_sys::Promise>()
        .map_err(|_| "plotly.js could not draw the figure (see the browser console)".to_string())?;
    wasm_bindgen_futures::JsFuture::from(done)
        .await
        .map(|_| ())
        .map_err(plotly_error)
}

/// Draws `plot` into `root`, keeping the user's view (`uirevision`) between calls.
///
/// # Errors
/// plotly.js missing or refusing the figure, as a message for the page.
pub async fn react(root: &web_sys::HtmlElement, plot: &Plot) -> Result<(), String> {
    let (data, layout) = figure_js(plot)?;
    react_js(root, data, layout).await
}

/// Draws an [`EmbeddingFigure`] into `root` like [`react`]; returns the class points drawn.
/// A still figure's class traces get their coordinates as `Float32Array`s (copied once into
/// JavaScript, never through JSON); a live one's class traces hold their first point each (for
/// the legend, and a scale for plotly's 3-D scene) and the
/// point layer draws the points ([`show_points`]).
///
/// # Errors
/// plotly.js missing or refusing the figure, or the point layer failing, as a message for
/// the page.
pub async fn react_embedding(
    root: &web_sys::HtmlElement,
    fig: &EmbeddingFigure,
) -> Result<usize, String> {
    let (data, layout) = figure_js_with(&fig.plot(), |json| {
        let layout = &mut json["layout"];
        let axes: &[&str] = if fig.dim == 3 {
            layout["scene"]["aspectmode"] = "cube".into();
            &["xaxis", "yaxis", "zaxis"]
        } else {
            &["xaxis", "yaxis"]
        };
        let range = if fig.live {
            // The view's own units: the layer scales the points into them (see the module).
            Some(serde_json::json!([-1.0, 1.0]))
        } else {
            fig.radius.map(|r| serde_json::json!([-r, r]))
        };
        for axis in axes {
            let a = if fig.dim == 3 {
                &mut layout["scene"][axis]
            } else {
                &mut layout[axis]
            };
            if let Some(range) = &range {
                a["range"] = range.clone();
            }
            if fig.live {
                a["showticklabels"] = false.into();
                if fig.dim == 2 {
                    // The 2-D layer draws the grid and its labels in the embedding's units.
                    a["showgrid"] = false.into();
                    a["zeroline"] = false.into();
                }
            }
            // A zoom in the view's units means nothing in the embedding's, and back.
            a["uirevision"] = if fig.live { "live" } else { "still" }.into();
        }
    })?;
    let first = fig.first_class_trace() as u32;
    if fig.live {
        legend_placeholders(&data, fig.lengths.len() as u32, fig.dim as u32);
    } else {
        let lengths = fig.lengths_u32();
        set_columns(&data, first, &lengths, fig.dim as u32, &fig.coordinates);
    }
    react_js(root, data, layout).await?;
    if fig.live {
        show_points(root, fig)
    } else {
        points_clear(root).map_err(|e| format!("point layer: {}", super::fetch::js_error(&e)))?;
        Ok(plotted_points(
            root,
            fig.first_class_trace(),
            fig.lengths.len(),
        ))
    }
}

/// Redraws only what the point layer draws of a live [`EmbeddingFigure`] (class points and
/// geometry), leaving what plotly.js drew (axes, legend) as the last [`react_embedding`] left
/// it; returns the class points drawn (those of classes the legend shows).
///
/// # Errors
/// The point layer failing (no WebGL scene, a shader refused), as a message for the page.
pub fn show_points(root: &web_sys::HtmlElement, fig: &EmbeddingFigure) -> Result<usize, String> {
    let lengths = fig.lengths_u32();
    let colors: js_sys::Array = fig
        .classes
        .iter()
        .map(|c| JsValue::from_str(c.color))
        .collect();
    let size = if fig.dim == 3 { 3.0 } else { 5.0 };
    let overlays = js_sys::JSON::parse(&fig.layer_json())
        .map_err(|e| format!("point layer: {}", super::fetch::js_error(&e)))?;
    points_show(
        root,
        fig.dim as u32,
        &fig.coordinates,
        &lengths,
        &colors,
        size,
        overlays,
        f64::from(fig.radius.unwrap_or(1.0)),
    )
    .map(|n| n as usize)
    .map_err(|e| format!("point layer: {}", super::fetch::js_error(&e)))
}

/// Draws successive [`EmbeddingFigure`]s of one plot: a still figure with plotly.js
/// ([`react_embedding`]); a live one with the point layer alone ([`show_points`]: points,
/// geometry, decision regions and the 2-D grid), plotly.js redrawing the rest (axes, legend)
/// only when the mode, dimension or traces change.
#[derive(Clone, Default)]
pub struct EmbeddingPainter {
    /// What plotly.js drew last.
    last: Option<FigureKind>,
}

/// What decides whether plotly.js redraws: live, dimension, axes' half-width (still figures
/// only), traces' names.
type FigureKind = (bool, usize, Option<f32>, Vec<String>);

impl EmbeddingPainter {
    /// Draws `fig` into `root`; returns the class points drawn. After an error the next figure
    /// is drawn in full.
    ///
    /// # Errors
    /// As [`react_embedding`] and [`show_points`].
    pub async fn draw(
        &mut self,
        root: &web_sys::HtmlElement,
        fig: &EmbeddingFigure,
    ) -> Result<usize, String> {
        // Live, plotly's axes span the view's units whatever the radius (see the module).
        let radius = if fig.live { None } else { fig.radius };
        let key = (fig.live, fig.dim, radius, fig.structure());
        let full = !fig.live || self.last.as_ref() != Some(&key);
        let drawn = if full {
            react_embedding(root, fig).await
        } else {
            show_points(root, fig)
        };
        match &drawn {
            Ok(_) if full => self.last = Some(key),
            Ok(_) => {}
            Err(_) => self.last = None,
        }
        drawn
    }
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

/// The embedding scatter ready for [`react_embedding`]: what the plotly.rs figure is built
/// from, with the class traces' coordinates beside it.
pub struct EmbeddingFigure {
    /// The classes' names and colours (their coordinates are in `coordinates`).
    classes: Vec<ClassSeries>,
    title: String,
    /// The class traces' coordinates: for each class, its x, then y, then (3-D) z.
    coordinates: Vec<f32>,
    /// Points in each class trace.
    lengths: Vec<usize>,
    dim: usize,
    /// Axes span `[-r, r]` (plotly's autorange without).
    radius: Option<f32>,
    /// Points drawn by the point layer instead of plotly's traces.
    live: bool,
    /// The loss's geometry: traces after the class traces when still, drawn by the layer when
    /// live.
    overlays: Vec<Overlay>,
    /// The head's decision regions beneath the points: traces before the class traces when
    /// still, drawn by the layer when live.
    regions: Vec<Overlay>,
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
        let classes = series
            .iter()
            .map(|s| ClassSeries {
                class: s.class,
                name: s.name.clone(),
                color: s.color,
                x: Vec::new(),
                y: Vec::new(),
                z: Vec::new(),
                index: Vec::new(),
            })
            .collect();
        EmbeddingFigure {
            classes,
            title: title.to_string(),
            coordinates,
            lengths: series.iter().map(|s| s.x.len()).collect(),
            dim,
            radius: None,
            live: false,
            overlays: overlays.to_vec(),
            regions: regions.to_vec(),
        }
    }

    /// The plotly.rs figure, class traces empty. Live, it has the class traces alone (their
    /// legend): the geometry and the regions, drawn by the layer, are switched by the page's
    /// toggles, and the traces stay the same from the first figure to the last of a run, so
    /// plotly.js draws again only when the mode changes.
    fn plot(&self) -> Plot {
        if self.live {
            build_embedding(&self.classes, &[], &[], self.dim, &self.title, false)
        } else {
            let (o, r) = (&self.overlays, &self.regions);
            build_embedding(&self.classes, o, r, self.dim, &self.title, false)
        }
    }

    /// Index of the first class trace.
    fn first_class_trace(&self) -> usize {
        if self.live { 0 } else { self.regions.len() }
    }

    /// The traces' names in order: a change needs plotly.js (the legend).
    fn structure(&self) -> Vec<String> {
        let names = self.classes.iter().map(|s| s.name.clone());
        if self.live {
            return names.collect();
        }
        let regions = self.regions.iter().map(|r| r.name.clone());
        let overlays = self.overlays.iter().map(|o| o.name.clone());
        regions.chain(names).chain(overlays).collect()
    }

    /// What the point layer draws besides the class points, as it takes it: `{overlays,
    /// regions}`, each a list of `{style, colors, x, y, z}` with NaN (line breaks) as `null`.
    fn layer_json(&self) -> String {
        let col = |v: &[f32]| -> Vec<Option<f32>> {
            v.iter().map(|x| x.is_finite().then_some(*x)).collect()
        };
        let list = |overlays: &[Overlay]| -> Vec<serde_json::Value> {
            overlays
                .iter()
                .map(|o| {
                    serde_json::json!({
                        "style": match o.style {
                            OverlayStyle::Line => "line",
                            OverlayStyle::Markers => "markers",
                            OverlayStyle::Fill => "fill",
                        },
                        "colors": o.colors,
                        "x": col(&o.x),
                        "y": col(&o.y),
                        "z": col(&o.z),
                    })
                })
                .collect()
        };
        serde_json::json!({
            "overlays": list(&self.overlays),
            "regions": list(&self.regions),
        })
        .to_string()
    }

    /// Axes spanning `[-radius, radius]` (see [`crate::viz::view_radius`]) and, when `live`,
    /// the points drawn by the point layer (a run training) instead of plotly's traces.
    pub fn with_view(mut self, radius: f32, live: bool) -> Self {
        self.radius = (radius.is_finite() && radius > 0.0).then_some(radius);
        self.live = live;
        self
    }

    /// Whether the point layer draws the points.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The axes' half-width, when fixed.
    pub fn radius(&self) -> Option<f32> {
        self.radius
    }

    /// 2 or 3.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Points in each class trace, as JavaScript takes them.
    fn lengths_u32(&self) -> Vec<u32> {
        self.lengths.iter().map(|&n| n as u32).collect()
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
/// captions it). A live chart ([`CurvePainter`]) has one gap (null) a curve, for the legend,
/// and axes spanning `[0, 1]` without grid or labels: the curve layer draws them.
pub fn curves_plot(chart: &Chart, live: bool) -> Plot {
    let mut plot = Plot::new();
    for c in &chart.series {
        let (x, y) = if live {
            (vec![f64::NAN], vec![f64::NAN])
        } else {
            (c.x.clone(), c.y.clone())
        };
        plot.add_trace(
            Scatter::new(x, y)
                .mode(Mode::Lines)
                .name(&c.name)
                .marker(Marker::new().color(c.color)),
        );
    }
    // No plotly title or axis title: the page captions the plot in HTML. Measuring their text
    // was half of each redraw's cost (plotly.js 3.3, headless Chromium: 29 → 14 ms).
    // Fixed ranges (steady, see `viz::curves`): a new range redraws the axes, 60-100 ms.
    // (The theme's colours are applied by `react`, as for every plot.)
    // (A live chart's axes lose their grid and labels in `CurvePainter::draw`.)
    let axis = |(lo, hi): (f64, f64)| {
        let range = if live { vec![0.0, 1.0] } else { vec![lo, hi] };
        Axis::new().range(range)
    };
    plot.set_layout(
        Layout::new()
            .margin(Margin::new().left(40).right(10).top(10).bottom(30))
            .x_axis(axis(chart.x_range))
            .y_axis(axis(chart.y_range))
            .paper_background_color("#ffffff")
            .plot_background_color("#ffffff"),
    );
    plot
}

/// Draws successive [`Chart`]s of one curve plot. A still chart is plotly.js's lines (hover,
/// zoom). A live one, while a run trains, is drawn by the curve layer (`points.js`: lines, grid
/// and tick labels on a canvas), plotly.js keeping only the legend and the axes' frame, which it
/// redraws only when the curves' names or colours change. A plotly redraw of the curves took
/// 10-40 ms an update on a 2-core machine while training, and 40-70 ms when the loss axis
/// changed.
#[derive(Clone, Default)]
pub struct CurvePainter {
    /// What plotly.js drew last: live or still, the curves' names and colours.
    last: Option<(bool, Vec<(String, &'static str)>)>,
}

impl CurvePainter {
    /// Draws `chart` into `root`, live or still; returns the points drawn (in the visible
    /// curves). After an error the next chart is drawn in full.
    ///
    /// # Errors
    /// plotly.js missing or refusing the figure, or the curve layer failing, as a message for
    /// the page.
    pub async fn draw(
        &mut self,
        root: &web_sys::HtmlElement,
        chart: &Chart,
        live: bool,
    ) -> Result<usize, String> {
        let key = (
            live,
            chart
                .series
                .iter()
                .map(|s| (s.name.clone(), s.color))
                .collect::<Vec<_>>(),
        );
        let full = !live || self.last.as_ref() != Some(&key);
        self.last = None;
        if full {
            let (data, layout) = figure_js_with(&curves_plot(chart, live), |json| {
                for axis in ["xaxis", "yaxis"] {
                    let a = &mut json["layout"][axis];
                    // A zoom in the view's units means nothing in the data's, and back.
                    a["uirevision"] = if live { "live" } else { "still" }.into();
                    if live {
                        // The layer draws the grid and the labels. Not zoomable: the data's
                        // ranges behind the view's units change while the run trains.
                        a["showticklabels"] = false.into();
                        a["showgrid"] = false.into();
                        a["zeroline"] = false.into();
                        a["fixedrange"] = true.into();
                    }
                }
            })?;
            react_js(root, data, layout).await?;
        }
        let drawn = if live {
            show_curves(root, chart)?
        } else {
            points_clear(root)
                .map_err(|e| format!("curve layer: {}", super::fetch::js_error(&e)))?;
            plotted_points(root, 0, chart.series.len())
        };
        self.last = Some(key);
        Ok(drawn)
    }
}

/// Redraws the curve layer of a live chart (see [`CurvePainter`]); returns the points drawn.
fn show_curves(root: &web_sys::HtmlElement, chart: &Chart) -> Result<usize, String> {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    let mut lengths = Vec::with_capacity(chart.series.len());
    for s in &chart.series {
        xs.extend_from_slice(&s.x);
        ys.extend_from_slice(&s.y);
        lengths.push(s.x.len() as u32);
    }
    let colors: js_sys::Array = chart
        .series
        .iter()
        .map(|s| JsValue::from_str(s.color))
        .collect();
    curves_show(
        root,
        &xs,
        &ys,
        &lengths,
        &colors,
        &[chart.x_range.0, chart.x_range.1],
        &[chart.y_range.0, chart.y_range.1],
    )
    .map(|n| n as usize)
    .map_err(|e| format!("curve layer: {}", super::fetch::js_error(&e)))
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
