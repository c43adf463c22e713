//! Regression to fixed class targets (shared/LOSSES.md #9).
//!
//! ```text
//! L = mean_i ‖z_i − t_{y_i}‖²
//! ```
//!
//! The targets `t_j` are fixed (not trained); the decision is the nearest target. Default
//! targets ([`default_targets`]), all at distance `r` from the origin:
//! - `d = 2`: `C` points evenly on the circle, `t_j = r (cos 2πj/C, sin 2πj/C)`;
//! - `d ≥ C − 1` (and `d ≥ 3`): the vertices of a regular simplex centred at the origin
//!   (for `d = 3` and `C ≤ 4` this is also the max-min-distance arrangement on the sphere);
//! - otherwise (`d = 3` with `C > 4`, or any `3 ≤ d < C − 1`): `C` points spread on the
//!   sphere of radius `r` by maximising the minimum pairwise distance, approximately, with a
//!   deterministic repulsion (Fibonacci-sphere start in 3-D).
//!
//! A user-edited table is given with [`RegressionLoss::from_targets`].
//!
//! Parameters:
//! - `radius` (`r`, embedding-space distance, default `4`): must be `> 0`. (shared/LOSSES.md
//!   names no parameter for regression but gives `r` a default; it is exposed here.)

use std::f64::consts::PI;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::distance::squared_distances;
use super::normface::check_positive;
use super::{LossOutput, Targets};

/// Parameters of the regression loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegressionConfig {
    /// Radius `r` of the default targets. Default `4`.
    pub radius: f64,
}

impl Default for RegressionConfig {
    fn default() -> Self {
        Self { radius: 4.0 }
    }
}

impl RegressionConfig {
    /// Checks `radius > 0`.
    ///
    /// # Errors
    /// A message naming the parameter and the bad value.
    pub fn validate(&self) -> Result<(), String> {
        check_positive("regression radius", self.radius)
    }

    /// The loss with the default targets.
    pub fn init(&self, embed_dim: usize, classes: usize, device: &Device) -> RegressionLoss {
        let t = default_targets(embed_dim, classes, self.radius);
        let t: Vec<f32> = t.into_iter().map(|v| v as f32).collect();
        RegressionLoss {
            targets: Tensor::from_data(TensorData::new(t, [classes, embed_dim]), device),
        }
    }
}

/// Regression with its fixed targets.
#[derive(Module, Debug)]
pub struct RegressionLoss {
    /// Targets `t_j`, one row per class (`[classes, d]`); not trained.
    pub targets: Tensor<2>,
}

impl RegressionLoss {
    /// The loss with given targets `[classes, d]` (a user-edited table).
    pub fn from_targets(_c: &RegressionConfig, targets: Tensor<2>) -> Self {
        Self { targets }
    }

