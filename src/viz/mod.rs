//! Plot data as plain structs (no DOM, no plotting library): the UI turns these into traces.

use crate::loss::Geometry;
use crate::train::Embedding;

pub mod curves;
pub mod head;
pub use head::{Regions, decision_regions, margin_wedges, predict};

/// Okabe–Ito's colour-blind-safe palette, extended to ten classes with two greys-free hues.
pub const PALETTE: [&str; 10] = [
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000",
    "#882255", "#44AA99",
];

/// The points of one class, ready to become one scatter trace.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassSeries {
    /// Class index.
    pub class: usize,
    /// Legend name.
    pub name: String,
    /// Colour (CSS hex).
    pub color: &'static str,
    /// x coordinates.
    pub x: Vec<f32>,
    /// y coordinates.
    pub y: Vec<f32>,
    /// z coordinates (empty in 2-D).
    pub z: Vec<f32>,
    /// Index of each point in the embedded subset (for hover look-ups).
    pub index: Vec<usize>,
}

/// Splits an embedding into one series per class, in class order (empty classes included,
/// so traces keep their identity and colours between updates).
pub fn class_series(e: &Embedding, class_names: &[String]) -> Vec<ClassSeries> {
    let mut out: Vec<ClassSeries> = class_names
        .iter()
        .enumerate()
        .map(|(c, name)| ClassSeries {
            class: c,
            name: name.clone(),
            color: PALETTE[c % PALETTE.len()],
            x: vec![],
            y: vec![],
            z: vec![],
            index: vec![],
        })
        .collect();
    for (i, (&l, p)) in e
        .labels
        .iter()
        .zip(e.points.chunks_exact(e.dim))
        .enumerate()
    {
        let Some(s) = out.get_mut(l as usize) else {
            continue;
        };
        s.x.push(p[0]);
        s.y.push(p.get(1).copied().unwrap_or(0.0));
        if e.dim >= 3 {
            s.z.push(p[2]);
        }
        s.index.push(i);
    }
    out
}

/// How an overlay is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayStyle {
    /// A polyline (segments separated by NaN breaks).
    Line,
    /// Large markers (centers, targets, prototypes).
    Markers,
    /// Filled polygons in one colour (margin wedges), separated by NaN breaks.
    Fill,
}

/// A piece of the loss's geometry, ready to become one trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    /// Legend name.
    pub name: String,
    /// Drawing style.
    pub style: OverlayStyle,
    /// Colour (CSS); per point for markers (one per class), one for lines.
    pub colors: Vec<&'static str>,
    /// x coordinates (NaN separates line segments).
    pub x: Vec<f32>,
    /// y coordinates.
    pub y: Vec<f32>,
    /// z coordinates (empty in 2-D).
    pub z: Vec<f32>,
}

/// Largest norm among the embedded points (at least `1e-6`).
pub fn extent(e: &Embedding) -> f32 {
    e.points
        .chunks_exact(e.dim.max(1))
        .map(|p| p.iter().map(|v| v * v).sum::<f32>().sqrt())
        .filter(|n| n.is_finite())
        .fold(1e-6, f32::max)
}

/// The mark of the origin on an empty embedding plot: in 2-D a grey diamond; in 3-D the three
/// axes from -1 to 1 in grey.
pub fn origin_marker(dim: usize) -> Overlay {
    let mut o = Overlay {
        name: "origin".into(),
        style: OverlayStyle::Markers,
        colors: vec!["#888888"],
        x: vec![0.0],
        y: vec![0.0],
        z: Vec::new(),
    };
    if dim == 3 {
        let n = f32::NAN;
        o.style = OverlayStyle::Line;
        o.x = vec![-1.0, 1.0, n, 0.0, 0.0, n, 0.0, 0.0];
        o.y = vec![0.0, 0.0, n, -1.0, 1.0, n, 0.0, 0.0];
        o.z = vec![0.0, 0.0, n, 0.0, 0.0, n, -1.0, 1.0];
    }
    o
}

/// Largest norm among the overlays' points (NaN separators skipped; 0 without points).
pub fn overlay_extent(overlays: &[Overlay]) -> f32 {
    let mut far = 0.0f32;
    for o in overlays {
        for i in 0..o.x.len() {
            let (x, y) = (o.x[i], o.y.get(i).copied().unwrap_or(0.0));
            let z = o.z.get(i).copied().unwrap_or(0.0);
            let n = (x * x + y * y + z * z).sqrt();
            if n.is_finite() {
                far = far.max(n);
            }
        }
    }
    far
}

