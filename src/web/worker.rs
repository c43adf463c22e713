//! Training off the main thread: the [`Host`] runs in a dedicated module Web Worker that loads
//! the page's own WebAssembly, so the page only draws and answers the user.
//!
//! - The page ([`Remote::start`]) finds its JS glue and `.wasm` (Trunk's `modulepreload` and
//!   `preload` links), starts a worker from a small module script that imports them and calls
//!   the exported `worker_entry`, which calls [`serve`].
//! - Messages are CBOR bytes ([`crate::train::host::encode`]) whose buffers are transferred, not
//!   copied. A dataset travels as CBOR (names, labels, shapes) plus its two image buffers.
//! - [`host_loop`] is the same in the worker and, where a worker cannot start (no module
//!   workers, no Trunk links, as in `wasm-bindgen-test`), in the page itself.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use burn::tensor::Device;
use futures::StreamExt;
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::{gpu, yield_now};
use crate::backend::BackendChoice;
use crate::data::{Dataset, ImageSet};
use crate::train::host::{decode, encode};
use crate::train::{Event, FromHost, Host, ToHost, TrainConfig, probe};

/// A message to the host.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // built once, moved once: boxing buys nothing
pub enum Input {
    /// For the host itself.
    Host(ToHost),
    /// Train on this dataset from now on.
    Dataset(Arc<Dataset>),
    /// Train with this backend from now on.
    Backend(BackendChoice),
}

/// A message from the host's side.
#[allow(clippy::large_enum_variant)] // built once, moved once: boxing buys nothing
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Output {
    /// From the host itself.
    Host(FromHost),
    /// The backend in use, with the reason, for the status line.
    BackendInfo(String),
    /// The compute device failed: the host moved to the CPU backend (a reset run).
    Fallback(String),
}

/// What crosses `postMessage` towards the worker (the first element of the message array).
#[derive(serde::Serialize, serde::Deserialize)]
enum Wire {
    Host(ToHost),
    Backend(BackendChoice),
    /// A dataset; its train and test images follow as the message's 2nd and 3rd elements.
    Dataset(DatasetMeta),
}

/// A dataset without its image bytes.
#[derive(serde::Serialize, serde::Deserialize)]
struct DatasetMeta {
    name: String,
    class_names: Vec<String>,
    train: SplitMeta,
    test: SplitMeta,
    mean: Vec<f32>,
    std: Vec<f32>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SplitMeta {
    labels: Vec<u8>,
    channels: usize,
    height: usize,
    width: usize,
}

impl SplitMeta {
    fn of(set: &ImageSet) -> Self {
        Self {
            labels: set.labels.clone(),
            channels: set.channels,
            height: set.height,
            width: set.width,
        }
    }

