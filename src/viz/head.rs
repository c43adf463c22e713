//! The head's decisions drawn in the plane: which class it predicts where (decision regions),
//! and where an angular-margin loss's margin is satisfied (margin wedges).
//!
//! Both follow the heads' own scoring rules ([`predict`]), which a native test checks against
//! the trainer's predictions for every loss.

use super::{Overlay, OverlayStyle, PALETTE};
use crate::loss::Geometry;

/// The class the head predicts for embedding `z` (`g.dim` values), from the drawn geometry:
///
/// - linear heads (softmax, center loss): `argmax_j w_j·z + b_j`;
/// - cosine heads: `argmax_j ŵ_j·z` with normalised weights, else `argmax_j w_j·z`
///   (normalising `z` does not change the arg-max; the margin is a training-time device);
/// - regression: the nearest target; metric losses: the nearest prototype (after normalising
///   `z` when the loss compares normalised features).
///
/// `None` when the geometry has no head or `z` is not finite.
pub fn predict(g: &Geometry, z: &[f32]) -> Option<usize> {
    if z.len() < g.dim || z.iter().take(g.dim).any(|v| !v.is_finite()) || g.dim == 0 {
        return None;
    }
    let z = &z[..g.dim];
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let argmax = |scores: &mut dyn Iterator<Item = f32>| {
        let mut best: Option<(usize, f32)> = None;
        for (j, s) in scores.enumerate() {
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((j, s));
            }
        }
        best.map(|(j, _)| j)
    };
    if let Some(w) = &g.weights {
        let rows = w.chunks_exact(g.dim);
        if g.normalized_weights {
            return argmax(&mut rows.map(|r| {
                let n = dot(r, r).sqrt().max(1e-12);
                dot(r, z) / n
            }));
        }
        let bias = g.bias.as_deref().unwrap_or(&[]);
        return argmax(
            &mut rows
                .enumerate()
                .map(|(j, r)| dot(r, z) + bias.get(j).copied().unwrap_or(0.0)),
        );
    }
    let nearest = |pts: &[f32], z: &[f32]| {
        argmax(&mut pts.chunks_exact(g.dim).map(|p| {
            let d: f32 = p.iter().zip(z).map(|(a, b)| (a - b) * (a - b)).sum();
            if d.is_finite() { -d } else { f32::NEG_INFINITY }
        }))
    };
    if let Some(t) = &g.targets {
        return nearest(t, z);
    }
    if let Some(p) = &g.prototypes {
        if g.normalized_features {
            let n = dot(z, z).sqrt().max(1e-12);
            let unit: Vec<f32> = z.iter().map(|v| v / n).collect();
            return nearest(p, &unit);
        }
        return nearest(p, z);
    }
    None
}

/// A grid of predicted classes over the square `[-r, r]²` (2-D embeddings only).
#[derive(Debug, Clone, PartialEq)]
pub struct Regions {
    /// Column centres (x).
    pub x: Vec<f32>,
    /// Row centres (y).
    pub y: Vec<f32>,
    /// Predicted class per cell, `class[row][col]`; `None` where the head gives none.
    pub class: Vec<Vec<Option<u8>>>,
    /// Number of classes (for a fixed colour scale).
    pub classes: usize,
}

/// The head's decision regions on an `n × n` grid over `[-r, r]²`; `None` in 3-D or when the
/// geometry has no head. `n` is clamped to `2..=400`.
pub fn decision_regions(g: &Geometry, r: f32, n: usize) -> Option<Regions> {
    if g.dim != 2 || !(r.is_finite() && r > 0.0) {
        return None;
    }
    let n = n.clamp(2, 400);
    let axis: Vec<f32> = (0..n)
        .map(|i| -r + 2.0 * r * (i as f32 + 0.5) / n as f32)
        .collect();
    let class: Vec<Vec<Option<u8>>> = axis
        .iter()
        .map(|&y| {
            axis.iter()
                .map(|&x| predict(g, &[x, y]).and_then(|c| u8::try_from(c).ok()))
                .collect()
        })
        .collect();
    if class.iter().flatten().all(Option::is_none) {
        return None;
    }
    Some(Regions {
        x: axis.clone(),
        y: axis,
        class,
        classes: g.classes,
    })
}