/// Half-width of the embedding plot's axes (every axis spans `[-r, r]`), given the previous
/// one and the farthest point to show (from [`extent`], [`overlay_extent`]).
///
/// The axes stay put while everything fits with a margin of 8 % and still fills more than
/// 40 % of them, so a training run's plot does not rescale at every update. When points leave
/// the axes they grow to a round value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10ⁿ) 25 %
/// beyond the farthest point, leaving room for further growth; when points collapse, the
/// axes shrink to the round value just above it. A non-finite or non-positive `farthest`
/// keeps the previous radius (1 without one).
pub fn view_radius(previous: Option<f32>, farthest: f32) -> f32 {
    let prev = previous.filter(|p| p.is_finite() && *p > 0.0);
    if !farthest.is_finite() || farthest <= 0.0 {
        return prev.unwrap_or(1.0);
    }
    let needed = (farthest * 1.08).max(1e-3);
    match prev {
        Some(p) if needed <= p && needed >= 0.4 * p => p,
        Some(p) if needed > p => round_up(needed * 1.25),
        _ => round_up(needed),
    }
}

/// The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 (× 10ⁿ) not below `v` (> 0, finite).
fn round_up(v: f32) -> f32 {
    // In f64, so that 5 × 10⁻³ comes out as the f32 nearest 0.005.
    round_up_f64(f64::from(v)) as f32
}

/// [`round_up`] in f64.
fn round_up_f64(v: f64) -> f64 {
    let decade = 10f64.powf(v.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|m| m * decade)
        // Rounding of `decade` must not pick a step a hair below `v`.
        .find(|r| *r >= v * (1.0 - 1e-9))
        .unwrap_or(10.0 * decade)
}

fn push_point(o: &mut Overlay, p: &[f32], dim: usize) {
    o.x.push(p[0]);
    o.y.push(p.get(1).copied().unwrap_or(0.0));
    if dim >= 3 {
        o.z.push(p.get(2).copied().unwrap_or(0.0));
    }
}

fn line(name: &str, color: &'static str) -> Overlay {
    Overlay {
        name: name.into(),
        style: OverlayStyle::Line,
        colors: vec![color],
        x: vec![],
        y: vec![],
        z: vec![],
    }
}