    fn with(self, images: Vec<u8>) -> Result<ImageSet, String> {
        let want = self.labels.len() * self.channels * self.height * self.width;
        if images.len() != want {
            return Err(format!(
                "dataset images are {} bytes, expected {want}",
                images.len()
            ));
        }
        Ok(ImageSet {
            images,
            labels: self.labels,
            channels: self.channels,
            height: self.height,
            width: self.width,
        })
    }
}

/// Copies `bytes` into a fresh JS buffer.
fn js_bytes(bytes: &[u8]) -> js_sys::Uint8Array {
    js_sys::Uint8Array::from(bytes)
}

/// The message array for `input` and the buffers to transfer with it.
fn to_message(input: &Input) -> (js_sys::Array, js_sys::Array) {
    let (wire, images) = match input {
        Input::Host(m) => (Wire::Host(m.clone()), None),
        Input::Backend(c) => (Wire::Backend(*c), None),
        Input::Dataset(ds) => (
            Wire::Dataset(DatasetMeta {
                name: ds.name.clone(),
                class_names: ds.class_names.clone(),
                train: SplitMeta::of(&ds.train),
                test: SplitMeta::of(&ds.test),
                mean: ds.mean.clone(),
                std: ds.std.clone(),
            }),
            Some((js_bytes(&ds.train.images), js_bytes(&ds.test.images))),
        ),
    };
    let head = js_bytes(&encode(&wire));
    let message = js_sys::Array::of1(&head);
    let transfer = js_sys::Array::of1(&head.buffer());
    if let Some((train, test)) = images {
        message.push(&train);
        message.push(&test);
        transfer.push(&train.buffer());
        transfer.push(&test.buffer());
    }
    (message, transfer)
}

/// The input a message array carries.
fn from_message(data: &JsValue) -> Result<Input, String> {
    let parts: js_sys::Array = data
        .clone()
        .dyn_into()
        .map_err(|_| "a message to the worker is not an array".to_string())?;
    let bytes = |i: u32| -> Result<Vec<u8>, String> {
        parts
            .get(i)
            .dyn_into::<js_sys::Uint8Array>()
            .map(|a| a.to_vec())
            .map_err(|_| format!("part {i} of a message to the worker is not bytes"))
    };
    Ok(match decode::<Wire>(&bytes(0)?)? {
        Wire::Host(m) => Input::Host(m),
        Wire::Backend(c) => Input::Backend(c),
        Wire::Dataset(meta) => Input::Dataset(Arc::new(Dataset {
            name: meta.name,
            class_names: meta.class_names,
            train: meta.train.with(bytes(1)?)?,
            test: meta.test.with(bytes(2)?)?,
            mean: meta.mean,
            std: meta.std,
        })),
    })
}

/// Runs a [`Host`] on the messages from `rx`, reporting through `emit`, until `rx` closes.
/// It works in slices and yields to the event loop after each.
pub async fn host_loop(
    config: TrainConfig,
    mut rx: UnboundedReceiver<Input>,
    emit: Rc<dyn Fn(Output)>,
) {
    let send = |out: Vec<FromHost>| {
        for m in out {
            emit(Output::Host(m));
        }
    };
    let mut host = Host::new(config, crate::backend::cpu());
    let mut backend = BackendChoice::Auto;
    loop {
        let input = if host.wants_work() {
            match rx.try_recv() {
                Ok(m) => Some(m),
                Err(e) if e.is_closed() => return,
                Err(_) => None, // nothing queued
            }
        } else {
            match rx.next().await {
                Some(m) => Some(m),
                None => return,
            }
        };
        match input {
            Some(Input::Host(m)) => send(host.handle(m)),
            Some(Input::Dataset(ds)) => {
                let first = host.dataset().is_none();
                send(host.set_dataset(ds));
                // The backend is chosen once, on the first data ("auto" measures on them).
                if first {
                    select_backend(&mut host, backend, &*emit).await;
                }
            }
            Some(Input::Backend(choice)) => {
                backend = choice;
                // Before the data arrive only remember the choice.
                if host.dataset().is_some() {
                    select_backend(&mut host, choice, &*emit).await;
                }
            }
            None => {
                let out = host.work().await;
                let lost = out.iter().find_map(|m| match m {
                    FromHost::Event(Event::DeviceLost(msg)) => Some(msg.clone()),
                    _ => None,
                });
                send(out);
                if let Some(msg) = lost {
                    // Keep going: fall back to the CPU backend (a reset run).
                    backend = BackendChoice::Cpu;
                    emit(Output::Fallback(msg));
                    select_backend(&mut host, backend, &*emit).await;
                }
                yield_now().await;
            }
        }
    }
}

/// Picks the device for `choice` and installs it (which resets the run).
async fn select_backend(host: &mut Host, choice: BackendChoice, emit: &dyn Fn(Output)) {
    emit(Output::BackendInfo("choosing a backend…".into()));
    let (device, info) = choose(host, choice).await;
    emit(Output::BackendInfo(info));
    for m in host.set_device(device) {
        emit(Output::Host(m));
    }
}

async fn choose(host: &Host, choice: BackendChoice) -> (Device, String) {
    let cpu = crate::backend::cpu();
    if choice == BackendChoice::Cpu {
        return (cpu, "CPU (WebAssembly SIMD), chosen by you".into());
    }
    let gpu = match gpu::webgpu_device().await {
        Ok(d) => d,
        Err(e) => {
            return (
                cpu,
                format!("CPU — {e}; training on the CPU backend instead"),
            );
        }
    };
    if choice == BackendChoice::WebGpu {
        return (gpu, "WebGPU, chosen by you".into());
    }
    let Some(ds) = host.dataset().cloned() else {
        return (gpu, "WebGPU (not yet measured)".into());
    };
    let config = host.session().config();
    let g = probe::step_ms(config, ds.clone(), &gpu).await;
    yield_now().await;
    let c = probe::step_ms(config, ds, &cpu).await;
    match (g, c) {
        (Ok(g), Ok(c)) if g <= c => (
            gpu,
            format!(
                "WebGPU — measured {g:.0} ms/step vs CPU {c:.0} ms/step (batch {})",
                probe::PROBE_BATCH
            ),
        ),
        (Ok(g), Ok(c)) => (
            cpu,
            format!(
                "CPU — measured {c:.0} ms/step vs WebGPU {g:.0} ms/step (batch {}); WebGPU here is slower",
                probe::PROBE_BATCH
            ),
        ),
        (Err(e), _) => (cpu, format!("CPU — WebGPU failed its probe ({e})")),
        (Ok(_), Err(e)) => (gpu, format!("WebGPU — the CPU probe failed ({e})")),
    }
}

// ---------------------------------------------------------------------------------------------
// The worker's side.

/// The worker's global scope, as far as we use it.
fn post_from_worker(bytes: &[u8]) {
    let scope = js_sys::global();
    let data = js_bytes(bytes);
    let transfer = js_sys::Array::of1(&data.buffer());
    let post = js_sys::Reflect::get(&scope, &"postMessage".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(post) = post {
        let _ = post.call2(&scope, &data, &transfer);
    }
}

/// Serves the host inside the worker: called once by the worker's bootstrap script, after
/// which every message to the worker is an [`Input`] and every message from it an [`Output`].
pub fn serve() {
    let (tx, rx) = unbounded::<Input>();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            match from_message(&e.data()) {
                Ok(input) => {
                    let _ = tx.unbounded_send(input);
                }
                Err(msg) => {
                    post_from_worker(&encode(&Output::Host(FromHost::Event(Event::Error(
                        format!("the training worker could not read a message: {msg}"),
                    )))))
                }
            }
        });
    let _ = js_sys::Reflect::set(
        &js_sys::global(),
        &"onmessage".into(),
        on_message.as_ref().unchecked_ref(),
    );
    on_message.forget(); // lives as long as the worker
    let emit: Rc<dyn Fn(Output)> = Rc::new(|out| post_from_worker(&encode(&out)));
    wasm_bindgen_futures::spawn_local(host_loop(TrainConfig::default(), rx, emit));
}

