//! The browser's Cache API as a store of verified data files, so a reload downloads nothing.
//!
//! Keys are the file's URL plus its expected sha256 (`…/t10k-images-idx3-ubyte.gz?sha256=…`):
//! a new manifest with new checksums never picks up stale bytes. Only bytes that passed
//! [`crate::data::verify`] (and parsed) are stored; what is read back is verified again before
//! use, and a damaged entry is deleted. Each entry carries its length in an `x-playground-bytes`
//! header so the page can show how much it keeps without reading the bodies.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::fetch::js_error;

/// Name of the page's cache in `CacheStorage`.
pub const CACHE_NAME: &str = "embedding-playground-data-v1";

const BYTES_HEADER: &str = "x-playground-bytes";

/// What the page keeps in its cache.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CacheUsage {
    /// Files stored.
    pub files: usize,
    /// Bytes stored (the files' lengths).
    pub bytes: u64,
    /// The browser's estimate of this origin's storage use, when it offers one.
    pub origin_usage: Option<f64>,
    /// The browser's storage quota for this origin, when it offers one.
    pub origin_quota: Option<f64>,
}

/// The cache key of a file: its URL with the expected sha256 appended as a query parameter.
pub fn key(url: &str, sha256: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}sha256={sha256}")
}

async fn open() -> Result<web_sys::Cache, String> {
    let window = web_sys::window().ok_or("no window")?;
    let storage = window
        .caches()
        .map_err(|e| format!("the Cache API is unavailable here ({})", js_error(&e)))?;
    JsFuture::from(storage.open(CACHE_NAME))
        .await
        .map_err(|e| format!("cannot open the data cache: {}", js_error(&e)))?
        .dyn_into()
        .map_err(|_| "CacheStorage.open returned no Cache".to_string())
}

/// Whether the page can cache at all (a secure context with `caches`).
pub fn available() -> bool {
    web_sys::window().is_some_and(|w| {
        js_sys::Reflect::get(&w, &"caches".into()).is_ok_and(|c| !c.is_undefined())
    })
}

/// The bytes stored under [`key`]`(url, sha256)`, if any. Errors of the Cache API count as a
/// miss (the page then downloads).
pub async fn get(url: &str, sha256: &str) -> Option<Vec<u8>> {
    let cache = open().await.ok()?;
    let found = JsFuture::from(cache.match_with_str(&key(url, sha256)))
        .await
        .ok()?;
    let resp: web_sys::Response = found.dyn_into().ok()?;
    let buf = JsFuture::from(resp.array_buffer().ok()?).await.ok()?;
    Some(Uint8Array::new(&buf).to_vec())
}

/// Stores verified `bytes` under [`key`]`(url, sha256)`.
///
/// # Errors
/// The Cache API's refusal (no storage, quota exceeded), as a message.
pub async fn put(url: &str, sha256: &str, bytes: &[u8]) -> Result<(), String> {
    let cache = open().await?;
    let headers = web_sys::Headers::new().map_err(|e| js_error(&e))?;
    headers
        .set(BYTES_HEADER, &bytes.len().to_string())
        .map_err(|e| js_error(&e))?;
    headers
        .set("content-type", "application/octet-stream")
        .map_err(|e| js_error(&e))?;
    let init = web_sys::ResponseInit::new();
    init.set_headers(&headers);
    let body = Uint8Array::from(bytes);
    let resp = web_sys::Response::new_with_opt_buffer_source_and_init(Some(&body), &init)
        .map_err(|e| js_error(&e))?;
    JsFuture::from(cache.put_with_str(&key(url, sha256), &resp))
        .await
        .map(|_| ())
        .map_err(|e| format!("could not cache {url}: {}", js_error(&e)))
}

/// Deletes the entry under [`key`]`(url, sha256)` (a damaged entry).
pub async fn delete(url: &str, sha256: &str) {
    if let Ok(cache) = open().await {
        let _ = JsFuture::from(cache.delete_with_str(&key(url, sha256))).await;
    }
}

/// The URLs (keys) stored, for tests and diagnostics.
pub async fn keys() -> Vec<String> {
    let Ok(cache) = open().await else {
        return Vec::new();
    };
    let Ok(list) = JsFuture::from(cache.keys()).await else {
        return Vec::new();
    };
    list.unchecked_into::<Array>()
        .iter()
        .filter_map(|r| r.dyn_into::<web_sys::Request>().ok())
        .map(|r| r.url())
        .collect()
}

/// How much the page keeps (its own entries, plus the browser's estimate for the origin).
pub async fn usage() -> CacheUsage {
    let mut u = CacheUsage::default();
    if let Ok(cache) = open().await
        && let Ok(all) = JsFuture::from(cache.match_all()).await
    {
        for r in all.unchecked_into::<Array>().iter() {
            let Ok(r) = r.dyn_into::<web_sys::Response>() else {
                continue;
            };
            u.files += 1;
            u.bytes += r
                .headers()
                .get(BYTES_HEADER)
                .ok()
                .flatten()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    if let Some(w) = web_sys::window() {
        let storage = w.navigator().storage();
        // Not every browser has `navigator.storage.estimate`.
        let has = js_sys::Reflect::get(&storage, &"estimate".into()).is_ok_and(|f| f.is_function());
        if has
            && let Ok(p) = storage.estimate()
            && let Ok(est) = JsFuture::from(p).await
        {
            let est: web_sys::StorageEstimate = est.unchecked_into();
            u.origin_usage = est.get_usage();
            u.origin_quota = est.get_quota();
        }
    }
    u
}

/// Deletes the page's whole data cache.
///
/// # Errors
/// The Cache API's refusal, as a message.
pub async fn clear() -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let storage = window
        .caches()
        .map_err(|e| format!("the Cache API is unavailable here ({})", js_error(&e)))?;
    JsFuture::from(storage.delete(CACHE_NAME))
        .await
        .map(|_| ())
        .map_err(|e| format!("could not clear the data cache: {}", js_error(&e)))
}
