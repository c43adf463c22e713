//! Plot data as plain structs (no DOM, no plotting library): the UI turns these into traces.

use crate::train::Embedding;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_split_by_label() {
        let e = Embedding {
            step: 0,
            dim: 3,
            points: vec![0., 1., 2., 3., 4., 5., 6., 7., 8.],
            labels: vec![1, 0, 1],
            predictions: vec![1, 0, 0],
        };
        let names: Vec<String> = vec!["a".into(), "b".into(), "c".into()];
        let s = class_series(&e, &names);
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].x, vec![0., 6.]);
        assert_eq!(s[1].z, vec![2., 8.]);
        assert_eq!(s[0].index, vec![1]);
        assert!(s[2].x.is_empty());
    }
}
