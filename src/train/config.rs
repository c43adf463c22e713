//! Everything that defines a run. Serialises into share links and `lab` flags; validated once.

use serde::{Deserialize, Serialize};

use crate::data::DatasetKind;
use crate::loss::LossConfig;
use crate::model::Activation;

/// A training run's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Dataset.
    pub dataset: DatasetKind,
    /// Embedding dimension `d`: 2 or 3.
    pub dim: usize,
    /// Activation of the embedding layer.
    pub activation: Activation,
    /// Loss and its parameters.
    pub loss: LossConfig,
    /// Adam learning rate. Default `1e-3`; valid `(0, 1]`.
    pub lr: f64,
    /// How the learning rate changes over the run. Default [`LrSchedule::Constant`].
    pub lr_schedule: LrSchedule,
    /// Examples per batch. Default 128; valid `1..=1024`.
    pub batch_size: usize,
    /// Epochs to train before stopping. Default 1; valid `1..=100`.
    pub epochs: usize,
    /// Stop after this many steps even if epochs remain; `0` (the default) lets the epochs
    /// decide. Valid `0..=1000000`. For short, reproducible runs (share links with `steps=`,
    /// the end-to-end tests, thumbnails); the cosine schedule spans the shorter run.
    pub max_steps: usize,
    /// Seed of weights and batch order.
    pub seed: u64,
    /// Steps between two embeddings of the test subset. Default 20; valid `1..=10000`.
    pub eval_every: usize,
    /// Test examples embedded and plotted (the first N of the test split). Default 2000;
    /// valid `1..=10000`.
    pub eval_points: usize,
    /// CIFAR-10 training batches loaded (10,000 images each; [`DatasetKind::files_for`]).
    /// Default 5; valid `1..=5`; the other datasets have a single training file.
    pub train_batches: usize,
    /// Data augmentation of the training batches ([`crate::data::Augment`]): a random crop
    /// with 4 pixels of zero padding and a horizontal flip with probability ½, on the `u8`
    /// images before normalisation, seeded by `seed`. Meant for CIFAR-10. Default off.
    pub augment: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            dataset: DatasetKind::Mnist,
            dim: 2,
            activation: Activation::Linear,
            loss: LossConfig::default(),
            lr: 1e-3,
            lr_schedule: LrSchedule::Constant,
            batch_size: 128,
            epochs: 1,
            max_steps: 0,
            seed: 1,
            eval_every: 20,
            eval_points: 2000,
            train_batches: 5,
            augment: false,
        }
    }
}

/// Learning-rate schedule over a run of `total` steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LrSchedule {
    /// `lr` throughout.
    #[default]
    Constant,
    /// Cosine decay from `lr` at step 0 to `lr / 100` at the last step:
    /// `lr · (0.01 + 0.99 · (1 + cos(π · step / total)) / 2)`. Reaches a better minimum in a
    /// short budget; used by `lab table`.
    Cosine,
}

impl LrSchedule {
    /// Every schedule, in the order the page lists them.
    pub const ALL: [Self; 2] = [Self::Constant, Self::Cosine];

    /// The id used in flags and links.
    pub fn id(self) -> &'static str {
        match self {
            Self::Constant => "constant",
            Self::Cosine => "cosine",
        }
    }

    /// The schedule with this id.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The learning rate at `step` (0-based) of a `total`-step run with base rate `lr`.
    /// Steps past `total` keep the last rate.
    pub fn lr_at(self, lr: f64, step: usize, total: usize) -> f64 {
        match self {
            Self::Constant => lr,
            Self::Cosine => {
                let t = if total <= 1 {
                    1.0
                } else {
                    (step as f64 / (total - 1) as f64).min(1.0)
                };
                lr * (0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
            }
        }
    }
}

/// What values a [`TrainConfig`] field takes: the one place its valid range lives (used by
/// [`TrainConfig::validate`], the share-link codec and the controls).
#[derive(Debug, Clone, Copy)]
pub enum FieldKind {
    /// A whole number in `min..=max`.
    Int {
        /// Smallest valid value.
        min: u64,
        /// Largest valid value.
        max: u64,
    },
    /// A finite real number in `[min, max]`, or `(min, max]` when `min_open`.
    Real {
        /// Lower bound.
        min: f64,
        /// Largest valid value.
        max: f64,
        /// Whether `min` itself is invalid.
        min_open: bool,
    },
    /// On or off.
    Bool,
    /// One of a fixed set of ids (the serde names), listed by the function.
    Choice(fn() -> Vec<&'static str>),
    /// Any value of the field's type, checked by deserialisation (written as compact JSON in
    /// share links): for structured fields.
    Json,
}

/// One field of [`TrainConfig`] (the loss, a field of its own, is described by
/// [`LossConfig::param_specs`]).
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// Serde name of the field.
    pub name: &'static str,
    /// Short key in share links (see `share`).
    pub short: &'static str,
    /// Valid values.
    pub kind: FieldKind,
}

