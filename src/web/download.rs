//! Downloads and uploads: bytes → Blob → object URL → `<a download>`, plot images through
//! plotly.js (`Plotly.toImage`) with a caption annotation added for the export only, and the
//! bytes of a file the user picked. Only `js_sys` reflection, so no extra `web-sys` features.

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::fetch::js_error;

fn get(target: &JsValue, key: &str) -> Result<JsValue, String> {
    Reflect::get(target, &key.into()).map_err(|e| js_error(&e))
}

fn set(target: &JsValue, key: &str, value: impl Into<JsValue>) -> Result<(), String> {
    Reflect::set(target, &key.into(), &value.into())
        .map(|_| ())
        .map_err(|e| js_error(&e))
}

fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let f: Function = get(target, method)?
        .dyn_into()
        .map_err(|_| format!("{method} is not a function"))?;
    f.apply(target, &args.iter().collect::<Array>())
        .map_err(|e| js_error(&e))
}

async fn await_promise(v: JsValue) -> Result<JsValue, String> {
    let p: Promise = v.dyn_into().map_err(|_| "expected a promise".to_string())?;
    JsFuture::from(p).await.map_err(|e| js_error(&e))
}

/// Starts the browser's download of `href` as `filename` (a hidden `<a download>` clicked).
///
/// # Errors
/// No document, or the DOM refused.
pub fn download_url(href: &str, filename: &str) -> Result<(), String> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a = doc.create_element("a").map_err(|e| js_error(&e))?;
    a.set_attribute("href", href).map_err(|e| js_error(&e))?;
    a.set_attribute("download", filename)
        .map_err(|e| js_error(&e))?;
    a.set_attribute("style", "display:none")
        .map_err(|e| js_error(&e))?;
    let body = doc.body().ok_or("no body")?;
    body.append_child(&a).map_err(|e| js_error(&e))?;
    a.unchecked_ref::<web_sys::HtmlElement>().click();
    a.remove();
    Ok(())
}

/// Downloads `bytes` as `filename` with MIME type `mime` (Blob + object URL, revoked after a
/// moment).
///
/// # Errors
/// The browser refused the Blob or the URL.
pub fn download_bytes(filename: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let global = js_sys::global();
    let blob_ctor: Function = get(&global, "Blob")?.dyn_into().map_err(|_| "no Blob")?;
    let parts = Array::of1(&Uint8Array::from(bytes).into());
    let opts = Object::new();
    set(&opts, "type", mime)?;
    let blob = Reflect::construct(&blob_ctor, &Array::of2(&parts.into(), &opts.into()))
        .map_err(|e| js_error(&e))?;
    let url_ns = get(&global, "URL")?;
    let url = call(&url_ns, "createObjectURL", &[blob])?
        .as_string()
        .ok_or("createObjectURL gave no string")?;
    download_url(&url, filename)?;
    // Revoke later: the download has to start first.
    leptos::task::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(10_000).await;
        if let Ok(u) = get(&js_sys::global(), "URL") {
            let _ = call(&u, "revokeObjectURL", &[url.into()]);
        }
    });
    Ok(())
}

/// Downloads UTF-8 `text` as `filename`.
///
/// # Errors
/// As [`download_bytes`].
pub fn download_text(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    download_bytes(filename, mime, text.as_bytes())
}

/// Image formats plotly.js renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// Raster, 2× the given size.
    Png,
    /// Vector (3-D scenes are embedded as rasters by plotly.js).
    Svg,
}

impl ImageFormat {
    /// plotly's name and the file extension.
    pub fn id(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Svg => "svg",
        }
    }
}

/// Renders the plotly graph `gd` as an image data URL with `caption` as an annotation under
/// the plot (added for the export, then removed). The legend is whatever the plot shows.
///
/// # Errors
/// plotly.js missing, or refusing to render.
pub async fn plot_image(
    gd: &web_sys::HtmlElement,
    format: ImageFormat,
    caption: &str,
    width: u32,
    height: u32,
) -> Result<String, String> {
    let plotly = get(&js_sys::global(), "Plotly")?;
    if plotly.is_undefined() {
        return Err("plotly.js is not loaded".into());
    }
    let gd: JsValue = gd.clone().into();
    let layout = get(&gd, "layout")?;
    let margin = get(&layout, "margin").ok().filter(|m| m.is_object());
    let old_bottom = margin
        .as_ref()
        .and_then(|m| get(m, "b").ok())
        .and_then(|b| b.as_f64())
        .unwrap_or(30.0);
    let old_annotations = get(&layout, "annotations")
        .ok()
        .filter(|a| !a.is_undefined())
        .unwrap_or_else(|| Array::new().into());
    let lines = caption.matches("<br>").count() as f64 + 1.0;
    let note = Object::new();
    set(&note, "text", caption)?;
    set(&note, "xref", "paper")?;
    set(&note, "yref", "paper")?;
    set(&note, "x", 0.0)?;
    set(&note, "y", 0.0)?;
    set(&note, "xanchor", "left")?;
    set(&note, "yanchor", "top")?;
    set(&note, "yshift", -28.0)?;
    set(&note, "align", "left")?;
    set(&note, "showarrow", false)?;
    let font = Object::new();
    set(&font, "size", 11.0)?;
    set(&note, "font", font)?;
    let with_caption = Object::new();
    let notes: Array = Array::from(&old_annotations);
    notes.push(&note);
    set(&with_caption, "annotations", notes)?;
    set(&with_caption, "margin.b", old_bottom + 30.0 + 16.0 * lines)?;
    await_promise(call(
        &plotly,
        "relayout",
        &[gd.clone(), with_caption.into()],
    )?)
    .await?;

    let opts = Object::new();
    set(&opts, "format", format.id())?;
    set(&opts, "width", width)?;
    set(&opts, "height", height)?;
    if format == ImageFormat::Png {
        set(&opts, "scale", 2.0)?;
    }
    let image = match call(&plotly, "toImage", &[gd.clone(), opts.into()]) {
        Ok(p) => await_promise(p).await,
        Err(e) => Err(e),
    };

    let back = Object::new();
    set(&back, "annotations", old_annotations)?;
    set(&back, "margin.b", old_bottom)?;
    await_promise(call(&plotly, "relayout", &[gd, back.into()])?).await?;
    image?
        .as_string()
        .ok_or_else(|| "toImage gave no URL".into())
}

/// The bytes of the first file chosen in the `<input type=file>` `input`.
///
/// # Errors
/// No file chosen, or the browser could not read it.
pub async fn picked_file(input: &web_sys::HtmlElement) -> Result<(String, Vec<u8>), String> {
    let files = get(input, "files")?;
    let file = get(&files, "0")?;
    if file.is_undefined() || file.is_null() {
        return Err("no file chosen".into());
    }
    let name = get(&file, "name")?.as_string().unwrap_or_default();
    let buffer = await_promise(call(&file, "arrayBuffer", &[])?).await?;
    Ok((name, Uint8Array::new(&buffer).to_vec()))
}
