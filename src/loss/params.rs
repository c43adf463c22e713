//! A description of every loss parameter (label, unit, valid range) so a UI can draw one control
//! per parameter without knowing any loss, and change a value with validation in the core.

use serde_json::{Map, Value};

use super::LossConfig;

/// What kind of control a parameter needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamKind {
    /// A real number in `[min, max]`, changed in steps of `step`.
    Number {
        /// Smallest valid value.
        min: f64,
        /// Largest valid value.
        max: f64,
        /// Control step.
        step: f64,
    },
    /// A whole number in `[min, max]`.
    Integer {
        /// Smallest valid value.
        min: i64,
        /// Largest valid value.
        max: i64,
    },
    /// On or off.
    Bool,
    /// One of a fixed set of names.
    Choice(&'static [&'static str]),
}

/// One parameter of a loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    /// Field name, as in shared/LOSSES.md and the serialised config.
    pub name: &'static str,
    /// Human label.
    pub label: &'static str,
    /// Unit (empty when dimensionless).
    pub unit: &'static str,
    /// Control kind and range.
    pub kind: ParamKind,
}

const fn num(
    name: &'static str,
    label: &'static str,
    unit: &'static str,
    min: f64,
    max: f64,
    step: f64,
) -> ParamSpec {
    ParamSpec {
        name,
        label,
        unit,
        kind: ParamKind::Number { min, max, step },
    }
}

const fn flag(name: &'static str, label: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        label,
        unit: "",
        kind: ParamKind::Bool,
    }
}

impl LossConfig {
    /// Human title of the loss.
    pub fn title(&self) -> &'static str {
        match self.id() {
            "softmax" => "Softmax",
            "normface" => "Normalized softmax (NormFace)",
            "sphereface" => "SphereFace (A-Softmax)",
            "cosface" => "CosFace (LMCL)",
            "arcface" => "ArcFace",
            "center" => "Center loss",
            "contrastive" => "Contrastive",
            "triplet" => "Triplet",
            _ => "Regression to fixed targets",
        }
    }

    /// The parameters a user can set, with their ranges.
    pub fn param_specs(&self) -> Vec<ParamSpec> {
        match self.id() {
            "softmax" => vec![flag("bias", "Classifier bias")],
            "normface" => vec![
                num("scale", "Scale s", "", 0.5, 64.0, 0.5),
                flag("normalize_weights", "Normalize weights"),
                flag("normalize_features", "Normalize features"),
            ],
            "sphereface" => vec![
                ParamSpec {
                    name: "margin",
                    label: "Angular margin m",
                    unit: "× angle",
                    kind: ParamKind::Integer { min: 1, max: 4 },
                },
                num("lambda_base", "Annealing λ start", "", 0.0, 10_000.0, 10.0),
                num("lambda_min", "Annealing λ floor", "", 0.0, 1000.0, 1.0),
                num("gamma", "Annealing γ", "per step", 0.0, 10.0, 0.01),
            ],
            "cosface" => vec![
                num("scale", "Scale s", "", 0.5, 64.0, 0.5),
                num("margin", "Cosine margin m", "cosine", 0.0, 1.0, 0.05),
            ],
            "arcface" => vec![
                num("scale", "Scale s", "", 0.5, 64.0, 0.5),
                num("margin_rad", "Angular margin m", "rad", 0.0, 1.5, 0.05),
            ],
            "center" => vec![
                num("lambda", "Center weight λ", "", 0.0, 10.0, 0.01),
                num("alpha", "Center rate α", "", 0.0, 1.0, 0.05),
                flag("bias", "Classifier bias"),
            ],
            "contrastive" => vec![
                num("margin", "Margin m", "distance", 0.0, 20.0, 0.1),
                flag("normalize", "Normalize features"),
            ],
            "triplet" => vec![
                num("margin", "Margin m", "distance", 0.0, 20.0, 0.1),
                ParamSpec {
                    name: "mining",
                    label: "Mining",
                    unit: "",
                    kind: ParamKind::Choice(&["all", "hard", "semihard"]),
                },
            ],
            _ => vec![num(
                "radius",
                "Target radius r",
                "distance",
                0.1,
                100.0,
                0.1,
            )],
        }
    }

    fn fields(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }

    /// The current value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<Value> {
        self.fields().get(name).cloned()
    }

    /// A copy with parameter `name` set to `value`, validated.
    ///
    /// # Errors
    /// An unknown parameter, a value of the wrong type, or one outside its valid range; the
    /// message names the parameter and the value.
    pub fn with_param(&self, name: &str, value: Value) -> Result<Self, String> {
        if name == "name" || !self.param_specs().iter().any(|s| s.name == name) {
            return Err(format!("{} has no parameter '{name}'", self.id()));
        }
        if let (Some(spec), Some(x)) = (
            self.param_specs().iter().find(|s| s.name == name),
            value.as_f64(),
        ) && let ParamKind::Number { min, max, .. } = spec.kind
            && !(min..=max).contains(&x)
        {
            return Err(format!("{name} must be in [{min}, {max}], got {x}"));
        }
        let mut m = self.fields();
        m.insert(name.to_string(), value.clone());
        let c: Self = serde_json::from_value(Value::Object(m))
            .map_err(|e| format!("{name} = {value}: {e}"))?;
        c.validate()?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_loss_has_defaults_and_settable_params() {
        for name in LossConfig::IDS {
            let c = LossConfig::default_for(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(c.id(), name);
            for spec in c.param_specs() {
                let v = c
                    .param(spec.name)
                    .unwrap_or_else(|| panic!("{name}.{}", spec.name));
                // Setting a parameter to its own value is a no-op.
                assert_eq!(
                    c.with_param(spec.name, v).unwrap(),
                    c,
                    "{name}.{}",
                    spec.name
                );
            }
        }
        assert!(LossConfig::default_for("nonsense").is_none());
    }

    #[test]
    fn bad_values_are_refused_with_the_value_in_the_message() {
        let arc = LossConfig::default_for("arcface").unwrap();
        let e = arc
            .with_param("scale", serde_json::json!(-3.0))
            .unwrap_err();
        assert!(e.contains("scale") && e.contains("-3"), "{e}");
        let ok = arc
            .with_param("margin_rad", serde_json::json!(0.3))
            .unwrap();
        assert_eq!(ok.param("margin_rad"), Some(serde_json::json!(0.3)));
        assert!(arc.with_param("bogus", serde_json::json!(1)).is_err());
        let sphere = LossConfig::default_for("sphereface").unwrap();
        assert!(sphere.with_param("margin", serde_json::json!(7)).is_err());
        let trip = LossConfig::default_for("triplet").unwrap();
        assert!(
            trip.with_param("mining", serde_json::json!("easy"))
                .is_err()
        );
        assert!(
            trip.with_param("mining", serde_json::json!("semihard"))
                .is_ok()
        );
    }
}
