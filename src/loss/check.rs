//! The cross-check interface of shared/LOSSES.md ("Cross-check interface"): one JSON object in
//! (loss and parameters, embeddings, labels, head values), loss + terms + gradient out. `lab
//! loss` prints it natively; the browser tests run it on WebGPU.

use burn::tensor::{Device, Tensor, TensorData};

use super::{HeadValues, LossConfig, Matrix, Targets};

/// Serde's messages may span lines.
fn one_line(s: impl std::fmt::Display) -> String {
    s.to_string().replace('\n', " ")
}

/// The input of the cross-check (shared/LOSSES.md, "Cross-check interface").
pub struct CheckInput {
    pub loss: serde_json::Value,
    pub embeddings: Vec<Vec<f32>>,
    pub labels: Vec<usize>,
    pub weights: Option<Vec<Vec<f32>>>,
    pub bias: Option<serde_json::Value>,
    pub centers: Option<Vec<Vec<f32>>>,
    pub targets: Option<Vec<Vec<f32>>>,
    /// Training step (sphereface's annealing); an extension, default 0.
    pub step: usize,
}

const INPUT_FIELDS: [&str; 8] = [
    "loss",
    "embeddings",
    "labels",
    "weights",
    "bias",
    "centers",
    "targets",
    "step",
];

impl CheckInput {
    /// Parses field by field, so every message names its field.
    ///
    /// # Errors
    /// A message naming the bad field.
    pub fn parse(text: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("input: {}", one_line(e)))?;
        let serde_json::Value::Object(mut map) = value else {
            return Err("input: expected one JSON object".into());
        };
        if let Some(k) = map.keys().find(|k| !INPUT_FIELDS.contains(&k.as_str())) {
            return Err(format!(
                "{k}: unknown field, expected one of {}",
                INPUT_FIELDS.join(", ")
            ));
        }
        fn field<T: serde::de::DeserializeOwned>(
            map: &mut serde_json::Map<String, serde_json::Value>,
            name: &str,
        ) -> Result<Option<T>, String> {
            map.remove(name)
                .map(|v| serde_json::from_value(v).map_err(|e| format!("{name}: {}", one_line(e))))
                .transpose()
        }
        let required = |name: &str| format!("{name}: missing");
        Ok(Self {
            loss: map.remove("loss").ok_or_else(|| required("loss"))?,
            embeddings: field(&mut map, "embeddings")?.ok_or_else(|| required("embeddings"))?,
            labels: field(&mut map, "labels")?.ok_or_else(|| required("labels"))?,
            weights: field(&mut map, "weights")?,
            bias: map.remove("bias"),
            centers: field(&mut map, "centers")?,
            targets: field(&mut map, "targets")?,
            step: field(&mut map, "step")?.unwrap_or(0),
        })
    }
}

/// The cross-check of shared/LOSSES.md on `device` (a plain device; autodiff is added here):
/// the loss, its named terms and the gradient with respect to the embeddings, from burn's
/// autodiff through the loss's training code path. Reads back asynchronously, so it runs on
/// WebGPU too (the browser tests compare it with the CPU backend).
///
/// # Errors
/// A message naming the bad field of the input, or a failed read-back.
pub async fn cross_check(text: &str, device: &Device) -> Result<CheckOutput, String> {
    let input = CheckInput::parse(text)?;
    let config: LossConfig =
        serde_json::from_value(input.loss).map_err(|e| format!("loss: {}", one_line(e)))?;
    let z = Matrix::from_rows("embeddings", &input.embeddings)?;
    if input.labels.len() != z.rows {
        return Err(format!(
            "labels: {} labels for {} embeddings",
            input.labels.len(),
            z.rows
        ));
    }
    let matrix = |field: &str, m: &Option<Vec<Vec<f32>>>| {
        m.as_ref()
            .map(|rows| Matrix::from_rows(field, rows))
            .transpose()
    };
    let bias = match input.bias {
        None | Some(serde_json::Value::Bool(false) | serde_json::Value::Null) => None,
        Some(v) => Some(
            serde_json::from_value::<Vec<f32>>(v)
                .map_err(|e| format!("bias: expected false or an array of numbers ({e})"))?,
        ),
    };
    let values = HeadValues {
        weights: matrix("weights", &input.weights)?,
        bias,
        centers: matrix("centers", &input.centers)?,
        targets: matrix("targets", &input.targets)?,
    };
    // C: the rows given; for the metric losses (no head values) the labels decide.
    let classes = values
        .weights
        .as_ref()
        .or(values.targets.as_ref())
        .map(|m| m.rows)
        .unwrap_or_else(|| input.labels.iter().max().map_or(1, |&l| l + 1));
    if let Some((i, l)) = input
        .labels
        .iter()
        .enumerate()
        .find(|(_, l)| **l >= classes)
    {
        return Err(format!(
            "labels: label {l} at index {i} is not below C = {classes}"
        ));
    }
    let device = device.clone().autodiff();
    let loss = config.build(z.cols, classes, values, &device)?;
    let targets = Targets::from_labels(&input.labels, classes, &device).with_step(input.step);
    let embeddings: Tensor<2> =
        Tensor::from_data(TensorData::new(z.data.clone(), [z.rows, z.cols]), &device)
            .require_grad();
    let out = loss.forward(embeddings.clone(), &targets);
    let grads = out.total.backward();
    let grad: Vec<f32> = match embeddings.grad(&grads) {
        Some(g) => g
            .into_data_async()
            .await
            .map_err(|e| format!("reading the gradient failed: {e:?}"))?
            .try_to_vec::<f32>()
            .map_err(|e| format!("reading the gradient failed: {e:?}"))?,
        // The loss does not depend on the embeddings (e.g. no valid pair or triplet).
        None => vec![0.0; z.data.len()],
    };
    let mut terms = Vec::new();
    for (name, t) in out.terms {
        terms.push((name.to_string(), read_scalar(t).await?));
    }
    let grad_embeddings: Vec<Vec<f64>> = grad
        .chunks(z.cols)
        .map(|r| r.iter().map(|&v| f64::from(v)).collect())
        .collect();
    Ok(CheckOutput {
        loss: read_scalar(out.total).await?,
        terms,
        grad_embeddings,
    })
}

async fn read_scalar(t: Tensor<1>) -> Result<f64, String> {
    t.into_data_async()
        .await
        .map_err(|e| format!("reading the loss failed: {e:?}"))?
        .try_to_vec::<f32>()
        .map_err(|e| format!("reading the loss failed: {e:?}"))?
        .first()
        .map(|&v| f64::from(v))
        .ok_or_else(|| "the loss is empty".to_string())
}

/// The output of the cross-check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutput {
    /// The loss value.
    pub loss: f64,
    /// Named terms, in the loss's order.
    pub terms: Vec<(String, f64)>,
    /// `∂L/∂z`, one row per embedding.
    pub grad_embeddings: Vec<Vec<f64>>,
}

impl CheckOutput {
    /// The JSON object of shared/LOSSES.md: `{"loss", "terms": {name: value}, "grad_embeddings"}`.
    pub fn to_json(&self) -> serde_json::Value {
        let terms: serde_json::Map<String, serde_json::Value> = self
            .terms
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect();
        serde_json::json!({
            "loss": self.loss,
            "terms": terms,
            "grad_embeddings": self.grad_embeddings,
        })
    }
}