/// The geometry of a loss's head drawn in the embedded space: class directions as rays from
/// the origin (linear and cosine heads), the unit circle or sphere where features are
/// normalised, the margin wedges of angular-margin losses in 2-D ([`margin_wedges`]), and
/// centers, targets or prototypes as markers. Only the first two or three
/// coordinates are drawn. Rays reach `1.15` when features are normalised, else the points'
/// [`extent`].
pub fn geometry_overlays(g: &Geometry, e: &Embedding) -> Vec<Overlay> {
    let dim = g.dim.clamp(2, 3).min(e.dim.max(2));
    let mut out = Vec::new();
    if g.dim == 0 || g.classes == 0 {
        return out;
    }
    let reach = if g.normalized_features {
        1.15
    } else {
        extent(e) * 1.05
    };
    // Wedges reach the points even when the head normalises features: the embedding itself is
    // drawn unnormalised, and its points spread far beyond the unit circle.
    out.extend(margin_wedges(g, extent(e) * 1.05));
    if let Some(w) = &g.weights {
        let mut o = line("class directions", "#333333");
        for row in w.chunks_exact(g.dim) {
            let n = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            if n <= 1e-12 || !n.is_finite() {
                continue;
            }
            let tip: Vec<f32> = row.iter().map(|v| v / n * reach).collect();
            push_point(&mut o, &[0.0, 0.0, 0.0], dim);
            push_point(&mut o, &tip, dim);
            push_point(&mut o, &[f32::NAN, f32::NAN, f32::NAN], dim);
        }
        out.push(o);
    }
    if g.normalized_features {
        let mut o = line("unit circle", "#777777");
        let ring = |o: &mut Overlay, f: &dyn Fn(f32) -> [f32; 3]| {
            for k in 0..=96 {
                let t = k as f32 / 96.0 * std::f32::consts::TAU;
                push_point(o, &f(t), dim);
            }
            push_point(o, &[f32::NAN, f32::NAN, f32::NAN], dim);
        };
        ring(&mut o, &|t| [t.cos(), t.sin(), 0.0]);
        if dim == 3 {
            o.name = "unit sphere".into();
            ring(&mut o, &|t| [t.cos(), 0.0, t.sin()]);
            ring(&mut o, &|t| [0.0, t.cos(), t.sin()]);
        }
        out.push(o);
    }
    for (name, pts) in [
        ("centers", &g.centers),
        ("targets", &g.targets),
        ("prototypes", &g.prototypes),
    ] {
        let Some(pts) = pts else { continue };
        let mut o = Overlay {
            name: name.into(),
            style: OverlayStyle::Markers,
            colors: vec![],
            x: vec![],
            y: vec![],
            z: vec![],
        };
        for (c, p) in pts.chunks_exact(g.dim).enumerate() {
            if p.iter().all(|v| v.is_finite()) {
                push_point(&mut o, p, dim);
                o.colors.push(PALETTE[c % PALETTE.len()]);
            }
        }
        out.push(o);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_radius_rounds_up_and_keeps_still() {
        // First view: the round value just above farthest × 1.08.
        assert_eq!(view_radius(None, 1.0), 1.2);
        assert_eq!(view_radius(None, 0.9), 1.0);
        assert_eq!(view_radius(None, 37.0), 40.0);
        assert_eq!(view_radius(None, 0.0042), 0.005);
        // Within the band: unchanged.
        assert_eq!(view_radius(Some(10.0), 9.0), 10.0);
        assert_eq!(view_radius(Some(10.0), 4.0), 10.0);
        // Growing: 25 % headroom beyond the margin (9.5 × 1.08 × 1.25 = 12.8 → 15).
        assert_eq!(view_radius(Some(10.0), 9.5), 15.0);
        // Collapsing below 40 %: shrinks to fit (3 × 1.08 = 3.24 → 4).
        assert_eq!(view_radius(Some(10.0), 3.0), 4.0);
        // Nonsense keeps what there is.
        assert_eq!(view_radius(Some(6.0), f32::NAN), 6.0);
        assert_eq!(view_radius(None, f32::INFINITY), 1.0);
        assert_eq!(view_radius(Some(f32::NAN), 1.0), 1.2);
    }

    #[test]
    fn origin_marker_spans_every_axis_in_3d() {
        let two = origin_marker(2);
        assert_eq!(
            (two.style, two.x.len(), two.z.len()),
            (OverlayStyle::Markers, 1, 0)
        );
        let three = origin_marker(3);
        assert_eq!(three.style, OverlayStyle::Line);
        for axis in [&three.x, &three.y, &three.z] {
            let finite: Vec<f32> = axis.iter().copied().filter(|v| v.is_finite()).collect();
            let (lo, hi) = finite
                .iter()
                .fold((0f32, 0f32), |(a, b), v| (a.min(*v), b.max(*v)));
            assert_eq!((lo, hi), (-1.0, 1.0));
        }
        assert_eq!(overlay_extent(&[three]), 1.0);
    }

    #[test]
    fn overlay_extent_skips_separators() {
        let o = Overlay {
            name: "x".into(),
            style: OverlayStyle::Line,
            colors: vec![],
            x: vec![0.0, 3.0, f32::NAN, 1.0],
            y: vec![0.0, 4.0, f32::NAN, 1.0],
            z: vec![],
        };
        assert_eq!(overlay_extent(&[o]), 5.0);
        assert_eq!(overlay_extent(&[]), 0.0);
    }

    #[test]
    fn series_split_by_label() {
        let e = Embedding {
            step: 0,
            dim: 3,
            points: vec![0., 1., 2., 3., 4., 5., 6., 7., 8.],
            labels: vec![1, 0, 1],
            predictions: vec![1, 0, 0],
            geometry: None,
        };
        let names: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let s = class_series(&e, &names);
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].x, vec![0., 6.]);
        assert_eq!(s[1].z, vec![2., 8.]);
        assert_eq!(s[0].index, vec![1]);
        assert!(s[2].x.is_empty());
    }

    #[test]
    fn overlays_follow_the_geometry() {
        let e = Embedding {
            step: 0,
            dim: 2,
            points: vec![3.0, 4.0, 0.0, 1.0],
            labels: vec![0, 1],
            predictions: vec![0, 1],
            geometry: None,
        };
        assert_eq!(extent(&e), 5.0);
        let g = Geometry {
            dim: 2,
            classes: 2,
            weights: Some(vec![2.0, 0.0, 0.0, -0.5]),
            centers: Some(vec![1.0, 1.0, -1.0, -1.0]),
            ..Geometry::default()
        };
        let o = geometry_overlays(&g, &e);
        assert_eq!(o.len(), 2);
        // Rays from the origin to the points' extent along each (normalised) weight.
        assert_eq!(o[0].x[..2], [0.0, 5.25]);
        assert_eq!(o[0].y[3..5], [0.0, -5.25]);
        assert!(o[0].x[2].is_nan());
        assert_eq!(
            (o[1].style, o[1].x.clone(), o[1].colors.len()),
            (OverlayStyle::Markers, vec![1.0, -1.0], 2)
        );
        let unit = Geometry {
            normalized_features: true,
            ..g
        };
        let o = geometry_overlays(&unit, &e);
        assert_eq!(o[0].x[1], 1.15, "rays end just outside the unit circle");
        assert_eq!(o[1].name, "unit circle");
        let r = (o[1].x[24].powi(2) + o[1].y[24].powi(2)).sqrt();
        assert!((r - 1.0).abs() < 1e-6);
    }
}