// ---------------------------------------------------------------------------------------------
// The page's side.

#[wasm_bindgen]
extern "C" {
    /// `Worker`, declared here rather than through web-sys features (which would rebuild
    /// web-sys and everything above it).
    #[wasm_bindgen(js_name = Worker)]
    type JsWorker;
    #[wasm_bindgen(constructor, js_class = "Worker", catch)]
    fn new(url: &str, options: &JsValue) -> Result<JsWorker, JsValue>;
    #[wasm_bindgen(method, js_name = postMessage, catch)]
    fn post_message(this: &JsWorker, message: &JsValue, transfer: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, setter = onmessage)]
    fn set_onmessage(this: &JsWorker, handler: &js_sys::Function);
    #[wasm_bindgen(method, setter = onerror)]
    fn set_onerror(this: &JsWorker, handler: &js_sys::Function);
    #[wasm_bindgen(method)]
    fn terminate(this: &JsWorker);

    #[wasm_bindgen(js_name = Blob)]
    type JsBlob;
    #[wasm_bindgen(constructor, js_class = "Blob", catch)]
    fn new_blob(parts: &js_sys::Array, options: &JsValue) -> Result<JsBlob, JsValue>;
}

/// The worker's bootstrap: import the page's glue, instantiate the wasm, hand over to Rust.
/// Messages that arrive before Rust is ready are queued and replayed.
fn bootstrap_script(glue: &str, wasm: &str) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    format!(
        "const early = [];\n\
         self.onmessage = (e) => early.push(e);\n\
         import({glue}).then(async (m) => {{\n\
           await m.default({{ module_or_path: {wasm} }});\n\
           m.worker_entry();\n\
           self.postMessage('ready');\n\
           for (const e of early) self.onmessage(e);\n\
         }}).catch((err) => self.postMessage('boot failed: ' + ((err && err.message) || err)));\n",
        glue = q(glue),
        wasm = q(wasm),
    )
}