impl FieldSpec {
    const fn new(name: &'static str, short: &'static str, kind: FieldKind) -> Self {
        Self { name, short, kind }
    }

    const fn int(name: &'static str, short: &'static str, min: u64, max: u64) -> Self {
        Self::new(name, short, FieldKind::Int { min, max })
    }

    /// Checks `value` (the field serialised as JSON) against the range.
    ///
    /// # Errors
    /// A message naming the field and the bad value.
    pub fn check(&self, value: &serde_json::Value) -> Result<(), String> {
        let name = self.name;
        match self.kind {
            FieldKind::Int { min, max } => match value.as_u64() {
                Some(v) if (min..=max).contains(&v) => Ok(()),
                _ => Err(format!("{name} must be in {min}..={max}, got {value}")),
            },
            FieldKind::Real { min, max, min_open } => {
                let ok = value.as_f64().is_some_and(|v| {
                    v.is_finite() && v <= max && (v > min || (!min_open && v == min))
                });
                let open = if min_open { '(' } else { '[' };
                if ok {
                    Ok(())
                } else {
                    Err(format!(
                        "{name} must be in {open}{min}, {max}], got {value}"
                    ))
                }
            }
            FieldKind::Bool => match value {
                serde_json::Value::Bool(_) => Ok(()),
                _ => Err(format!("{name} must be true or false, got {value}")),
            },
            FieldKind::Choice(ids) => match value.as_str() {
                Some(v) if ids().contains(&v) => Ok(()),
                _ => Err(format!(
                    "{name} must be one of {}, got {value}",
                    ids().join(", ")
                )),
            },
            FieldKind::Json => Ok(()),
        }
    }
}

fn schedule_ids() -> Vec<&'static str> {
    LrSchedule::ALL.iter().map(|s| s.id()).collect()
}

fn dataset_ids() -> Vec<&'static str> {
    DatasetKind::ALL.iter().map(|k| k.id()).collect()
}

fn activation_ids() -> Vec<&'static str> {
    Activation::ALL.iter().map(|a| a.id()).collect()
}

