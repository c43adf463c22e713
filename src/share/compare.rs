//! Side-by-side runs: `compare=KEY:V1,V2[,V3[,V4]]` varies exactly one setting (a share key
//! of [`TrainConfig::FIELDS`], `loss`, or a parameter of the link's loss) over 2 to 4 values;
//! every other setting is the link's. Compared losses run with their default parameters, except
//! the link's own loss, which keeps the link's. Examples: `compare=loss:softmax,normface,arcface`,
//! `compare=d:2,3`, `compare=seed:1,2,3`, `compare=margin_rad:0.1,0.3` (with `loss=arcface`).

use super::settings::Setting;
use super::{Correction, CorrectionKind};
use crate::train::TrainConfig;

/// Fewest runs compared.
pub const MIN_RUNS: usize = 2;
/// Most runs compared.
pub const MAX_RUNS: usize = 4;

/// Runs that differ in one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compare {
    /// The setting's share key (`d`, `loss`, `lr`, `margin_rad`, …).
    pub key: String,
    /// Its value in each run, as written in links (validated, distinct, 2 to 4).
    pub values: Vec<String>,
}

impl Compare {
    /// The runs: `base` with [`Self::key`] set to each value. A value that does not apply to
    /// `base` (a hand-built `Compare`) is skipped; an unknown key gives `[base]`.
    pub fn runs(&self, base: &TrainConfig) -> Vec<TrainConfig> {
        let Some(setting) = Setting::resolve(&self.key, &base.loss) else {
            return vec![base.clone()];
        };
        self.values
            .iter()
            .filter_map(|v| setting.apply(base, v).ok().map(|(c, _)| c))
            .collect()
    }

    /// The link text, `KEY:V1,V2,…`.
    pub fn text(&self) -> String {
        format!("{}:{}", self.key, self.values.join(","))
    }

    /// Reads `text` against `base`; per-value problems go to `fix` (key `compare`).
    ///
    /// # Errors
    /// Why nothing can be compared (no run comparison then).
    pub fn parse(
        text: &str,
        base: &TrainConfig,
        fix: &mut Vec<Correction>,
    ) -> Result<Self, String> {
        let (key, list) = text
            .split_once(':')
            .ok_or("expected KEY:VALUE,VALUE such as loss:softmax,arcface")?;
        let key = key.trim();
        if key.contains(',') || list.contains(':') || list.contains(';') {
            return Err("a comparison varies exactly one setting".into());
        }
        let setting = Setting::resolve(key, &base.loss).ok_or_else(|| {
            format!(
                "'{key}' is not a setting of this link (a field, loss, or a parameter of the loss)"
            )
        })?;
        let mut values: Vec<String> = Vec::new();
        for given in list.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            match setting.apply(base, given) {
                Ok((c, why)) => {
                    let used = setting.text(&c);
                    if values.contains(&used) {
                        fix.push(Correction::ignored(
                            "compare",
                            given,
                            format!("{} {used} is already compared", setting.key()),
                        ));
                        continue;
                    }
                    if values.len() == MAX_RUNS {
                        fix.push(Correction::ignored(
                            "compare",
                            given,
                            format!("at most {MAX_RUNS} runs are compared"),
                        ));
                        continue;
                    }
                    if let Some(why) = why {
                        fix.push(Correction::new(
                            "compare",
                            given,
                            Some(used.clone()),
                            CorrectionKind::Adjusted,
                            format!("{}: {why}", setting.key()),
                        ));
                    }
                    values.push(used);
                }
                Err(why) => fix.push(Correction::ignored(
                    "compare",
                    given,
                    format!("{}: {why}", setting.key()),
                )),
            }
        }
        if values.len() < MIN_RUNS {
            return Err(format!(
                "needs {MIN_RUNS} to {MAX_RUNS} different valid values of {}",
                setting.key()
            ));
        }
        Ok(Self {
            key: setting.key().to_string(),
            values,
        })
    }
}
