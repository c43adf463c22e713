//! Link versions. Every link written carries `v=` [`VERSION`]; a link without `v` is version 0,
//! the links of before share links (the page read only `backend=`; hand-written links also
//! used the aliases below). Reading a link first upgrades its pairs, one step per version,
//! to the current version's keys and meanings; only then are they read.
//!
//! # Making version 2
//! Links omit values equal to the defaults, so a link means "the defaults of its version, plus
//! these values". When version 2 renames a key, changes a unit, or changes a default (of
//! [`TrainConfig`], a loss, or the view), bump [`VERSION`] to 2 and
//! append a step `v1_to_v2` to [`MIGRATIONS`] that rewrites version-1 pairs into version-2
//! pairs: rename the key, convert the value, and for a changed default insert the old default
//! explicitly when the key is absent (for instance `lr=0.001` if v2's default learning rate
//! were different), so every version-1 link keeps its meaning. Never edit a step once
//! released; the tests keep a decoded link of every version.

use super::query::Pairs;
use super::settings::{Setting, param_names};
use super::{Correction, CorrectionKind};
use crate::loss::LossConfig;
use crate::train::TrainConfig;

/// The version written by [`super::encode`].
pub const VERSION: u32 = 1;

/// One upgrade step: pairs of version `n` → pairs of version `n + 1`.
pub type Step = fn(Pairs) -> Pairs;

/// `MIGRATIONS[n]` upgrades version `n` to `n + 1`.
pub const MIGRATIONS: [Step; VERSION as usize] = [v0_to_v1];

/// Takes `v` out of `pairs` and upgrades the rest to [`VERSION`]. Returns the link's version.
pub fn read(pairs: Pairs, fix: &mut Vec<Correction>) -> (u32, Pairs) {
    let mut given: Option<String> = None;
    let mut rest = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        if k != "v" {
            rest.push((k, v));
        } else if given.is_none() {
            given = Some(v);
        } else {
            fix.push(Correction::ignored(
                "v",
                &v,
                "given more than once: the first is used".into(),
            ));
        }
    }
    let version = match given {
        None => 0,
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if n <= VERSION => n,
            Ok(n) => {
                fix.push(Correction::new(
                    "v",
                    &v,
                    Some(VERSION.to_string()),
                    CorrectionKind::Adjusted,
                    format!(
                        "made by a newer version of the page ({n}): read as version {VERSION}, \
                         settings it does not know are ignored"
                    ),
                ));
                VERSION
            }
            Err(_) => {
                fix.push(Correction::new(
                    "v",
                    &v,
                    Some(VERSION.to_string()),
                    CorrectionKind::Invalid,
                    format!("not a version number: read as version {VERSION}"),
                ));
                VERSION
            }
        },
    };
    (version, migrate(version, rest, &MIGRATIONS))
}

/// Applies `steps[from..]` in order.
pub fn migrate(from: u32, mut pairs: Pairs, steps: &[Step]) -> Pairs {
    for step in steps.iter().skip(from as usize) {
        pairs = step(pairs);
    }
    pairs
}

/// Keys of version 0 and their version-1 names (version 1 also reads the long field names,
/// `dim`, `batch_size`, …, as aliases).
pub const V0_KEYS: [(&str, &str); 6] = [
    ("dataset", "ds"),
    ("dim", "d"),
    ("activation", "act"),
    ("batch", "bs"),
    ("batch_size", "bs"),
    ("epochs", "ep"),
];

/// Version 0 → 1: renames the [`V0_KEYS`]; `backend=gpu|wgpu` becomes `webgpu`; and `loss=X`,
/// which in version 0 meant what choosing X in the page does (its known-good preset, learning
/// rate included), becomes `loss=X` plus the preset's parameters and `lr`, where not given.
fn v0_to_v1(pairs: Pairs) -> Pairs {
    let mut out: Pairs = pairs
        .into_iter()
        .map(|(k, v)| {
            let k = V0_KEYS
                .iter()
                .find(|(old, _)| *old == k)
                .map_or(k, |(_, new)| (*new).to_string());
            let v = match (k.as_str(), v.as_str()) {
                ("backend", "gpu" | "wgpu") => "webgpu".to_string(),
                _ => v,
            };
            (k, v)
        })
        .collect();
    let loss = out
        .iter()
        .find(|(k, _)| k == "loss")
        .map(|(_, v)| v.trim().to_ascii_lowercase());
    if let Some((preset, lr)) = loss.as_deref().and_then(LossConfig::preset) {
        let defaults = LossConfig::default_for(preset.id()).unwrap_or_default();
        let c = TrainConfig {
            loss: preset.clone(),
            lr,
            ..TrainConfig::default()
        };
        let mut extra: Pairs = param_names(&preset)
            .into_iter()
            .filter(|p| preset.param(p) != defaults.param(p))
            .map(|p| {
                let text = Setting::Param(p.clone()).text(&c);
                (p, text)
            })
            .collect();
        extra.push(("lr".into(), super::query::fmt_f64(lr)));
        extra.retain(|(k, _)| !out.iter().any(|(o, _)| o == k));
        out.extend(extra);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &[(&str, &str)]) -> Pairs {
        s.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn steps_apply_in_order_from_the_link_version() {
        fn a(mut p: Pairs) -> Pairs {
            p.push(("a".into(), String::new()));
            p
        }
        fn b(mut p: Pairs) -> Pairs {
            p.push(("b".into(), String::new()));
            p
        }
        let steps: [Step; 2] = [a, b];
        let keys = |from| {
            migrate(from, Pairs::new(), &steps)
                .into_iter()
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(0), ["a", "b"]);
        assert_eq!(keys(1), ["b"]);
        assert!(keys(2).is_empty());
    }

    #[test]
    fn v0_loss_means_its_preset() {
        let p = v0_to_v1(pairs(&[
            ("loss", "arcface"),
            ("dim", "3"),
            ("backend", "gpu"),
        ]));
        assert_eq!(
            p,
            pairs(&[
                ("loss", "arcface"),
                ("d", "3"),
                ("backend", "webgpu"),
                ("margin_rad", "0.1"),
                ("lr", "0.002"),
            ])
        );
        let p = v0_to_v1(pairs(&[("loss", "arcface"), ("lr", "0.01")]));
        assert_eq!(
            p,
            pairs(&[("loss", "arcface"), ("lr", "0.01"), ("margin_rad", "0.1")])
        );
    }
}
