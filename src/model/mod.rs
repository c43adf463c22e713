//! The paper's feature extractor (Scholl 2024, arXiv 2408.01767, §3):
//! `Conv(32) → MaxPool → Conv(64) → MaxPool → Conv(128) → FC(256) → FC(d)`.
//!
//! Choices the paper leaves open, fixed here (and in the README): 3×3 kernels with stride 1
//! and "same" padding (1 pixel), ReLU after every convolution and after FC(256), 2×2 max
//! pooling with stride 2. For 28×28 inputs the shapes are 28→14→7, so FC(256) sees
//! 128·7·7 = 6272 features; for 32×32 inputs 32→16→8 (8192 features). The last layer
//! `FC(d)` produces the *embedding*; its activation is linear by default (the paper's
//! recommendation) and can be switched to ReLU, sigmoid or tanh to reproduce its comparison.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{relu, sigmoid, tanh};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// Activation applied to the embedding (the output of the penultimate layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// Identity: the paper's default.
    #[default]
    Linear,
    /// `max(0, x)`: the embedding is confined to the positive orthant.
    Relu,
    /// `1 / (1 + e^-x)`: the embedding is confined to the unit cube.
    Sigmoid,
    /// `tanh x`: the embedding is confined to `[-1, 1]^d`.
    Tanh,
}

impl Activation {
    /// Every activation, in display order.
    pub const ALL: [Activation; 4] = [Self::Linear, Self::Relu, Self::Sigmoid, Self::Tanh];

    /// Short id used in URLs and the CLI.
    pub fn id(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Relu => "relu",
            Self::Sigmoid => "sigmoid",
            Self::Tanh => "tanh",
        }
    }

    /// Parses [`Self::id`].
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Self::Linear => x,
            Self::Relu => relu(x),
            Self::Sigmoid => sigmoid(x),
            Self::Tanh => tanh(x),
        }
    }
}

/// Shape of the network: input images and embedding size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CnnConfig {
    /// Input channels (1 grey, 3 colour).
    pub channels: usize,
    /// Input height and width in pixels (square images; a multiple of 4).
    pub image_size: usize,
    /// Embedding dimension `d` (2 or 3 in the playground).
    pub embed_dim: usize,
    /// Activation of the embedding layer.
    pub activation: Activation,
}

impl CnnConfig {
    /// Checks the configuration.
    ///
    /// # Errors
    /// A message naming the bad field and value.
    pub fn validate(&self) -> Result<(), String> {
        if !matches!(self.channels, 1 | 3) {
            return Err(format!("channels must be 1 or 3, got {}", self.channels));
        }
        if self.image_size < 4 || !self.image_size.is_multiple_of(4) || self.image_size > 256 {
            return Err(format!(
                "image_size must be a multiple of 4 in 4..=256, got {}",
                self.image_size
            ));
        }
        if !(1..=64).contains(&self.embed_dim) {
            return Err(format!(
                "embed_dim must be in 1..=64, got {}",
                self.embed_dim
            ));
        }
        Ok(())
    }

    /// Builds the network with freshly initialised weights on `device` (seed the device first
    /// for reproducible weights).
    pub fn init(&self, device: &Device) -> Cnn {
        let conv = |i, o| {
            Conv2dConfig::new([i, o], [3, 3])
                .with_padding(PaddingConfig2d::Same)
                .init(device)
        };
        let flat = 128 * (self.image_size / 4) * (self.image_size / 4);
        Cnn {
            conv1: conv(self.channels, 32),
            conv2: conv(32, 64),
            conv3: conv(64, 128),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            fc: LinearConfig::new(flat, 256).init(device),
            embed: LinearConfig::new(256, self.embed_dim).init(device),
            activation: self.activation,
        }
    }
}

/// The feature extractor; its output is the embedding.
#[derive(Module, Debug)]
pub struct Cnn {
    conv1: Conv2d,
    conv2: Conv2d,
    conv3: Conv2d,
    pool: MaxPool2d,
    fc: Linear,
    embed: Linear,
    #[module(skip)]
    activation: Activation,
}

impl Cnn {
    /// Embeds a batch of normalised images.
    ///
    /// # Shapes
    /// - `images`: `[batch, channels, size, size]`
    /// - output: `[batch, embed_dim]`
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x = self.pool.forward(relu(self.conv1.forward(images)));
        let x = self.pool.forward(relu(self.conv2.forward(x)));
        let x = relu(self.conv3.forward(x));
        let x = x.flatten::<2>(1, 3);
        let x = relu(self.fc.forward(x));
        self.activation.apply(self.embed.forward(x))
    }
}
