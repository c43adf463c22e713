//! The browser app's entry point: mounts the page. (Natively this binary only explains itself;
//! the native program is `lab`.)

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(|| leptos::view! { <playground::ui::App /> });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "embedding-playground is the browser app: serve it with `make serve`; natively, use `lab`."
    );
}