/// The absolute URL of the first `selector` link on the page.
fn link_href(selector: &str) -> Option<String> {
    let el = web_sys::window()?
        .document()?
        .query_selector(selector)
        .ok()??;
    js_sys::Reflect::get(&el, &"href".into())
        .ok()?
        .as_string()
        .filter(|s| !s.is_empty())
}

/// What the page hears from a [`Remote`].
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // built once, moved once: boxing buys nothing
pub enum Heard {
    /// The worker loaded and serves.
    Ready,
    /// A message from the host.
    Output(Output),
    /// The worker failed to start or stopped: the page should host the runs itself.
    Failed(String),
}

/// The page's handle on the training worker.
pub struct Remote {
    worker: JsWorker,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl Remote {
    /// Starts the worker; `hear` gets everything it says.
    ///
    /// # Errors
    /// The page has no Trunk links to its wasm, or the browser refuses the worker.
    pub fn start(hear: impl Fn(Heard) + 'static) -> Result<Self, String> {
        let glue = link_href("link[rel=modulepreload]:not([href*='/snippets/'])")
            .ok_or("the page does not name its script")?;
        let wasm = link_href("link[rel=preload][href$='.wasm']")
            .ok_or("the page does not name its WebAssembly")?;
        let parts = js_sys::Array::of1(&bootstrap_script(&glue, &wasm).into());
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"type".into(), &"text/javascript".into());
        let blob = JsBlob::new_blob(&parts, &options).map_err(describe)?;
        let url =
            web_sys::Url::create_object_url_with_blob(blob.unchecked_ref()).map_err(describe)?;
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"type".into(), &"module".into());
        let _ = js_sys::Reflect::set(&options, &"name".into(), &"training".into());
        let worker = JsWorker::new(&url, &options).map_err(describe)?;
        let hear = Rc::new(hear);
        let on_message = {
            let hear = hear.clone();
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                let data = e.data();
                if let Some(text) = data.as_string() {
                    hear(if text == "ready" {
                        Heard::Ready
                    } else {
                        Heard::Failed(text)
                    });
                    return;
                }
                match data.dyn_into::<js_sys::Uint8Array>() {
                    Ok(bytes) => match decode::<Output>(&bytes.to_vec()) {
                        Ok(out) => hear(Heard::Output(out)),
                        Err(e) => hear(Heard::Output(Output::Host(FromHost::Event(Event::Error(
                            format!("the training worker said something unreadable: {e}"),
                        ))))),
                    },
                    Err(_) => hear(Heard::Failed("unexpected message from the worker".into())),
                }
            })
        };
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            let msg = js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "it stopped".into());
            hear(Heard::Failed(format!("the training worker failed: {msg}")));
        });
        worker.set_onmessage(on_message.as_ref().unchecked_ref());
        worker.set_onerror(on_error.as_ref().unchecked_ref());
        Ok(Self {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Sends `input` to the worker (its bytes are transferred, not copied).
    ///
    /// # Errors
    /// The browser refused the message.
    pub fn send(&self, input: &Input) -> Result<(), String> {
        let (message, transfer) = to_message(input);
        self.worker
            .post_message(&message, &transfer)
            .map_err(describe)
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn describe(e: JsValue) -> String {
    js_sys::Reflect::get(&e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Where the page's runs are hosted.
#[allow(clippy::large_enum_variant)] // one value per page
enum Place {
    /// Starting in a worker; inputs wait here until it is ready.
    Starting(Remote, Vec<Input>),
    /// In a worker.
    Worker(Remote),
    /// In the page.
    Page(UnboundedSender<Input>),
}

/// Hosts the runs for the page: in a worker when one starts, else in the page. `hear` gets
/// the host's messages and `note` the word on where it runs ("a Web Worker" / why not).
/// Returns the sender for inputs.
pub fn host_for_page(
    config: TrainConfig,
    hear: Rc<dyn Fn(Output)>,
    note: Rc<dyn Fn(String)>,
) -> UnboundedSender<Input> {
    let place: Rc<RefCell<Option<Place>>> = Rc::new(RefCell::new(None));
    // Every input ever needed to rebuild the host's state in the page: the dataset, the
    // backend choice and the last configuration.
    let history: Rc<RefCell<Vec<Input>>> = Rc::new(RefCell::new(Vec::new()));
    let to_page = {
        let place = place.clone();
        let history = history.clone();
        let hear = hear.clone();
        let note = note.clone();
        let config = config.clone();
        move |why: String| {
            let (tx, rx) = unbounded::<Input>();
            let old = place.borrow_mut().take();
            let pending = match &old {
                Some(Place::Starting(_, pending)) => pending.clone(),
                // A worker that stopped mid-run: replay what defines the state.
                _ => history.borrow().clone(),
            };
            // This may run inside the worker's own message handler: stop the worker now, but
            // drop its handlers only after that handler has returned.
            if let Some(Place::Starting(remote, _) | Place::Worker(remote)) = &old {
                remote.worker.terminate();
            }
            wasm_bindgen_futures::spawn_local(async move { drop(old) });
            for input in pending {
                let _ = tx.unbounded_send(input);
            }
            *place.borrow_mut() = Some(Place::Page(tx));
            note(format!("in the page ({why})"));
            wasm_bindgen_futures::spawn_local(host_loop(config.clone(), rx, hear.clone()));
        }
    };
    let to_page: Rc<dyn Fn(String)> = Rc::new(to_page);
    let started = {
        let place = place.clone();
        let hear = hear.clone();
        let note = note.clone();
        let to_page = to_page.clone();
        Remote::start(move |heard| match heard {
            Heard::Ready => {
                let mut p = place.borrow_mut();
                if !matches!(*p, Some(Place::Starting(..))) {
                    return; // a worker already given up on
                }
                if let Some(Place::Starting(remote, pending)) = p.take() {
                    let mut failed = None;
                    for input in &pending {
                        if let Err(e) = remote.send(input) {
                            failed = Some(e);
                        }
                    }
                    *p = Some(Place::Worker(remote));
                    drop(p);
                    match failed {
                        Some(e) => to_page(e),
                        None => note("in a Web Worker".into()),
                    }
                }
            }
            Heard::Output(out) => hear(out),
            Heard::Failed(why) => {
                if matches!(*place.borrow(), Some(Place::Page(_)) | None) {
                    return; // a late word from a worker already replaced
                }
                let was_running = matches!(*place.borrow(), Some(Place::Worker(_)));
                to_page(why.clone());
                if was_running {
                    hear(Output::Host(FromHost::Event(Event::Error(format!(
                        "{why}; training moved into the page: press Train to start again"
                    )))));
                }
            }
        })
    };
    match started {
        Ok(remote) => *place.borrow_mut() = Some(Place::Starting(remote, Vec::new())),
        Err(why) => to_page(why),
    }
    let (tx, mut rx) = unbounded::<Input>();
    // The worker's host starts from the defaults: give it the page's settings first.
    let _ = tx.unbounded_send(Input::Host(ToHost::Command(
        crate::train::Command::Configure(config),
    )));
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(input) = rx.next().await {
            remember(&mut history.borrow_mut(), &input);
            let mut p = place.borrow_mut();
            let failed = match p.as_mut() {
                Some(Place::Starting(_, pending)) => {
                    pending.push(input);
                    None
                }
                Some(Place::Worker(remote)) => remote.send(&input).err(),
                Some(Place::Page(tx)) => {
                    let _ = tx.unbounded_send(input);
                    None
                }
                None => None,
            };
            drop(p);
            if let Some(e) = failed {
                to_page(e);
            }
        }
    });
    tx
}

/// Keeps the inputs that define the host's state: the latest dataset, backend and
/// configuration.
fn remember(history: &mut Vec<Input>, input: &Input) {
    use crate::train::Command::Configure;
    let kind = |i: &Input| match i {
        Input::Dataset(_) => Some(0),
        Input::Backend(_) => Some(1),
        Input::Host(ToHost::Command(Configure(_))) => Some(2),
        _ => None,
    };
    if let Some(k) = kind(input) {
        history.retain(|a| kind(a) != Some(k));
        history.push(input.clone());
    }
}
