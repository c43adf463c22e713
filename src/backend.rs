//! Compute devices. The CPU backend (burn's `flex`, pure Rust with SIMD) runs everywhere;
//! WebGPU is initialised asynchronously in the browser (see `web`), and natively the wgpu
//! backend is available behind `lab --backend wgpu`.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// Which backend a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// burn-flex on the CPU (WebAssembly SIMD in the browser).
    Cpu,
    /// burn-wgpu: the browser's WebGPU, or Vulkan/Metal/GL natively.
    Wgpu,
}

impl BackendKind {
    /// Short id.
    pub fn id(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Wgpu => "wgpu",
        }
    }

    /// Parses [`Self::id`] (also accepts `webgpu`).
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "cpu" => Some(Self::Cpu),
            "wgpu" | "webgpu" | "gpu" => Some(Self::Wgpu),
            _ => None,
        }
    }
}

/// Which backend the user asked for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum BackendChoice {
    /// Measure both and take the faster.
    #[default]
    Auto,
    /// The CPU backend (WebAssembly SIMD).
    Cpu,
    /// WebGPU.
    WebGpu,
}

impl BackendChoice {
    /// Short id for the select control.
    pub fn id(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Cpu => "cpu",
            Self::WebGpu => "webgpu",
        }
    }

    /// Every choice, in display order.
    pub const ALL: [BackendChoice; 3] = [Self::Auto, Self::Cpu, Self::WebGpu];

    /// Parses [`Self::id`]; anything else is [`Self::Auto`].
    pub fn from_id(id: &str) -> Self {
        Self::parse(id).unwrap_or(Self::Auto)
    }

    /// Parses [`Self::id`] strictly.
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.id() == id)
    }
}

/// The CPU device.
pub fn cpu() -> Device {
    Device::flex()
}

/// The native wgpu device (Vulkan, Metal, DX12 or GL, as the machine offers).
///
/// # Errors
/// When this binary was built without the `native-wgpu` feature, or no adapter is found.
#[cfg(not(target_arch = "wasm32"))]
pub fn native_wgpu() -> Result<Device, String> {
    #[cfg(feature = "native-wgpu")]
    {
        Device::wgpu_options()
            .init()
            .map_err(|e| format!("no usable wgpu adapter: {e}"))
    }
    #[cfg(not(feature = "native-wgpu"))]
    {
        Err(
            "this build of lab has no native wgpu backend: rebuild with `--features native-wgpu`"
                .into(),
        )
    }
}
