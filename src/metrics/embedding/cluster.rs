//! k-means (seeded k-means++ initialisation, Lloyd iterations) and normalised mutual
//! information.

use std::collections::BTreeMap;

use super::Points;
use crate::data::Rng;

/// Squared Euclidean distance in `f64`.
fn sq(x: &[f64], c: &[f64]) -> f64 {
    x.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum()
}

/// Index of the nearest center (ties → lower index).
fn nearest(x: &[f64], centers: &[Vec<f64>]) -> usize {
    let mut best = (f64::INFINITY, 0);
    for (j, c) in centers.iter().enumerate() {
        let d = sq(x, c);
        if d < best.0 {
            best = (d, j);
        }
    }
    best.1
}

/// Uniform in `[0, 1)` with 53 random bits.
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// k-means clustering of `points` (their labels are not used): returns the cluster index
/// (`0..k`) of each point; empty when `k = 0` or there are no points.
///
/// - Initialisation: k-means++ (Arthur & Vassilvitskii, "k-means++: The Advantages of Careful
///   Seeding", SODA 2007), seeded (SplitMix64): the first center is a uniformly drawn point,
///   each next one a point drawn with probability `D(x)² / Σ D²`, `D(x)` the distance to the
///   nearest chosen center (one draw per center, no greedy trials). When all `D(x) = 0` the
///   next center is drawn uniformly.
/// - Lloyd iterations: assign every point to its nearest center (`‖x − c‖²`, ties → lower
///   index), then move each center to the mean of its points (an empty cluster keeps its
///   center); at most `iterations` updates, stopping early when the assignment no longer
///   changes (a fixed point: further updates would change nothing).
///
/// It minimises `Σᵢ ‖xᵢ − c_{a(i)}‖²` locally; the result depends on the seed.
pub fn kmeans(points: &Points<'_>, k: usize, iterations: usize, seed: u64) -> Vec<usize> {
    let n = points.len();
    if k == 0 || n == 0 {
        return Vec::new();
    }
    let xs: Vec<Vec<f64>> = points
        .rows()
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect();
    let mut rng = Rng::new(seed);
    let mut centers: Vec<Vec<f64>> = Vec::with_capacity(k);
    let first = rng.below(n);
    centers.extend(xs.get(first).cloned());
    let mut d2: Vec<f64> = xs
        .iter()
        .map(|x| centers.first().map_or(0.0, |c| sq(x, c)))
        .collect();
    while centers.len() < k {
        let total: f64 = d2.iter().sum();
        let pick = if total > 0.0 && total.is_finite() {
            let u = unit(&mut rng) * total;
            let mut acc = 0.0;
            let mut pick = None;
            for (i, &d) in d2.iter().enumerate() {
                acc += d;
                if d > 0.0 && acc > u {
                    pick = Some(i);
                    break;
                }
            }
            // Rounding can leave `u` just above the running sum: take the last candidate.
            pick.or_else(|| d2.iter().rposition(|&d| d > 0.0))
                .unwrap_or(0)
        } else {
            rng.below(n)
        };
        let Some(c) = xs.get(pick).cloned() else {
            break;
        };
        for (d, x) in d2.iter_mut().zip(&xs) {
            *d = d.min(sq(x, &c));
        }
        centers.push(c);
    }

    let dim = points.dim();
    let mut assign: Vec<usize> = xs.iter().map(|x| nearest(x, &centers)).collect();
    for _ in 0..iterations {
        let mut sums = vec![vec![0.0f64; dim]; centers.len()];
        let mut counts = vec![0usize; centers.len()];
        for (x, &a) in xs.iter().zip(&assign) {
            if let (Some(s), Some(c)) = (sums.get_mut(a), counts.get_mut(a)) {
                s.iter_mut().zip(x).for_each(|(s, v)| *s += v);
                *c += 1;
            }
        }
        for ((center, s), &c) in centers.iter_mut().zip(sums).zip(&counts) {
            if c > 0 {
                *center = s.into_iter().map(|v| v / c as f64).collect();
            }
        }
        let next: Vec<usize> = xs.iter().map(|x| nearest(x, &centers)).collect();
        if next == assign {
            break;
        }
        assign = next;
    }
    assign
}

/// Entropy `H = −Σ_c (n_c/n) ln(n_c/n)` of counts summing to `n`.
fn entropy<'a>(counts: impl Iterator<Item = &'a usize>, n: f64) -> f64 {
    counts
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.ln()
        })
        .sum()
}

/// Normalised mutual information of two labelings of the same points, with the
/// **arithmetic-mean** normalisation (scikit-learn's default `average_method="arithmetic"`):
///
/// ```text
/// I(A; B) = Σ_{a,b} (n_ab/n) ln(n · n_ab / (n_a n_b))
/// H(A)    = −Σ_a (n_a/n) ln(n_a/n)
/// NMI     = I(A; B) / ((H(A) + H(B)) / 2)
/// ```
/// (`n_ab` = points labelled `a` in A and `b` in B; the logarithm's base cancels.) `1` for
/// identical labelings up to a renaming, `0` for independent ones; when both labelings are a
/// single cluster (`H(A) = H(B) = 0`) it is `1`, as in scikit-learn. Clamped to `[0, 1]`
/// against rounding. `None` when the lengths differ or there are no points.
pub fn nmi(a: &[usize], b: &[usize]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let n = a.len() as f64;
    let mut joint: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut ca: BTreeMap<usize, usize> = BTreeMap::new();
    let mut cb: BTreeMap<usize, usize> = BTreeMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_insert(0) += 1;
        *ca.entry(x).or_insert(0) += 1;
        *cb.entry(y).or_insert(0) += 1;
    }
    let (ha, hb) = (entropy(ca.values(), n), entropy(cb.values(), n));
    if ha + hb <= 0.0 {
        return Some(1.0);
    }
    let mut mi = 0.0;
    for (&(x, y), &nab) in &joint {
        let (na, nb) = (
            ca.get(&x).copied().unwrap_or(1) as f64,
            cb.get(&y).copied().unwrap_or(1) as f64,
        );
        let nab = nab as f64;
        mi += nab / n * (n * nab / (na * nb)).ln();
    }
    let v = mi / ((ha + hb) / 2.0);
    v.is_finite().then(|| v.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nmi_reference_values() {
        // scikit-learn's `normalized_mutual_info_score` docstring: identical labelings up to a
        // renaming score 1; a class split across as many clusters as points scores 0.
        assert!((nmi(&[0, 0, 1, 1], &[1, 1, 0, 0]).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(nmi(&[0, 0, 0, 0], &[0, 1, 2, 3]), Some(0.0));
        assert_eq!(nmi(&[0, 1], &[0]), None);
        assert_eq!(nmi(&[], &[]), None);
        assert_eq!(nmi(&[3, 3], &[5, 5]), Some(1.0));
    }

    #[test]
    fn kmeans_edge_cases_do_not_panic() {
        let xs = [0.0f32; 8];
        let labels = [0u8; 4];
        let p = Points::new(2, &xs, &labels).unwrap();
        assert_eq!(kmeans(&p, 3, 10, 1).len(), 4);
        assert!(kmeans(&p, 0, 10, 1).is_empty());
        // More clusters than points.
        assert_eq!(kmeans(&p, 9, 10, 1).len(), 4);
    }
}
