//! One setting of a [`TrainConfig`] addressed by its share key: a field of
//! [`TrainConfig::FIELDS`], the loss, or a parameter of the current loss. Reading a value
//! checks it against the schemas (the fields table, the loss's [`ParamSpec`]s, then the
//! configs' own `validate`), clamps what has a meaningful nearest value, and refuses the rest.
//! Used both for the link's own keys and for the values of `compare`.

use serde_json::Value;

use super::query::{fmt_bool, fmt_f64, parse_bool, parse_f64, parse_int};
use crate::loss::{LossConfig, ParamKind, ParamSpec};
use crate::train::{FieldKind, FieldSpec, TrainConfig};

/// A value read: the value, and why it was changed when it was (clamped into range).
pub type Parsed<T> = Result<(T, Option<String>), String>;

/// A setting of the run.
#[derive(Debug, Clone)]
pub enum Setting {
    /// A field of [`TrainConfig::FIELDS`].
    Field(&'static FieldSpec),
    /// Which loss (its parameters at their defaults when it changes).
    Loss,
    /// A parameter of the current loss, by its serde name.
    Param(String),
}

impl Setting {
    /// The setting named `key` (share key, field name, `loss`, or a parameter of `loss`).
    pub fn resolve(key: &str, loss: &LossConfig) -> Option<Self> {
        if key == "loss" {
            Some(Self::Loss)
        } else if let Some(f) = TrainConfig::field_spec(key) {
            Some(Self::Field(f))
        } else if param_names(loss).iter().any(|p| p == key) {
            Some(Self::Param(key.to_string()))
        } else {
            None
        }
    }

    /// Its key in links.
    pub fn key(&self) -> &str {
        match self {
            Self::Field(f) => f.short,
            Self::Loss => "loss",
            Self::Param(p) => p,
        }
    }

    /// Its value in `c`, as written in links.
    pub fn text(&self, c: &TrainConfig) -> String {
        match self {
            Self::Field(f) => {
                let v = c.field(f.name).unwrap_or(Value::Null);
                match f.kind {
                    FieldKind::Json => v.to_string(),
                    _ => value_text(&v),
                }
            }
            Self::Loss => c.loss.id().to_string(),
            Self::Param(p) => value_text(&c.loss.param(p).unwrap_or(Value::Null)),
        }
    }

    /// `c` with this setting read from `text` (trimmed by the caller).
    ///
    /// # Errors
    /// Why the text was refused (the caller keeps the default).
    pub fn apply(&self, c: &TrainConfig, text: &str) -> Parsed<TrainConfig> {
        match self {
            Self::Field(f) => {
                let (value, why) = field_value(f, text)?;
                let c = c.with_field(f.name, value)?;
                Ok((c, why))
            }
            Self::Loss => {
                let id = text.to_ascii_lowercase();
                let loss = if id == c.loss.id() {
                    c.loss.clone()
                } else {
                    LossConfig::default_for(&id).ok_or_else(|| {
                        format!(
                            "unknown loss, expected one of {}",
                            LossConfig::IDS.join(", ")
                        )
                    })?
                };
                Ok((TrainConfig { loss, ..c.clone() }, None))
            }
            Self::Param(name) => {
                let spec = c.loss.param_specs().into_iter().find(|s| s.name == name);
                let current = c.loss.param(name).unwrap_or(Value::Null);
                let (value, why) = param_value(spec, &current, text)?;
                let loss = match spec {
                    Some(_) => c.loss.with_param(name, value)?,
                    None => {
                        let mut one = serde_json::Map::new();
                        one.insert(name.clone(), value);
                        LossConfig::with_params(
                            c.loss.id(),
                            Some(c.loss.clone()),
                            &Value::Object(one),
                        )?
                    }
                };
                Ok((TrainConfig { loss, ..c.clone() }, why))
            }
        }
    }
}

/// Every parameter of `loss`: those of its [`ParamSpec`]s first (in their order), then any
/// other serialised field (settable by `lab`, not by a control).
pub fn param_names(loss: &LossConfig) -> Vec<String> {
    let mut names: Vec<String> = loss
        .param_specs()
        .iter()
        .map(|s| s.name.to_string())
        .collect();
    if let Value::Object(m) = loss.params() {
        for k in m.keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    names
}

/// A JSON scalar as link text: flags `1`/`0`, numbers shortest, strings as they are.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Bool(b) => fmt_bool(*b),
        Value::Number(n) if n.is_f64() => n.as_f64().map_or_else(|| n.to_string(), fmt_f64),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn real(x: f64) -> Result<Value, String> {
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .ok_or_else(|| "not a finite number".to_string())
}

fn clamp_int(v: i128, min: i128, max: i128) -> (i128, Option<String>) {
    let c = v.clamp(min, max);
    let why = (c != v).then(|| format!("out of range {min}..={max}"));
    (c, why)
}

fn choice(text: &str, ids: &[&str]) -> Result<Value, String> {
    let id = text.to_ascii_lowercase();
    if ids.contains(&id.as_str()) {
        Ok(Value::from(id))
    } else {
        Err(format!("expected one of {}", ids.join(", ")))
    }
}

fn field_value(f: &FieldSpec, text: &str) -> Parsed<Value> {
    Ok(match f.kind {
        FieldKind::Int { min, max } => {
            let (v, why) = clamp_int(parse_int(text)?, i128::from(min), i128::from(max));
            (Value::from(u64::try_from(v).unwrap_or(min)), why)
        }
        FieldKind::Real { min, max, min_open } => {
            let x = parse_f64(text)?;
            let range = format!("{}{min}, {max}]", if min_open { '(' } else { '[' });
            if x > max {
                (real(max)?, Some(format!("out of range {range}")))
            } else if x < min || (min_open && x == min) {
                if min_open {
                    return Err(format!("out of range {range}"));
                }
                (real(min)?, Some(format!("out of range {range}")))
            } else {
                (real(x)?, None)
            }
        }
        FieldKind::Bool => (Value::from(parse_bool(text)?), None),
        FieldKind::Choice(ids) => (choice(text, &ids())?, None),
        FieldKind::Json => (
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?,
            None,
        ),
    })
}

fn param_value(spec: Option<ParamSpec>, current: &Value, text: &str) -> Parsed<Value> {
    Ok(match spec.map(|s| s.kind) {
        Some(ParamKind::Number { min, max, .. }) => {
            let x = parse_f64(text)?;
            let c = x.clamp(min, max);
            let why = (c != x).then(|| format!("out of range [{min}, {max}]"));
            (real(c)?, why)
        }
        Some(ParamKind::Integer { min, max }) => {
            let (v, why) = clamp_int(parse_int(text)?, i128::from(min), i128::from(max));
            (Value::from(i64::try_from(v).unwrap_or(min)), why)
        }
        Some(ParamKind::Bool) => (Value::from(parse_bool(text)?), None),
        Some(ParamKind::Choice(ids)) => (choice(text, ids)?, None),
        // Not in the schema: typed like the current value, checked by the loss's `validate`.
        None => match current {
            Value::Bool(_) => (Value::from(parse_bool(text)?), None),
            Value::Number(n) if !n.is_f64() => {
                let v = i64::try_from(parse_int(text)?).map_err(|_| "out of range")?;
                (Value::from(v), None)
            }
            Value::Null if text == "null" => (Value::Null, None),
            Value::Number(_) | Value::Null => (real(parse_f64(text)?)?, None),
            Value::String(_) => (Value::from(text), None),
            _ => (
                serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?,
                None,
            ),
        },
    })
}
