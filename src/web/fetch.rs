//! `fetch` with byte-level progress.

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The error of [`fetch_bytes_until`] when its progress callback stopped the download.
pub const CANCELLED: &str = "cancelled";

/// Fetches `url` completely, calling `progress(received, total)` as chunks arrive (`total`
/// from `Content-Length`, when the server sends it). Caps the body at `max_bytes`.
///
/// # Errors
/// A message for the user: network failure, HTTP status, or an oversized body.
pub async fn fetch_bytes(
    url: &str,
    max_bytes: usize,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<Vec<u8>, String> {
    fetch_bytes_until(url, max_bytes, |r, t| {
        progress(r, t);
        true
    })
    .await
}

/// [`fetch_bytes`] whose `progress` can stop the download by returning `false` (the user chose
/// another dataset meanwhile): the stream is cancelled and the result is an error saying so.
///
/// # Errors
/// As [`fetch_bytes`], and `"cancelled"` when `progress` returned `false`.
pub async fn fetch_bytes_until(
    url: &str,
    max_bytes: usize,
    mut progress: impl FnMut(u64, Option<u64>) -> bool,
) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let resp = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("network error fetching {url}: {}", js_error(&e)))?;
    let resp: web_sys::Response = resp
        .dyn_into()
        .map_err(|_| "fetch returned no Response".to_string())?;
    if !resp.ok() {
        return Err(format!(
            "{url}: HTTP {} {}",
            resp.status(),
            resp.status_text()
        ));
    }
    let total = resp
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    if total.is_some_and(|t| t as usize > max_bytes) {
        return Err(format!(
            "{url}: {} bytes is over the limit of {max_bytes}",
            total.unwrap_or(0)
        ));
    }
    let body = resp
        .body()
        .ok_or_else(|| format!("{url}: empty response body"))?;
    let reader: web_sys::ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| "cannot read the response stream".to_string())?;
    let mut out = Vec::with_capacity(total.unwrap_or(0).min(max_bytes as u64) as usize);
    if !progress(0, total) {
        let _ = reader.cancel();
        return Err(CANCELLED.into());
    }
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| format!("{url}: download interrupted: {}", js_error(&e)))?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(|e| js_error(&e))?;
        let bytes: Uint8Array = value
            .dyn_into()
            .map_err(|_| "unexpected chunk type".to_string())?;
        if out.len() + bytes.length() as usize > max_bytes {
            let _ = reader.cancel();
            return Err(format!(
                "{url}: response is over the limit of {max_bytes} bytes"
            ));
        }
        let start = out.len();
        out.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut out[start..]);
        if !progress(out.len() as u64, total) {
            let _ = reader.cancel();
            return Err(CANCELLED.into());
        }
    }
    Ok(out)
}

/// A readable message from a JavaScript error value.
pub fn js_error(e: &wasm_bindgen::JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}
