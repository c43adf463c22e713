//! The browser app's entry point: mounts the page. (Natively this binary only explains itself;
//! the native program is `lab`.)

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    // In the training worker (no window) the page is not mounted: `worker_entry` runs instead.
    if web_sys::window().is_none() {
        return;
    }
    leptos::mount::mount_to_body(|| leptos::view! { <playground::ui::App /> });
}

/// The training worker's entry point, called by its bootstrap script once this module is
/// instantiated there (see `playground::web::worker`).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn worker_entry() {
    playground::web::worker::serve();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "embedding-playground is the browser app: serve it with `make serve`; natively, use `lab`."
    );
}