    /// Scores `−‖z_i − t_j‖²` (nearest target wins).
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]` → `[batch, classes]`
    pub fn scores(&self, embeddings: Tensor<2>) -> Tensor<2> {
        squared_distances(embeddings, self.targets.clone().detach()).neg()
    }

    /// Mean squared distance to the own target.
    ///
    /// # Shapes
    /// - `embeddings`: `[batch, d]`
    pub fn forward(&self, embeddings: Tensor<2>, targets: &Targets) -> LossOutput {
        let n = embeddings.dims()[0] as f64;
        let own = targets
            .one_hot
            .clone()
            .matmul(self.targets.clone().detach());
        let total = (embeddings.clone() - own)
            .powi_scalar(2)
            .sum()
            .div_scalar(n);
        LossOutput {
            total,
            terms: Vec::new(),
            scores: self.scores(embeddings),
        }
    }
}

/// The default targets, `classes × dim` row-major (see the module doc).
pub fn default_targets(dim: usize, classes: usize, radius: f64) -> Vec<f64> {
    if dim == 0 || classes == 0 {
        return Vec::new();
    }
    if classes == 1 {
        let mut t = vec![0.0; dim];
        t[0] = radius;
        return t;
    }
    if dim == 1 {
        // Evenly spaced on [−r, r].
        return (0..classes)
            .map(|j| radius * (2.0 * j as f64 / (classes - 1) as f64 - 1.0))
            .collect();
    }
    if dim == 2 {
        let mut t = Vec::with_capacity(classes * 2);
        for j in 0..classes {
            let a = 2.0 * PI * j as f64 / classes as f64;
            t.extend([radius * a.cos(), radius * a.sin()]);
        }
        return t;
    }
    if dim + 1 >= classes {
        return simplex(dim, classes, radius);
    }
    spread_on_sphere(dim, classes, radius)
}

/// Vertices of a regular simplex with `classes` vertices at distance `radius` from the origin,
/// in the first `classes − 1` coordinates of `R^dim` (`dim ≥ classes − 1`).
fn simplex(dim: usize, classes: usize, radius: f64) -> Vec<f64> {
    let c = classes;
    // v_j = e_j − (1/C)·1 in R^C span a (C−1)-dimensional subspace; express them in an
    // orthonormal basis of it (Gram–Schmidt on v_0..v_{C−2}).
    let v = |j: usize| -> Vec<f64> {
        (0..c)
            .map(|i| if i == j { 1.0 } else { 0.0 } - 1.0 / c as f64)
            .collect()
    };
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for j in 0..c - 1 {
        let mut u = v(j);
        for b in &basis {
            let p: f64 = u.iter().zip(b).map(|(x, y)| x * y).sum();
            u.iter_mut().zip(b).for_each(|(x, y)| *x -= p * y);
        }
        let n = u.iter().map(|x| x * x).sum::<f64>().sqrt();
        basis.push(u.into_iter().map(|x| x / n).collect());
    }
    let scale = radius / (1.0 - 1.0 / c as f64).sqrt();
    let mut t = vec![0.0; c * dim];
    for j in 0..c {
        let vj = v(j);
        for (k, b) in basis.iter().enumerate() {
            t[j * dim + k] = scale * vj.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        }
    }
    t
}

/// `classes` points on the sphere of radius `radius` in `R^dim` with a large minimum pairwise
/// distance: a deterministic start, then projected steps of a steep repulsion energy
/// `Σ 1/‖x_i − x_j‖^12`, which approaches the max-min arrangement.
fn spread_on_sphere(dim: usize, classes: usize, radius: f64) -> Vec<f64> {
    let c = classes;
    let mut x = vec![0.0; c * dim];
    let golden = PI * (3.0 - 5f64.sqrt());
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for j in 0..c {
        let p = &mut x[j * dim..(j + 1) * dim];
        if dim == 3 {
            let y = 1.0 - 2.0 * (j as f64 + 0.5) / c as f64;
            let r = (1.0 - y * y).sqrt();
            let a = golden * j as f64;
            p.copy_from_slice(&[r * a.cos(), y, r * a.sin()]);
        } else {
            for v in p.iter_mut() {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                *v = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            }
        }
        normalize(p);
    }
    let power = 12.0;
    for iter in 0..2000 {
        let step = 0.05 / (1.0 + iter as f64 / 200.0);
        let mut force = vec![0.0; c * dim];
        for i in 0..c {
            for j in 0..c {
                if i == j {
                    continue;
                }
                let diff: Vec<f64> = (0..dim).map(|k| x[i * dim + k] - x[j * dim + k]).collect();
                let d2 = diff.iter().map(|v| v * v).sum::<f64>().max(1e-12);
                let f = d2.powf(-(power + 2.0) / 2.0);
                for k in 0..dim {
                    force[i * dim + k] += f * diff[k];
                }
            }
        }
        for i in 0..c {
            let f = &force[i * dim..(i + 1) * dim];
            let n = f.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
            for k in 0..dim {
                x[i * dim + k] += step * f[k] / n;
            }
            normalize(&mut x[i * dim..(i + 1) * dim]);
        }
    }
    x.iter_mut().for_each(|v| *v *= radius);
    x
}

fn normalize(p: &mut [f64]) {
    let n = p.iter().map(|v| v * v).sum::<f64>().sqrt();
    if n > 0.0 {
        p.iter_mut().for_each(|v| *v /= n);
    } else if let Some(first) = p.first_mut() {
        *first = 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn min_dist(t: &[f64], dim: usize) -> f64 {
        let c = t.len() / dim;
        let mut m = f64::INFINITY;
        for i in 0..c {
            for j in i + 1..c {
                let d: f64 = (0..dim)
                    .map(|k| (t[i * dim + k] - t[j * dim + k]).powi(2))
                    .sum::<f64>()
                    .sqrt();
                m = m.min(d);
            }
        }
        m
    }

    fn norms_are(t: &[f64], dim: usize, r: f64) {
        for p in t.chunks(dim) {
            let n = p.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!((n - r).abs() < 1e-9, "norm {n} ≠ {r}");
        }
    }

    #[test]
    fn circle_simplex_and_sphere() {
        let t = default_targets(2, 10, 4.0);
        norms_are(&t, 2, 4.0);
        assert!((min_dist(&t, 2) - 8.0 * (PI / 10.0).sin()).abs() < 1e-9);
        // Regular simplex: every pairwise distance r·sqrt(2C/(C−1)).
        for (d, c) in [(3, 4), (9, 10), (12, 5)] {
            let t = default_targets(d, c, 4.0);
            norms_are(&t, d, 4.0);
            let want = 4.0 * (2.0 * c as f64 / (c as f64 - 1.0)).sqrt();
            assert!((min_dist(&t, d) - want).abs() < 1e-9, "d={d} C={c}");
        }
        // 6 points on a sphere: the optimum is the octahedron, min distance r·√2.
        let t = default_targets(3, 6, 4.0);
        norms_are(&t, 3, 4.0);
        assert!(
            min_dist(&t, 3) > 4.0 * 2f64.sqrt() * 0.97,
            "{}",
            min_dist(&t, 3)
        );
        // 10 points: the optimum is ≈ 1.0914·r (Tammes problem); accept a close arrangement.
        let t = default_targets(3, 10, 1.0);
        assert!(min_dist(&t, 3) > 1.0, "{}", min_dist(&t, 3));
    }

    #[test]
    fn validation() {
        let c: RegressionConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c.radius, 4.0);
        let bad = RegressionConfig { radius: 0.0 };
        assert!(bad.validate().unwrap_err().contains("radius"));
    }
}
