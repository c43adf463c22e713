//! Loading a built-in dataset in the browser: `manifest.json` → each file from the cache or
//! the network (with progress) → sha256 check → parse → cache the verified files.
//!
//! Order of trust: nothing is used or cached before [`verify`] accepted it against the
//! manifest, and files are cached only once the whole dataset parsed, so a corrupt or
//! truncated download never reaches the cache. Cached bytes are verified again when read; a
//! damaged entry is deleted and downloaded afresh.

use crate::data::{Dataset, DatasetKind, FileError, MANIFEST_FILE, Manifest, ManifestFile, verify};

use super::cache;
use super::fetch::{CANCELLED, fetch_bytes_until, js_error};

/// Largest file the page downloads (a CIFAR-10 batch is 30.7 MB, MNIST's training images 9.7 MB
/// gzipped, Fashion-MNIST's 26.4 MB).
pub const MAX_DOWNLOAD: usize = 128 << 20;

/// The page's own data folder, used when the URL names none (or one that is refused).
pub const DEFAULT_BASE: &str = crate::share::DEFAULT_DATA_URL;

/// Where one file of a load stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// Not started.
    Waiting,
    /// Arriving over the network.
    Downloading,
    /// Read back from the page's cache (no download).
    Cached,
    /// Downloaded and verified.
    Verified,
    /// Its download or check failed.
    Failed,
}

/// Progress of one file of a load.
#[derive(Debug, Clone, PartialEq)]
pub struct FileProgress {
    /// Path in the data folder (`cifar10/test_batch.bin`).
    pub path: String,
    /// Bytes received.
    pub received: u64,
    /// Size from the manifest.
    pub size: u64,
    /// Where it stands.
    pub state: FileState,
}

impl FileProgress {
    /// Percentage received, `0..=100`.
    pub fn percent(&self) -> f64 {
        if self.size == 0 {
            return 100.0;
        }
        (100.0 * self.received as f64 / self.size as f64).min(100.0)
    }
}

/// Why a load failed. Every kind can be retried.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// The network failed (offline, HTTP error, aborted download) for this file.
    Network {
        /// The file (path in the data folder, or `manifest.json`).
        file: String,
        /// What happened.
        message: String,
    },
    /// The bytes arrived but are wrong (checksum, size, format): names the file.
    Data(FileError),
    /// Another load replaced this one.
    Cancelled,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Network { file, message } => write!(
                f,
                "{file}: {message} (check the connection or the data URL, then Retry)"
            ),
            LoadError::Data(e) => write!(f, "{e}"),
            LoadError::Cancelled => write!(f, "cancelled"),
        }
    }
}

/// What a successful load did, for the status panel and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadReport {
    /// Files read back from the cache.
    pub from_cache: usize,
    /// Files downloaded.
    pub downloaded: usize,
    /// Bytes downloaded.
    pub downloaded_bytes: u64,
    /// Wall time of the whole load, manifest to parsed dataset, in milliseconds.
    pub millis: f64,
    /// A problem that did not stop the load (the cache refused to store), for the status line.
    pub note: Option<String>,
}

/// The data folder's base URL: `data=` of the page's share link as the codec reads it
/// ([`crate::share::decode`], which refuses other schemes, over-long values and the like with a
/// notice on the page), else [`DEFAULT_BASE`]. The link and the loader agree on it, so "Copy
/// link" carries exactly the folder in use.
pub fn data_base_url() -> String {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    crate::share::decode(&search)
        .state
        .data_url
        .unwrap_or_else(|| DEFAULT_BASE.to_string())
}

/// Fetches and parses `manifest.json` under `base`. A copy of the last good manifest is kept
/// in the cache, so the page still starts when the network is gone.
///
/// # Errors
/// [`LoadError::Network`] when neither the network nor the cache has it, [`LoadError::Data`]
/// when it does not parse.
pub async fn manifest(base: &str) -> Result<Manifest, LoadError> {
    let url = format!("{base}{MANIFEST_FILE}");
    let fetched = fetch_bytes_until(&url, 1 << 20, |_, _| true).await;
    let (bytes, from_network) = match fetched {
        Ok(b) => (b, true),
        Err(message) => match cache::get(&url, "manifest").await {
            Some(b) => (b, false),
            None => {
                return Err(LoadError::Network {
                    file: MANIFEST_FILE.into(),
                    message,
                });
            }
        },
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        LoadError::Data(crate::data::DataError::Manifest("not UTF-8 text".into()).at(MANIFEST_FILE))
    })?;
    let m = Manifest::parse(&text).map_err(LoadError::Data)?;
    if from_network {
        let _ = cache::put(&url, "manifest", text.as_bytes()).await;
    }
    Ok(m)
}

