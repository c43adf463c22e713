//! WebGPU start-up. burn's wgpu runtime is initialised once per page; the device is kept.

use std::cell::RefCell;

use burn::tensor::Device;
use burn::tensor::wgpu::WgpuBackend;

thread_local! {
    static WEBGPU: RefCell<Option<Result<Device, String>>> = const { RefCell::new(None) };
}

/// Whether the browser exposes `navigator.gpu` at all.
pub fn has_webgpu_api() -> bool {
    // `navigator` of the page or of a worker.
    js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .ok()
        .filter(|n| n.is_object())
        .and_then(|n| js_sys::Reflect::has(&n, &"gpu".into()).ok())
        .unwrap_or(false)
}

/// The WebGPU device, initialised on first call; later calls return the same result.
///
/// # Errors
/// Why WebGPU is unavailable (no API, no adapter, device request failed), in words for the page.
pub async fn webgpu_device() -> Result<Device, String> {
    if let Some(r) = WEBGPU.with(|w| w.borrow().clone()) {
        return r;
    }
    let result = if !has_webgpu_api() {
        Err("this browser has no WebGPU (navigator.gpu is missing)".to_string())
    } else {
        Device::wgpu_options()
            .graphics_api(WgpuBackend::WebGpu)
            .init_async()
            .await
            .map_err(|e| format!("WebGPU could not start: {e}"))
    };
    WEBGPU.with(|w| *w.borrow_mut() = Some(result.clone()));
    result
}
