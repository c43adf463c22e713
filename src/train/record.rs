//! Checkpoints: a run's weights (network and loss head, as a burn [`ModuleRecord`] in the
//! burnpack format) with its configuration, as one byte buffer that can be saved, loaded back
//! and trained on.
//!
//! File layout (all integers little-endian):
//!
//! ```text
//! b"EPCKPT"   magic (6 bytes)
//! u16         format version (1)
//! u32         length L of the header
//! L bytes     header, JSON: { "config": TrainConfig, "step": usize, "shapes": [[path, [dims…]], …],
//!             "dataset": { "channels", "image_size", "classes" } }
//! rest        the burnpack bytes of `ModuleRecord` (net + loss head)
//! ```
//!
//! The weights are read back asynchronously (no synchronous GPU reads) and recorded from a CPU
//! copy. Adam's moments are not saved: a loaded run continues with fresh optimiser state, from
//! the saved step (the batch order is replayed up to it).

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::store::ModuleRecord;
use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::{TrainConfig, TrainError};

/// Magic bytes at the start of every checkpoint.
pub const MAGIC: &[u8; 6] = b"EPCKPT";
/// Format version written by [`Checkpoint::to_bytes`].
pub const FORMAT_VERSION: u16 = 1;
/// Largest header accepted (the JSON part).
const MAX_HEADER: usize = 1 << 20;

/// What the weights were trained on: the input and output sizes the model was built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetShape {
    /// Image channels (1 or 3).
    pub channels: usize,
    /// Image side in pixels.
    pub image_size: usize,
    /// Number of classes.
    pub classes: usize,
}

/// The header of a checkpoint (everything but the weights).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointHeader {
    /// The run's configuration.
    pub config: TrainConfig,
    /// Steps trained when saved.
    pub step: usize,
    /// Shape of the dataset the model was built for.
    pub dataset: DatasetShape,
    /// Every recorded parameter's module path and shape, in record order.
    pub shapes: Vec<(String, Vec<usize>)>,
}

/// A saved run: configuration, step and weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Configuration, step and shapes.
    pub header: CheckpointHeader,
    /// burnpack bytes of the model's [`ModuleRecord`].
    pub weights: Vec<u8>,
}

/// Why a checkpoint cannot be read or used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckpointError {
    /// Not a checkpoint of this program, or cut short.
    #[error("not an Embedding Playground checkpoint: {0}")]
    Format(String),
    /// Written by a newer version of the program.
    #[error("checkpoint format version {0} is newer than this program's ({FORMAT_VERSION})")]
    Version(u16),
    /// The configuration inside is invalid.
    #[error("the checkpoint's configuration is invalid: {0}")]
    Config(String),
    /// The weights do not fit the model the configuration and dataset describe.
    #[error("the checkpoint's weights do not fit: {0}")]
    Shapes(String),
}

impl Checkpoint {
    /// The file's bytes (see the module docs for the layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.header).unwrap_or_default();
        let mut out = Vec::with_capacity(12 + header.len() + self.weights.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&self.weights);
        out
    }

    /// Reads a checkpoint file and checks its configuration.
    ///
    /// # Errors
    /// Wrong magic, a newer version, a cut-short or malformed header, or an invalid
    /// configuration.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CheckpointError> {
        let bad = |m: &str| CheckpointError::Format(m.to_string());
        if bytes.len() < 12 || &bytes[..6] != MAGIC {
            return Err(bad("the file does not start with EPCKPT"));
        }
        let version = u16::from_le_bytes([bytes[6], bytes[7]]);
        if version > FORMAT_VERSION {
            return Err(CheckpointError::Version(version));
        }
        let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        if len > MAX_HEADER || 12 + len > bytes.len() {
            return Err(bad(&format!(
                "header of {len} bytes does not fit a {}-byte file",
                bytes.len()
            )));
        }
        let header: CheckpointHeader = serde_json::from_slice(&bytes[12..12 + len])
            .map_err(|e| CheckpointError::Format(format!("header: {e}")))?;
        header.config.validate().map_err(CheckpointError::Config)?;
        Ok(Self {
            header,
            weights: bytes[12 + len..].to_vec(),
        })
    }

    /// The weights as a burn record.
    ///
    /// # Errors
    /// [`CheckpointError::Format`] when the burnpack bytes are malformed.
    pub fn record(&self) -> Result<ModuleRecord, CheckpointError> {
        ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(self.weights.clone()))
            .map_err(|e| CheckpointError::Format(format!("weights: {e}")))
    }
}

impl From<CheckpointError> for TrainError {
    fn from(e: CheckpointError) -> Self {
        TrainError::Config(e.to_string())
    }
}

/// Collects every float parameter's current value, path and shape.
#[derive(Default)]
struct Values {
    path: Vec<String>,
    tensors: Vec<Tensor<1>>,
    shapes: Vec<(String, Vec<usize>)>,
}

impl ModuleVisitor for Values {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let t = param.val();
        self.shapes.push((self.path.join("."), t.dims().to_vec()));
        self.tensors.push(t.flatten::<1>(0, D - 1));
    }
}

/// Replaces every float parameter, in visiting order, by a CPU tensor made of read-back data.
struct Replace {
    data: std::vec::IntoIter<(Vec<f32>, Vec<usize>)>,
    device: burn::tensor::Device,
}

impl ModuleMapper for Replace {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some((values, shape)) = self.data.next() else {
            return param;
        };
        let device = self.device.clone();
        param.map(move |_| Tensor::from_data(TensorData::new(values, shape), &device))
    }
}

/// The parameters' module paths and shapes, in visiting order.
pub fn parameter_shapes<M: Module>(module: &M) -> Vec<(String, Vec<usize>)> {
    let mut v = Values::default();
    module.visit(&mut v);
    v.shapes
}

/// The record of `module`, read back asynchronously (safe on WebGPU) and taken from a CPU
/// copy, with the parameters' paths and shapes.
///
/// # Errors
/// [`TrainError::Device`] if a read-back fails or the record cannot be encoded.
pub async fn record_bytes<M: Module + Clone>(
    module: &M,
) -> Result<(Vec<u8>, Vec<(String, Vec<usize>)>), TrainError> {
    let mut v = Values::default();
    module.visit(&mut v);
    let mut data = Vec::with_capacity(v.tensors.len());
    for (t, (_, shape)) in v.tensors.into_iter().zip(&v.shapes) {
        let d = t
            .into_data_async()
            .await
            .map_err(|e| TrainError::Device(format!("{e:?}")))?;
        data.push((d.iter::<f32>().collect::<Vec<f32>>(), shape.clone()));
    }
    let cpu = module.clone().map(&mut Replace {
        data: data.into_iter(),
        device: crate::backend::cpu(),
    });
    let bytes = cpu
        .into_record()
        .into_bytes()
        .map_err(|e| TrainError::Device(format!("encoding the record: {e}")))?;
    Ok((bytes.to_vec(), v.shapes))
}