impl Regions {
    /// The regions as filled shapes (the page's plotting bundle has no heatmap): per class one
    /// [`OverlayStyle::Fill`] overlay of rectangles, one per run of equal cells in a grid row,
    /// named "decision regions", in class order.
    pub fn polygons(&self) -> Vec<Overlay> {
        let mut out: Vec<Overlay> = (0..self.classes)
            .map(|c| Overlay {
                name: "decision regions".into(),
                style: OverlayStyle::Fill,
                colors: vec![PALETTE[c % PALETTE.len()]],
                x: vec![],
                y: vec![],
                z: vec![],
            })
            .collect();
        let half = |v: &[f32]| {
            if v.len() >= 2 {
                (v[1] - v[0]) / 2.0
            } else {
                0.5
            }
        };
        let (hx, hy) = (half(&self.x), half(&self.y));
        for (row, &y) in self.class.iter().zip(&self.y) {
            let mut i = 0;
            while i < row.len() {
                let c = row[i];
                let start = i;
                while i < row.len() && row[i] == c {
                    i += 1;
                }
                let Some(o) = c.and_then(|c| out.get_mut(usize::from(c))) else {
                    continue;
                };
                let (x0, x1) = (self.x[start] - hx, self.x[i - 1] + hx);
                let (y0, y1) = (y - hy, y + hy);
                o.x.extend([x0, x1, x1, x0, x0, f32::NAN]);
                o.y.extend([y0, y0, y1, y1, y0, f32::NAN]);
            }
        }
        out.retain(|o| !o.x.is_empty());
        out
    }
}

/// Angular resolution of the margin wedges: 0.5°.
const WEDGE_STEPS: usize = 720;