impl TrainConfig {
    /// Every field but `loss`, with its share-link key and valid values. Adding a field to
    /// [`TrainConfig`] is one line here (a test checks that none is missing); order is the
    /// order of share links.
    pub const FIELDS: &'static [FieldSpec] = &[
        FieldSpec::new("dataset", "ds", FieldKind::Choice(dataset_ids)),
        FieldSpec::int("dim", "d", 2, 3),
        FieldSpec::new("activation", "act", FieldKind::Choice(activation_ids)),
        FieldSpec::new(
            "lr",
            "lr",
            FieldKind::Real {
                min: 0.0,
                max: 1.0,
                min_open: true,
            },
        ),
        FieldSpec::new("lr_schedule", "sched", FieldKind::Choice(schedule_ids)),
        FieldSpec::int("batch_size", "bs", 1, 1024),
        FieldSpec::int("epochs", "ep", 1, 100),
        FieldSpec::int("max_steps", "steps", 0, 1_000_000),
        FieldSpec::int("seed", "seed", 0, u64::MAX),
        FieldSpec::int("eval_every", "ee", 1, 10_000),
        FieldSpec::int("eval_points", "np", 1, 10_000),
        FieldSpec::int("train_batches", "tb", 1, 5),
        FieldSpec::new("augment", "aug", FieldKind::Bool),
    ];

    /// The spec of field `name` (serde name or share key).
    pub fn field_spec(name: &str) -> Option<&'static FieldSpec> {
        Self::FIELDS
            .iter()
            .find(|f| f.name == name || f.short == name)
    }

    fn fields(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }

    /// The current value of field `name` (serde name), as JSON.
    pub fn field(&self, name: &str) -> Option<serde_json::Value> {
        self.fields().remove(name)
    }

    /// A copy with field `name` (serde name or share key, not `loss`) set to `value`, checked
    /// against [`Self::FIELDS`].
    ///
    /// # Errors
    /// An unknown field, or a value outside its range or of the wrong type; the message names
    /// the field and the value.
    pub fn with_field(&self, name: &str, value: serde_json::Value) -> Result<Self, String> {
        let spec = Self::field_spec(name).ok_or_else(|| format!("no field '{name}'"))?;
        spec.check(&value)?;
        let mut m = self.fields();
        m.insert(spec.name.to_string(), value.clone());
        serde_json::from_value(serde_json::Value::Object(m))
            .map_err(|e| format!("{} = {value}: {e}", spec.name))
    }

    /// [`Self::with_field`] from text a person typed (a number control): a number is read as
    /// a JSON number (`64`, `-1`, `1e-3`), anything else is checked as the text itself, so the
    /// message always shows what was typed.
    ///
    /// # Errors
    /// As [`Self::with_field`]: the message names the field, its range and the value.
    pub fn with_field_text(&self, name: &str, text: &str) -> Result<Self, String> {
        let text = text.trim();
        let value = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .filter(serde_json::Value::is_number)
            .unwrap_or_else(|| serde_json::Value::from(text));
        self.with_field(name, value)
    }

    /// Checks every field against [`Self::FIELDS`], then the loss.
    ///
    /// # Errors
    /// The first invalid field.
    pub fn validate(&self) -> Result<(), String> {
        let m = self.fields();
        for spec in Self::FIELDS {
            spec.check(m.get(spec.name).unwrap_or(&serde_json::Value::Null))?;
        }
        self.loss.validate()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cosine_runs_from_lr_to_a_hundredth() {
        use super::LrSchedule;
        let s = LrSchedule::Cosine;
        assert!((s.lr_at(1e-3, 0, 101) - 1e-3).abs() < 1e-15);
        // Halfway: cos(π/2) = 0 → 0.01 + 0.99 · 0.5 = 0.505.
        assert!((s.lr_at(1e-3, 50, 101) - 0.505e-3).abs() < 1e-15);
        assert!((s.lr_at(1e-3, 100, 101) - 1e-5).abs() < 1e-15);
        assert!((s.lr_at(1e-3, 500, 101) - 1e-5).abs() < 1e-15);
        assert_eq!(LrSchedule::Constant.lr_at(2e-3, 77, 100), 2e-3);
        for s in LrSchedule::ALL {
            assert_eq!(LrSchedule::from_id(s.id()), Some(s));
        }
    }

    use super::*;

    #[test]
    fn the_fields_table_covers_every_field_once() {
        let m = TrainConfig::default().fields();
        for key in m.keys().filter(|k| *k != "loss") {
            assert!(
                TrainConfig::FIELDS.iter().any(|f| f.name == key),
                "TrainConfig::{key} has no line in TrainConfig::FIELDS"
            );
        }
        for (i, f) in TrainConfig::FIELDS.iter().enumerate() {
            assert!(m.contains_key(f.name), "{} is not a field", f.name);
            for g in &TrainConfig::FIELDS[i + 1..] {
                assert!(f.name != g.name && f.short != g.short && f.short != g.name);
            }
        }
        TrainConfig::default().validate().unwrap();
    }

    #[test]
    fn validate_names_the_field_and_value() {
        let c = TrainConfig {
            dim: 7,
            ..TrainConfig::default()
        };
        let e = c.validate().unwrap_err();
        assert!(e.contains("dim") && e.contains('7'), "{e}");
        for lr in [0.0, -1.0, 1.5, f64::NAN] {
            let c = TrainConfig {
                lr,
                ..TrainConfig::default()
            };
            assert!(c.validate().unwrap_err().contains("lr"), "{lr}");
        }
        let c = TrainConfig {
            lr: 1.0,
            ..TrainConfig::default()
        };
        c.validate().unwrap();
        let d = TrainConfig::default();
        assert_eq!(
            d.with_field("bs", serde_json::json!(64))
                .unwrap()
                .batch_size,
            64
        );
        assert!(d.with_field("batch_size", serde_json::json!(0)).is_err());
        assert!(d.with_field("act", serde_json::json!("relu")).is_ok());
        assert!(d.with_field("act", serde_json::json!("gelu")).is_err());
        assert!(d.with_field("loss", serde_json::json!("softmax")).is_err());
        assert_eq!(
            d.with_field("steps", serde_json::json!(20))
                .unwrap()
                .max_steps,
            20
        );
        assert!(d.with_field("steps", serde_json::json!(-1)).is_err());
    }

    #[test]
    fn typed_text_is_checked_against_the_fields_table() {
        let d = TrainConfig::default();
        assert_eq!(
            d.with_field_text("batch_size", " 64 ").unwrap().batch_size,
            64
        );
        assert_eq!(d.with_field_text("lr", "1e-3").unwrap().lr, 1e-3);
        assert_eq!(d.with_field_text("lr", "1").unwrap().lr, 1.0);
        assert_eq!(d.with_field_text("ep", "100").unwrap().epochs, 100);
        assert_eq!(
            d.with_field_text("seed", "18446744073709551615")
                .unwrap()
                .seed,
            u64::MAX
        );
        for (name, text, shown) in [
            (
                "batch_size",
                "5000",
                "batch_size must be in 1..=1024, got 5000",
            ),
            ("batch_size", "0", "got 0"),
            ("batch_size", "-1", "got -1"),
            ("batch_size", "12.5", "got 12.5"),
            ("epochs", "101", "epochs must be in 1..=100, got 101"),
            ("lr", "0", "lr must be in (0, 1], got 0"),
            ("lr", "2", "got 2"),
            ("lr", "NaN", "got \"NaN\""),
            ("lr", "abc", "got \"abc\""),
            ("seed", "", "seed must be in 0..="),
        ] {
            let e = d.with_field_text(name, text).unwrap_err();
            assert!(e.contains(shown), "{name}={text}: {e}");
        }
    }
}