/// Loads `kind` with `train_batches` training batches (CIFAR-10) from the data folder at
/// `base`, reporting per-file progress through `progress` (which returns `false` to cancel:
/// another load replaced this one). Yields to the browser between files.
///
/// # Errors
/// The first problem, naming the file ([`LoadError`]); nothing of a failed load is cached.
pub async fn load(
    base: &str,
    kind: DatasetKind,
    train_batches: usize,
    mut progress: impl FnMut(&[FileProgress]) -> bool,
) -> Result<(Dataset, LoadReport), LoadError> {
    let start = super::now_ms();
    let manifest = manifest(base).await?;
    let entries: Vec<ManifestFile> = manifest
        .files_for(kind, train_batches)
        .map_err(LoadError::Data)?
        .into_iter()
        .cloned()
        .collect();
    let mut files: Vec<FileProgress> = entries
        .iter()
        .map(|e| FileProgress {
            path: e.path.clone(),
            received: 0,
            size: e.size,
            state: FileState::Waiting,
        })
        .collect();
    if !progress(&files) {
        return Err(LoadError::Cancelled);
    }
    let mut report = LoadReport {
        from_cache: 0,
        downloaded: 0,
        downloaded_bytes: 0,
        millis: 0.0,
        note: None,
    };
    let mut named: Vec<(String, Vec<u8>)> = Vec::with_capacity(entries.len());
    let mut to_cache: Vec<usize> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let url = format!("{base}{}", entry.path);
        if let Some(bytes) = cache::get(&url, &entry.sha256).await {
            if verify(entry, &bytes).is_ok() {
                files[i].received = entry.size;
                files[i].state = FileState::Cached;
                report.from_cache += 1;
                named.push((entry.path.clone(), bytes));
                if !progress(&files) {
                    return Err(LoadError::Cancelled);
                }
                continue;
            }
            // Damaged in storage: forget it and download again.
            cache::delete(&url, &entry.sha256).await;
        }
        files[i].state = FileState::Downloading;
        let mut last_report = f64::NEG_INFINITY;
        let mut cancelled = false;
        let fetched = fetch_bytes_until(&url, MAX_DOWNLOAD, |received, _total| {
            files[i].received = received;
            // Redraw the bars at most ten times a second.
            let now = super::now_ms();
            if now - last_report >= 100.0 || received >= entry.size {
                last_report = now;
                cancelled = !progress(&files);
            }
            !cancelled
        })
        .await;
        let bytes = match fetched {
            Ok(b) => b,
            Err(_) if cancelled => return Err(LoadError::Cancelled),
            Err(e) if e == CANCELLED => return Err(LoadError::Cancelled),
            Err(message) => {
                files[i].state = FileState::Failed;
                progress(&files);
                return Err(LoadError::Network {
                    file: entry.path.clone(),
                    message,
                });
            }
        };
        super::yield_now().await;
        if let Err(e) = verify(entry, &bytes) {
            files[i].state = FileState::Failed;
            progress(&files);
            return Err(LoadError::Data(e));
        }
        files[i].received = bytes.len() as u64;
        files[i].state = FileState::Verified;
        report.downloaded += 1;
        report.downloaded_bytes += bytes.len() as u64;
        to_cache.push(i);
        named.push((entry.path.clone(), bytes));
        if !progress(&files) {
            return Err(LoadError::Cancelled);
        }
    }
    super::yield_now().await;
    let dataset = Dataset::from_named(kind, &named).map_err(LoadError::Data)?;
    // Only now, with every file verified and the dataset parsed, keep the downloads.
    for i in to_cache {
        let entry = &entries[i];
        let url = format!("{base}{}", entry.path);
        if let Err(e) = cache::put(&url, &entry.sha256, &named[i].1).await {
            report.note = Some(format!("{e} — the next visit downloads it again"));
        }
    }
    report.millis = super::now_ms() - start;
    Ok((dataset, report))
}

/// Reads the user's files (`<input type=file>` or a drop) into `(name, bytes)` pairs.
///
/// # Errors
/// A message naming the file that could not be read or is too large.
pub async fn read_files(list: &web_sys::FileList) -> Result<Vec<(String, Vec<u8>)>, String> {
    // More than the parsers accept in total would be refused anyway: do not read it into memory.
    let limit = crate::data::MAX_USER_BYTES as f64 * 2.0;
    let mut total = 0.0;
    let mut out = Vec::new();
    for i in 0..list.length() {
        let Some(file) = list.item(i) else { continue };
        let name = file.name();
        total += file.size();
        if total > limit {
            return Err(format!(
                "{name}: together the files are over {:.0} MB, more than the page accepts",
                limit / 1e6
            ));
        }
        let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
            .await
            .map_err(|e| format!("{name}: could not be read ({})", js_error(&e)))?;
        out.push((name, js_sys::Uint8Array::new(&buf).to_vec()));
    }
    Ok(out)
}

/// Bytes of WebAssembly memory in use by the page (the linear memory's size: it only grows, so
/// this is the high-water mark).
pub fn wasm_heap_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    let mem: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    js_sys::Reflect::get(&mem.buffer(), &"byteLength".into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as u64
}