/// Where, in 2-D, an embedding of class `i` satisfies the training margin against every other
/// class: the directions `α` with `target_cos(θ_i(α)) > max_{j≠i} cos θ_j(α)`, found on a
/// half-degree grid and drawn as filled sectors of radius `reach`, one overlay per class
/// (its colour). Empty without a margin, without class directions, or in 3-D. Between two
/// neighbouring wedges lies the band where no class meets its margin: for ArcFace its angular
/// width is `m`, for CosFace it widens as the class directions come closer.
pub fn margin_wedges(g: &Geometry, reach: f32) -> Vec<Overlay> {
    let (Some(margin), Some(w)) = (g.margin, g.weights.as_ref()) else {
        return Vec::new();
    };
    if g.dim != 2 || !(reach.is_finite() && reach > 0.0) {
        return Vec::new();
    }
    let dirs: Vec<f64> = w
        .chunks_exact(2)
        .map(|r| f64::from(r[1]).atan2(f64::from(r[0])))
        .collect();
    if dirs.iter().any(|a| !a.is_finite()) {
        return Vec::new();
    }
    let angle_between = |a: f64, b: f64| {
        let d = (a - b).rem_euclid(std::f64::consts::TAU);
        d.min(std::f64::consts::TAU - d)
    };
    // The class whose margin is met at each grid direction.
    let owner: Vec<Option<usize>> = (0..WEDGE_STEPS)
        .map(|k| {
            let a = k as f64 / WEDGE_STEPS as f64 * std::f64::consts::TAU;
            let theta: Vec<f64> = dirs.iter().map(|&d| angle_between(a, d)).collect();
            let i = (0..theta.len()).min_by(|&x, &y| theta[x].total_cmp(&theta[y]))?;
            let rival = (0..theta.len())
                .filter(|&j| j != i)
                .map(|j| theta[j].cos())
                .fold(f64::NEG_INFINITY, f64::max);
            (margin.target_cos(theta[i]) > rival).then_some(i)
        })
        .collect();
    let n = WEDGE_STEPS;
    // Start the scan where the owner changes, so no sector is split at angle 0.
    let first = (0..n)
        .find(|&k| owner[(k + n - 1) % n] != owner[k])
        .unwrap_or(0);
    let mut out: Vec<Overlay> = Vec::new();
    let mut t = 0;
    while t < n {
        let Some(c) = owner[(first + t) % n] else {
            t += 1;
            continue;
        };
        let start = t;
        while t < n && owner[(first + t) % n] == Some(c) {
            t += 1;
        }
        let color = PALETTE[c % PALETTE.len()];
        let pos = match out.iter().position(|o| o.colors.first() == Some(&color)) {
            Some(p) => p,
            None => {
                out.push(Overlay {
                    name: "margin wedges".into(),
                    style: OverlayStyle::Fill,
                    colors: vec![color],
                    x: vec![],
                    y: vec![],
                    z: vec![],
                });
                out.len() - 1
            }
        };
        let o = &mut out[pos];
        o.x.push(0.0);
        o.y.push(0.0);
        // The sector spans grid cells start..t: edges half a cell either side of them.
        for e in start..=t {
            let a = ((first + e) as f64 - 0.5) / n as f64 * std::f64::consts::TAU;
            o.x.push(reach * a.cos() as f32);
            o.y.push(reach * a.sin() as f32);
        }
        o.x.extend([0.0, f32::NAN]);
        o.y.extend([0.0, f32::NAN]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::Margin;

    fn four_directions(margin: Option<Margin>) -> Geometry {
        Geometry {
            dim: 2,
            classes: 4,
            weights: Some(vec![1.0, 0.0, 0.0, 2.0, -1.0, 0.0, 0.0, -3.0]),
            normalized_weights: true,
            normalized_features: true,
            margin,
            ..Geometry::default()
        }
    }

    #[test]
    fn predictions_follow_each_head() {
        let linear = Geometry {
            dim: 2,
            classes: 2,
            weights: Some(vec![1.0, 0.0, -1.0, 0.0]),
            bias: Some(vec![0.0, 1.0]),
            ..Geometry::default()
        };
        // Scores at (0.4, 0): 0.4 vs −0.4 + 1 = 0.6 → class 1; at (0.6, 0): 0.6 vs 0.4 → 0.
        assert_eq!(predict(&linear, &[0.4, 0.0]), Some(1));
        assert_eq!(predict(&linear, &[0.6, 0.0]), Some(0));
        // Normalised weights ignore the lengths 2 and 3: (1, 1.5) is nearer 0° than 90°? No —
        // its angle is 56°, nearer 90° (class 1).
        let g = four_directions(None);
        assert_eq!(predict(&g, &[1.0, 1.5]), Some(1));
        assert_eq!(predict(&g, &[1.0, 0.5]), Some(0));
        assert_eq!(predict(&g, &[f32::NAN, 0.0]), None);
        let targets = Geometry {
            dim: 2,
            classes: 2,
            targets: Some(vec![4.0, 0.0, -4.0, 0.0]),
            ..Geometry::default()
        };
        assert_eq!(predict(&targets, &[-0.1, 9.0]), Some(1));
        let protos = Geometry {
            dim: 2,
            classes: 2,
            prototypes: Some(vec![1.0, 0.0, 0.0, 1.0]),
            normalized_features: true,
            ..Geometry::default()
        };
        // (10, 9) normalised is (0.74, 0.67): nearer (1, 0) than (0, 1).
        assert_eq!(predict(&protos, &[10.0, 9.0]), Some(0));
        assert_eq!(predict(&Geometry::default(), &[1.0, 0.0]), None);
    }

    #[test]
    fn regions_cover_the_square() {
        let r = decision_regions(&four_directions(None), 2.0, 4).expect("regions");
        assert_eq!((r.x.len(), r.class.len(), r.class[0].len()), (4, 4, 4));
        // Cell centres ±0.5, ±1.5; row 0 is y = −1.5. (1.5, −0.5) is nearest 0°.
        assert_eq!(r.x, vec![-1.5, -0.5, 0.5, 1.5]);
        assert_eq!(r.class[1][3], Some(0));
        assert_eq!(r.class[0][1], Some(3), "(−0.5, −1.5) points down");
        assert!(
            decision_regions(
                &Geometry {
                    dim: 3,
                    ..four_directions(None)
                },
                1.0,
                4
            )
            .is_none()
        );
    }

    /// ArcFace with four orthogonal directions: neighbours are 90° apart, so class 0's wedge
    /// spans ±(90° − m)/2 around 0°, and the gaps between wedges are m wide.
    #[test]
    fn arcface_wedges_leave_gaps_of_width_m() {
        let m = 20f64.to_radians();
        let w = margin_wedges(&four_directions(Some(Margin::Angular(m))), 1.0);
        assert_eq!(w.len(), 4);
        // Count the grid directions owned: 4 wedges of (90° − 20°) = 70° each, at 0.5° per step.
        let owned: usize = w
            .iter()
            .map(|o| o.x.iter().filter(|v| v.is_nan()).count())
            .sum();
        assert_eq!(owned, 4, "one sector per class");
        let cells: usize = w.iter().map(|o| o.x.len() - 4).sum::<usize>();
        // A sector of `cells` grid cells has 1 + (cells + 1) + 2 entries; cells per wedge = 70° / 0.5° = 140 (±1 at
        // the exact boundaries, where the grid hits `θ_i + m = θ_j` up to rounding).
        let per_wedge = cells as f64 / 4.0;
        assert!((per_wedge - 140.0).abs() <= 1.0, "{per_wedge}");
        // Without a margin there is nothing to draw.
        assert!(margin_wedges(&four_directions(None), 1.0).is_empty());
    }

    /// CosFace: at the boundary between neighbours φ = 90° apart, cos θ − m = cos(φ − θ).
    #[test]
    fn cosface_wedge_edge_solves_the_margin_equation() {
        let m = 0.2;
        let w = margin_wedges(&four_directions(Some(Margin::Cosine(m))), 1.0);
        let class0 = w
            .iter()
            .find(|o| o.colors == [PALETTE[0]])
            .expect("class 0 has a wedge");
        // The largest angle of class 0's sector (below 90°) solves cos θ − cos(90° − θ) = m.
        let edge = class0
            .x
            .iter()
            .zip(&class0.y)
            .filter(|(x, y)| x.is_finite() && (**x != 0.0 || **y != 0.0))
            .map(|(x, y)| f64::from(*y).atan2(f64::from(*x)))
            .filter(|a| *a > 0.0 && *a < 1.5)
            .fold(0.0, f64::max);
        // cos θ − sin θ = m  ⇔  √2 cos(θ + 45°) = m  ⇔  θ = acos(m/√2) − 45°.
        let exact = (m / 2f64.sqrt()).acos() - std::f64::consts::FRAC_PI_4;
        assert!(
            (edge - exact).abs() < 0.5f64.to_radians() + 1e-9,
            "{edge} vs {exact}"
        );
    }

    /// SphereFace at λ = 0 with m = 2: ψ(θ) = cos 2θ for θ ≤ 90°, so the margin holds where
    /// cos 2θ > cos(90° − θ) = sin θ, i.e. θ < 30°.
    #[test]
    fn sphereface_target_matches_psi() {
        let s = Margin::Multiplicative { m: 2, lambda: 0.0 };
        assert!((s.target_cos(0.5) - 1.0f64.cos()).abs() < 1e-12);
        // k = 1 for θ in [π/2, π): ψ = −cos 2θ − 2.
        assert!((s.target_cos(2.0) - (-(4.0f64).cos() - 2.0)).abs() < 1e-12);
        let blended = Margin::Multiplicative { m: 2, lambda: 1.0 };
        assert!((blended.target_cos(0.5) - (0.5f64.cos() + 1.0f64.cos()) / 2.0).abs() < 1e-12);
        let w = margin_wedges(&four_directions(Some(s)), 1.0);
        let cells: usize = w.iter().map(|o| o.x.len() - 4).sum();
        let per_wedge = cells as f64 / 4.0;
        // ±30° → 60° → 120 cells.
        assert!((per_wedge - 120.0).abs() <= 1.0, "{per_wedge}");
        assert_eq!(
            Margin::Angular(0.5).target_cos(3.0),
            3.0f64.cos() - 0.5 * 0.5f64.sin()
        );
    }
}
