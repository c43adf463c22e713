//! Embedding metrics (`playground::metrics::embedding`) on hand-built embeddings with the
//! arithmetic in comments, against naive f64 loops (full sorts, pair by pair), reference
//! values with their source, and edge cases (one class, empty class, duplicates, NaN).
#![cfg(not(target_arch = "wasm32"))]

use playground::data::Rng;
use playground::metrics::embedding::{
    self, Distance, EmbeddingMetrics, MetricsConfig, MetricsError, Points, angles,
    average_precision_at_r, class_means, classification, fingerprint, kmeans, nearest_prototype,
    nmi, retrieval, silhouette, spread,
};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {
        assert_close!($a, $b, 1e-12)
    };
    ($a:expr, $b:expr, $tol:expr) => {{
        let (a, b): (f64, f64) = ($a, $b);
        assert!(close(a, b, $tol), "{} = {a}, expected {b}", stringify!($a));
    }};
}

/// Points on the x-axis of the plane (y = 0).
fn on_x_axis(xs: &[f32]) -> Vec<f32> {
    xs.iter().flat_map(|&x| [x, 0.0]).collect()
}

// ---------------------------------------------------------------------------------------------
// Hand-computed values
// ---------------------------------------------------------------------------------------------

#[test]
fn classification_by_hand() {
    // y = [0,0,1,1,2], ŷ = [0,1,1,1,0]: hits at 0, 2, 3 → 3/5.
    // Class 0: 1 of 2; class 1: 2 of 2; class 2: 0 of 1; class 3 has no points.
    let c = classification(&[0, 0, 1, 1, 2], &[0, 1, 1, 1, 0], 4);
    assert_eq!(c.evaluated, 5);
    assert_eq!(c.accuracy, Some(0.6));
    assert_eq!(
        c.per_class_accuracy,
        vec![Some(0.5), Some(1.0), Some(0.0), None]
    );
    assert_eq!(
        c.confusion,
        vec![
            vec![1, 1, 0, 0],
            vec![0, 2, 0, 0],
            vec![1, 0, 0, 0],
            vec![0, 0, 0, 0]
        ]
    );
    // A prediction beyond `classes` widens the matrix instead of being lost.
    let c = classification(&[0], &[3], 1);
    assert_eq!(c.confusion.len(), 4);
    assert_eq!(c.confusion[0][3], 1);
    assert_eq!(classification(&[], &[], 2).accuracy, None);
}

#[test]
fn nearest_prototype_euclidean_and_cosine_by_hand() {
    // Prototypes p0 = (1, 0), p1 = (10, 10); the point x = (5, 4) has label 1.
    // Euclidean: ‖x − p0‖² = 16 + 16 = 32 < ‖x − p1‖² = 25 + 36 = 61 → class 0.
    // Cosine: cos(x, p0) = 5/√41 ≈ 0.781 < cos(x, p1) = 90/(√41·√200) ≈ 0.994 → class 1.
    let xs = [5.0, 4.0];
    let p = Points::new(2, &xs, &[1]).unwrap();
    let protos = [1.0, 0.0, 10.0, 10.0];
    assert_eq!(
        nearest_prototype(&p, &protos, Distance::Euclidean).unwrap(),
        vec![0]
    );
    assert_eq!(
        nearest_prototype(&p, &protos, Distance::Cosine).unwrap(),
        vec![1]
    );
    // A NaN prototype is never chosen; when all are NaN it is an error, not a panic.
    let protos = [f32::NAN, 0.0, 10.0, 10.0];
    assert_eq!(
        nearest_prototype(&p, &protos, Distance::Euclidean).unwrap(),
        vec![1]
    );
    assert_eq!(
        nearest_prototype(&p, &[f32::NAN, 1.0], Distance::Euclidean),
        Err(MetricsError::NoPrototypes)
    );
    assert!(matches!(
        nearest_prototype(&p, &[1.0, 2.0, 3.0], Distance::Euclidean),
        Err(MetricsError::Prototypes { values: 3, dim: 2 })
    ));
}

/// The 1-D set used by the retrieval tests (on the x-axis):
/// class 0 at 0, 1, 2; class 1 at 2.6, 5, 6.
fn line_set() -> (Vec<f32>, Vec<u8>) {
    (
        on_x_axis(&[0.0, 1.0, 2.0, 2.6, 5.0, 6.0]),
        vec![0, 0, 0, 1, 1, 1],
    )
}

#[test]
fn knn_precision_at_1_and_map_at_r_by_hand() {
    let (xs, labels) = line_set();
    let p = Points::new(2, &xs, &labels).unwrap();
    // Leave-one-out ranking of each query (distance, class), ties by lower index:
    //   q=0   : 1 (1, c0), 2 (2, c0), 2.6 (2.6, c1), …
    //   q=1   : 0 (1, c0), 2 (1, c0), 2.6 (1.6, c1), …
    //   q=2   : 2.6 (0.6, c1), 1 (1, c0), 0 (2, c0), …
    //   q=2.6 : 2 (0.6, c0), 1 (1.6, c0), 5 (2.4, c1), …
    //   q=5   : 6 (1, c1), 2.6 (2.4, c1), 2 (3, c0), …
    //   q=6   : 5 (1, c1), 2.6 (3.4, c1), 2 (4, c0), …
    // k = 3 votes: c0, c0, c0 (2:1), c0 ✗ (true c1), c1, c1 → 5/6.
    let r = retrieval(&p, 3, Distance::Euclidean);
    assert_close!(r.knn.accuracy.unwrap(), 5.0 / 6.0);
    assert_eq!(r.knn.confusion, vec![vec![3, 0], vec![1, 2]]);
    // P@1: nearest is same-class for q = 0, 1, 5, 6; not for q = 2, 2.6 → 4/6.
    assert_close!(r.precision_at_1.unwrap(), 4.0 / 6.0);
    // MAP@R with R = 2 for every query (3 per class − the query):
    //   q=0 [1,1] → (1/1 + 2/2)/2 = 1;  q=1 → 1;  q=2 [0,1] → (0 + 1/2)/2 = 1/4;
    //   q=2.6 [0,0] → 0;  q=5 → 1;  q=6 → 1.   Mean = 4.25/6.
    assert_close!(r.map_at_r.unwrap(), 4.25 / 6.0);
    assert_eq!(r.queries, 6);
    assert_eq!(r.points, 6);
    // k = 1 is the nearest neighbour: its accuracy is P@1 here (every class has ≥ 2 points).
    assert_close!(
        embedding::knn_accuracy(&p, 1, Distance::Euclidean).unwrap(),
        4.0 / 6.0
    );
    assert_close!(
        embedding::precision_at_1(&p, Distance::Euclidean).unwrap(),
        4.0 / 6.0
    );
    assert_close!(
        embedding::map_at_r(&p, Distance::Euclidean).unwrap(),
        4.25 / 6.0
    );
}

#[test]
fn map_at_r_rewards_order_unlike_r_precision() {
    // Musgrave et al. 2020, §3.2: R-precision ignores the order of the first R results, MAP@R
    // does not. One query (class 0, at the origin) with R = 3 same-class references:
    //   ranked: c0 at 1, c1 at 2, c0 at 3, c0 at 4 → first R = 3 relevances [1, 0, 1]
    //   AP@R = (1/3)(1/1 + 0 + 2/3) = 5/9 (R-precision would be 2/3).
    assert_close!(
        average_precision_at_r(&[true, false, true, true], 3).unwrap(),
        5.0 / 9.0
    );
    // Same hits, better order [1, 1, 0]: (1/3)(1 + 1 + 0) = 2/3.
    assert_close!(
        average_precision_at_r(&[true, true, false, true], 3).unwrap(),
        2.0 / 3.0
    );
}

#[test]
fn knn_vote_ties_go_to_the_nearer_class() {
    // Query 0 at 0 (class 0) with k = 2: neighbours 1 (class 1, d 1) and 3 (class 2, d 3) →
    // one vote each; the tie goes to class 1, whose member ranks first.
    let xs = on_x_axis(&[0.0, 1.0, 3.0]);
    let p = Points::new(2, &xs, &[0, 1, 2]).unwrap();
    let r = retrieval(&p, 2, Distance::Euclidean);
    assert_eq!(r.knn.confusion[0], vec![0, 1, 0]);
    // Every class is a singleton: no query has a same-class reference.
    assert_eq!(r.queries, 0);
    assert_eq!(r.precision_at_1, None);
    assert_eq!(r.map_at_r, None);
}

#[test]
fn cosine_retrieval_sees_only_directions() {
    // Class 0 along 0° (norms 1 and 10), class 1 along 90° (norms 1 and 10), plus a class-1
    // point at 10° close to the origin. Cosine ranks by angle, Euclidean by position.
    let t = 10f32.to_radians();
    let xs = [
        1.0,
        0.0,
        10.0,
        0.0,
        0.0,
        1.0,
        0.0,
        10.0,
        0.5 * t.cos(),
        0.5 * t.sin(),
    ];
    let labels = [0, 0, 1, 1, 1];
    let p = Points::new(2, &xs, &labels).unwrap();
    let r = retrieval(&p, 1, Distance::Cosine);
    // Cosine nearest: (1,0)→(10,0) ✓ (0°), (10,0)→(1,0) ✓, (0,1)→(0,10) ✓, (0,10)→(0,1) ✓,
    // the 10° point → (1,0) at 10° (class 0) ✗ → P@1 = 4/5.
    assert_close!(r.precision_at_1.unwrap(), 0.8);
    // Euclidean nearest of (1,0): the 10° point at distance ≈ 0.51 (class 1) ✗;
    // of (10,0): (1,0) ✓; of (0,1): the 10° point (≈ 1.05 vs (1,0) at √2) ✓;
    // of (0,10): (0,1) ✓; of the 10° point: (1,0) ✗ → 3/5.
    let r = retrieval(&p, 1, Distance::Euclidean);
    assert_close!(r.precision_at_1.unwrap(), 0.6);
}

#[test]
fn silhouette_by_hand() {
    // Class 0 at 0, 2; class 1 at 6, 10 (x-axis).
    //   x=0 : a = 2, b = (6 + 10)/2 = 8  → s = 6/8 = 3/4
    //   x=2 : a = 2, b = (4 + 8)/2 = 6   → s = 4/6 = 2/3
    //   x=6 : a = 4, b = (6 + 4)/2 = 5   → s = 1/5
    //   x=10: a = 4, b = (10 + 8)/2 = 9  → s = 5/9
    //   S = (3/4 + 2/3 + 1/5 + 5/9)/4 = (135 + 120 + 36 + 100)/180/4 = 391/720
    let xs = on_x_axis(&[0.0, 2.0, 6.0, 10.0]);
    let p = Points::new(2, &xs, &[0, 0, 1, 1]).unwrap();
    assert_close!(silhouette(&p).unwrap(), 391.0 / 720.0);

    // A singleton class scores s = 0 (Rousseeuw 1987): class 0 at 0, 2; class 1 at 10 alone.
    //   x=0 : a = 2, b = 10 → 0.8;  x=2 : a = 2, b = 8 → 0.75;  x=10: 0.   S = 1.55/3.
    let xs = on_x_axis(&[0.0, 2.0, 10.0]);
    let p = Points::new(2, &xs, &[0, 0, 1]).unwrap();
    assert_close!(silhouette(&p).unwrap(), 1.55 / 3.0);

    // Perfectly tight, distinct clusters of duplicates: a = 0, b > 0 → s = 1 everywhere.
    let xs = on_x_axis(&[1.0, 1.0, 5.0, 5.0]);
    let p = Points::new(2, &xs, &[0, 0, 1, 1]).unwrap();
    assert_close!(silhouette(&p).unwrap(), 1.0);
    // All points identical: a = b = 0 → s = 0 (scikit-learn's convention), no NaN.
    let xs = [3.0f32; 8];
    let p = Points::new(2, &xs, &[0, 0, 1, 1]).unwrap();
    assert_eq!(silhouette(&p), Some(0.0));
    // One class: undefined.
    let p = Points::new(2, &xs, &[4, 4, 4, 4]).unwrap();
    assert_eq!(silhouette(&p), None);
}

#[test]
fn spread_by_hand() {
    // Class 0: (0,0), (2,0) → μ0 = (1,0); class 1: (10,0), (10,2) → μ1 = (10,1);
    // class 2: (1,4), (1,6) → μ2 = (1,5). Every point is at distance 1 from its mean → S = 1.
    // ‖μ0 − μ1‖ = √(81 + 1) = √82, ‖μ0 − μ2‖ = 5, ‖μ1 − μ2‖ = √(81 + 16) = √97.
    let xs = [0.0, 0.0, 2.0, 0.0, 10.0, 0.0, 10.0, 2.0, 1.0, 4.0, 1.0, 6.0];
    let labels = [0, 0, 1, 1, 2, 2];
    let p = Points::new(2, &xs, &labels).unwrap();
    let s = spread(&p);
    let d = (82f64.sqrt() + 5.0 + 97f64.sqrt()) / 3.0;
    assert_close!(s.intra_class_rms.unwrap(), 1.0);
    assert_close!(s.inter_class_mean.unwrap(), d);
    assert_close!(s.inter_class_min.unwrap(), 5.0);
    assert_close!(s.ratio.unwrap(), 1.0 / d);
    // Scale-free: ×7 changes S and D but not the ratio.
    let xs7: Vec<f32> = xs.iter().map(|v| v * 7.0).collect();
    let p7 = Points::new(2, &xs7, &labels).unwrap();
    assert_close!(spread(&p7).ratio.unwrap(), 1.0 / d);
    // One class: S is defined, D and the ratio are not.
    let p1 = Points::new(2, &xs[..4], &[0, 0]).unwrap();
    let s1 = spread(&p1);
    assert_close!(s1.intra_class_rms.unwrap(), 1.0);
    assert_eq!((s1.inter_class_mean, s1.ratio), (None, None));
}

#[test]
fn angles_by_hand() {
    // Class 0: (1,0), (0,1) → μ0 = (½,½), each point at 45° from it.
    // Class 1: (−2,2), (−3,3) → μ1 = (−2.5,2.5), both at 0°.
    // Class 2: (3,0), (3,0) → μ2 = (3,0), both at 0°.
    // Mean intra-class angle = (45 + 45 + 0 + 0 + 0 + 0)/6 = 15°.
    // Means: ∠(μ0, μ1) = 90°, ∠(μ0, μ2) = 45°, ∠(μ1, μ2) = 135° → min 45°.
    let xs = [1.0, 0.0, 0.0, 1.0, -2.0, 2.0, -3.0, 3.0, 3.0, 0.0, 3.0, 0.0];
    let p = Points::new(2, &xs, &[0, 0, 1, 1, 2, 2]).unwrap();
    let a = angles(&p);
    assert_close!(a.mean_intra_class_deg.unwrap(), 15.0);
    assert_close!(a.min_inter_class_deg.unwrap(), 45.0);
    // 3-D: class 0 along x, class 1 along y, class 2 along z → all pairs 90°.
    let xs = [2.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 4.0];
    let p = Points::new(3, &xs, &[0, 1, 2]).unwrap();
    let a = angles(&p);
    assert_close!(a.mean_intra_class_deg.unwrap(), 0.0);
    assert_close!(a.min_inter_class_deg.unwrap(), 90.0);
    // A zero point or a zero class mean has no angle: skipped, not NaN.
    let xs = [0.0, 0.0, 1.0, 0.0, -1.0, 0.0];
    let p = Points::new(2, &xs, &[0, 1, 1]).unwrap();
    let a = angles(&p);
    assert_eq!(a.mean_intra_class_deg, None);
    assert_eq!(a.min_inter_class_deg, None);
}

#[test]
fn nmi_by_hand_and_references() {
    // A = [0,0,0,1,1,1], B = [0,0,1,1,2,2]: H(A) = ln 2, H(B) = ln 3;
    // n_ab: (0,0)=2, (0,1)=1, (1,1)=1, (1,2)=2, with n_a = 3, n_b = 2:
    //   I = 2·(2/6)·ln(6·2/(3·2)) + 2·(1/6)·ln(6·1/(3·2)) = (2/3) ln 2
    //   NMI = (2/3) ln 2 / ((ln 2 + ln 3)/2) = (4/3) ln 2 / ln 6 ≈ 0.5158
    let v = nmi(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]).unwrap();
    assert_close!(v, 4.0 / 3.0 * 2f64.ln() / 6f64.ln());
    // Identical up to renaming → 1; independent (each A class split evenly over B) → 0
    // (scikit-learn's normalized_mutual_info_score documents both).
    assert_close!(nmi(&[0, 0, 1, 1, 2, 2], &[5, 5, 3, 3, 9, 9]).unwrap(), 1.0);
    assert_close!(nmi(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap(), 0.0);
    // Symmetric.
    assert_close!(
        nmi(&[0, 0, 1, 1, 2, 2], &[0, 0, 1, 2, 2, 2]).unwrap(),
        nmi(&[0, 0, 1, 2, 2, 2], &[0, 0, 1, 1, 2, 2]).unwrap()
    );
}

#[test]
fn kmeans_finds_separated_blobs_and_is_seeded() {
    let (xs, labels) = blobs(400, 3, 4, 1, 0.3);
    let p = Points::new(3, &xs, &labels).unwrap();
    let a = kmeans(&p, 4, 50, 9);
    assert_eq!(a, kmeans(&p, 4, 50, 9));
    let truth: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
    assert_close!(nmi(&truth, &a).unwrap(), 1.0, 1e-9);
}

// ---------------------------------------------------------------------------------------------
// Naive f64 references on random data
// ---------------------------------------------------------------------------------------------

fn gauss(rng: &mut Rng) -> f64 {
    // Box–Muller.
    let u = ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let v = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// `n` points in `dim` dimensions, `classes` Gaussian blobs (σ = `sigma`) around centers
/// spread on a circle / sphere of radius 3.
fn blobs(n: usize, dim: usize, classes: usize, seed: u64, sigma: f64) -> (Vec<f32>, Vec<u8>) {
    let mut rng = Rng::new(seed);
    let centers: Vec<Vec<f64>> = (0..classes)
        .map(|c| {
            let t = std::f64::consts::TAU * c as f64 / classes as f64;
            let mut v = vec![3.0 * t.cos(), 3.0 * t.sin()];
            v.resize(dim, 0.0);
            if dim >= 3 {
                v[2] = if c % 2 == 0 { 1.5 } else { -1.5 };
            }
            v
        })
        .collect();
    let mut xs = Vec::with_capacity(n * dim);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let c = (i * 7 + i / 3) % classes;
        for &m in centers[c].iter() {
            xs.push((m + sigma * gauss(&mut rng)) as f32);
        }
        labels.push(c as u8);
    }
    (xs, labels)
}

fn rows(xs: &[f32], dim: usize) -> Vec<Vec<f64>> {
    xs.chunks(dim)
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect()
}

fn naive_dist(a: &[f64], b: &[f64], cosine: bool) -> f64 {
    if cosine {
        let mut dot = 0.0;
        let mut na = 0.0;
        let mut nb = 0.0;
        for i in 0..a.len() {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        1.0 - dot / (na.sqrt() * nb.sqrt())
    } else {
        let mut s = 0.0;
        for i in 0..a.len() {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        s.sqrt()
    }
}

/// (k-NN accuracy, P@1, MAP@R) with a full sort per query.
fn naive_retrieval(x: &[Vec<f64>], y: &[u8], k: usize, cosine: bool) -> (f64, f64, f64) {
    let n = x.len();
    let (mut hits, mut p1, mut map, mut q) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..n {
        let mut others: Vec<(f64, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| (naive_dist(&x[i], &x[j], cosine), j))
            .collect();
        others.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then(a.1.cmp(&b.1)));
        let mut votes = [0usize; 256];
        for &(_, j) in others.iter().take(k) {
            votes[y[j] as usize] += 1;
        }
        let top = *votes.iter().max().unwrap();
        let pred = others
            .iter()
            .take(k)
            .map(|&(_, j)| y[j])
            .find(|&l| votes[l as usize] == top)
            .unwrap();
        if pred == y[i] {
            hits += 1.0;
        }
        let r = (0..n).filter(|&j| j != i && y[j] == y[i]).count();
        if r == 0 {
            continue;
        }
        q += 1.0;
        if y[others[0].1] == y[i] {
            p1 += 1.0;
        }
        let mut correct = 0.0;
        let mut ap = 0.0;
        for (pos, &(_, j)) in others.iter().take(r).enumerate() {
            if y[j] == y[i] {
                correct += 1.0;
                ap += correct / (pos + 1) as f64;
            }
        }
        map += ap / r as f64;
    }
    (hits / n as f64, p1 / q, map / q)
}

fn naive_silhouette(x: &[Vec<f64>], y: &[u8]) -> f64 {
    let n = x.len();
    let mut total = 0.0;
    for i in 0..n {
        let own: Vec<f64> = (0..n)
            .filter(|&j| j != i && y[j] == y[i])
            .map(|j| naive_dist(&x[i], &x[j], false))
            .collect();
        if own.is_empty() {
            continue;
        }
        let a = own.iter().sum::<f64>() / own.len() as f64;
        let mut b = f64::INFINITY;
        for c in 0..=255u8 {
            if c == y[i] {
                continue;
            }
            let d: Vec<f64> = (0..n)
                .filter(|&j| y[j] == c)
                .map(|j| naive_dist(&x[i], &x[j], false))
                .collect();
            if !d.is_empty() {
                b = b.min(d.iter().sum::<f64>() / d.len() as f64);
            }
        }
        total += (b - a) / a.max(b);
    }
    total / n as f64
}

fn naive_means(x: &[Vec<f64>], y: &[u8], classes: usize) -> Vec<Vec<f64>> {
    (0..classes)
        .map(|c| {
            let members: Vec<&Vec<f64>> = (0..x.len())
                .filter(|&i| y[i] as usize == c)
                .map(|i| &x[i])
                .collect();
            (0..x[0].len())
                .map(|d| members.iter().map(|m| m[d]).sum::<f64>() / members.len() as f64)
                .collect()
        })
        .collect()
}

fn naive_angle_deg(a: &[f64], b: &[f64]) -> f64 {
    (1.0 - naive_dist(a, b, true))
        .clamp(-1.0, 1.0)
        .acos()
        .to_degrees()
}

#[test]
fn retrieval_matches_naive_loops() {
    for (dim, seed) in [(2, 1), (3, 2)] {
        // σ = 1.2: overlapping blobs, so every metric is strictly between 0 and 1.
        let (xs, labels) = blobs(90, dim, 5, seed, 1.2);
        let p = Points::new(dim, &xs, &labels).unwrap();
        let x = rows(&xs, dim);
        for k in [1, 4, 5, 200] {
            for (distance, cosine) in [(Distance::Euclidean, false), (Distance::Cosine, true)] {
                let r = retrieval(&p, k, distance);
                let (acc, p1, map) = naive_retrieval(&x, &labels, k, cosine);
                let what = format!("dim {dim} k {k} {distance:?}");
                assert!(close(r.knn.accuracy.unwrap(), acc, 1e-12), "{what}");
                assert!(close(r.precision_at_1.unwrap(), p1, 1e-12), "{what}");
                assert!(close(r.map_at_r.unwrap(), map, 1e-12), "{what}");
                assert!(0.0 < map && map < 1.0, "{what}: {map}");
            }
        }
    }
}

#[test]
fn silhouette_spread_angles_and_prototypes_match_naive_loops() {
    for (dim, seed) in [(2, 3), (3, 4)] {
        let (xs, labels) = blobs(120, dim, 4, seed, 1.0);
        let p = Points::new(dim, &xs, &labels).unwrap();
        let x = rows(&xs, dim);
        let n = x.len();

        assert_close!(
            silhouette(&p).unwrap(),
            naive_silhouette(&x, &labels),
            1e-12
        );

        let mu = naive_means(&x, &labels, 4);
        let mut sq = 0.0;
        let mut intra = 0.0;
        for i in 0..n {
            let m = &mu[labels[i] as usize];
            sq += naive_dist(&x[i], m, false).powi(2);
            intra += naive_angle_deg(&x[i], m);
        }
        let mut pair_d = vec![];
        let mut pair_a = vec![];
        for a in 0..4 {
            for b in a + 1..4 {
                pair_d.push(naive_dist(&mu[a], &mu[b], false));
                pair_a.push(naive_angle_deg(&mu[a], &mu[b]));
            }
        }
        let s = spread(&p);
        let rms = (sq / n as f64).sqrt();
        let d = pair_d.iter().sum::<f64>() / 6.0;
        assert_close!(s.intra_class_rms.unwrap(), rms, 1e-9);
        assert_close!(s.inter_class_mean.unwrap(), d, 1e-9);
        assert_close!(
            s.inter_class_min.unwrap(),
            pair_d.iter().copied().fold(f64::INFINITY, f64::min),
            1e-9
        );
        assert_close!(s.ratio.unwrap(), rms / d, 1e-9);
        let a = angles(&p);
        // acos loses ~1e-8 rad near 0; Kahan's formula does not.
        assert_close!(a.mean_intra_class_deg.unwrap(), intra / n as f64, 1e-5);
        assert_close!(
            a.min_inter_class_deg.unwrap(),
            pair_a.iter().copied().fold(f64::INFINITY, f64::min),
            1e-5
        );

        // Nearest class mean, written out.
        let means = class_means(&p, 4);
        for (c, m) in means.iter().enumerate() {
            let m = m.as_ref().unwrap();
            for j in 0..dim {
                assert_close!(m[j], mu[c][j], 1e-12);
            }
        }
        let flat: Vec<f32> = mu.iter().flatten().map(|&v| v as f32).collect();
        let pred = nearest_prototype(&p, &flat, Distance::Euclidean).unwrap();
        for i in 0..n {
            let mut best = (f64::INFINITY, 0);
            for (c, m) in flat.chunks(dim).enumerate() {
                let m: Vec<f64> = m.iter().map(|&v| v as f64).collect();
                let d = naive_dist(&x[i], &m, false);
                if d < best.0 {
                    best = (d, c);
                }
            }
            assert_eq!(pred[i] as usize, best.1, "point {i}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The entry point
// ---------------------------------------------------------------------------------------------

#[test]
fn compute_on_the_hand_built_line() {
    let (xs, labels) = line_set();
    let p = Points::new(2, &xs, &labels).unwrap();
    let config = MetricsConfig {
        k: 3,
        ..MetricsConfig::default()
    };
    // Head: one mistake (the point at 2.6 called class 0). Prototypes (1, 0) and (5, 0):
    // 2.6 is nearer to (1,0) (1.6 < 2.4) → one mistake.
    let head = [0, 0, 0, 0, 1, 1];
    let protos = [1.0, 0.0, 5.0, 0.0];
    let m = EmbeddingMetrics::compute(&p, &config, Some(&protos), Some(&head)).unwrap();
    assert_eq!((m.points, m.nonfinite_points, m.classes), (6, 0, 2));
    assert_eq!(m.class_counts, vec![3, 3]);
    assert_close!(m.head.as_ref().unwrap().accuracy.unwrap(), 5.0 / 6.0);
    assert_close!(
        m.nearest_prototype.as_ref().unwrap().accuracy.unwrap(),
        5.0 / 6.0
    );
    // Class means μ0 = 1, μ1 = 13.6/3 ≈ 4.533: 2.6 is at 1.6 from μ0 and ≈ 1.93 from μ1 → 5/6.
    assert_close!(
        m.nearest_class_mean.as_ref().unwrap().accuracy.unwrap(),
        5.0 / 6.0
    );
    let e = m.euclidean.as_ref().unwrap();
    assert_close!(e.knn.accuracy.unwrap(), 5.0 / 6.0);
    assert_close!(e.map_at_r.unwrap(), 4.25 / 6.0);
    // All points lie on the positive x-axis (or at 0): cosine sees one direction.
    assert_eq!(m.cosine.as_ref().unwrap().points, 6);
    assert_eq!(m.silhouette_points, 6);
    assert!(m.silhouette.is_some());
    // k-means with k = 2 splits {0, 1, 2, 2.6} | {5, 6}: n_ab = (0,A)=3, (1,A)=1, (1,B)=2.
    //   I = (3/6) ln(6·3/(3·4)) + (1/6) ln(6·1/(3·4)) + (2/6) ln(6·2/(3·2))
    //   H(Y) = ln 2, H(K) = −(4/6) ln(4/6) − (2/6) ln(2/6)
    let i = 0.5 * 1.5f64.ln() + (0.5f64).ln() / 6.0 + 2f64.ln() / 3.0;
    let hk = -(4.0 / 6.0) * (4.0f64 / 6.0).ln() - (2.0 / 6.0) * (2.0f64 / 6.0).ln();
    assert_close!(m.nmi_kmeans.unwrap(), i / ((2f64.ln() + hk) / 2.0));
}

/// Every scalar metric has exactly one entry in the readers' table, in the same order, with
/// distinct labels; values print in their units (on the hand-built line above: head accuracy
/// 5/6, 6 points, no silhouette on one class).
#[test]
fn scalar_table_names_every_metric_and_prints_its_unit() {
    use playground::metrics::{SCALARS, Unit, scalar_info};
    let (xs, labels) = line_set();
    let p = Points::new(2, &xs, &labels).unwrap();
    let head = [0, 0, 0, 0, 1, 1];
    let m = EmbeddingMetrics::compute(&p, &MetricsConfig::default(), None, Some(&head)).unwrap();
    let names: Vec<&str> = m.scalars().into_iter().map(|(n, _)| n).collect();
    let table: Vec<&str> = SCALARS.iter().map(|s| s.name).collect();
    assert_eq!(names, table);
    for labels in [
        SCALARS.iter().map(|s| s.label).collect::<Vec<_>>(),
        SCALARS.iter().map(|s| s.short).collect(),
    ] {
        let mut unique = labels.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), labels.len(), "{labels:?}");
    }
    assert_eq!(m.formatted("head_accuracy"), "83.3 %");
    assert_eq!(m.formatted("points"), "6");
    assert_eq!(m.scalar("points"), Some(6.0));
    assert_eq!(m.formatted("no_such_metric"), "–");
    assert_eq!(m.scalar("no_such_metric"), None);
    assert_eq!(scalar_info("spread_ratio").unwrap().short, "S/D");
    assert_eq!(Unit::Degrees.format(Some(12.345)), "12.3°");
    assert_eq!(Unit::Plain.format(Some(0.12345)), "0.123");
    assert_eq!(Unit::Percent.format(None), "–");
    // One class only: the spread ratio is undefined, and prints as a dash.
    let one = Points::new(2, &xs[..6], &[0, 0, 0]).unwrap();
    let m1 = EmbeddingMetrics::compute(&one, &MetricsConfig::default(), None, None).unwrap();
    assert_eq!(m1.formatted("spread_ratio"), "–");
}

#[test]
fn compute_is_deterministic_and_subsamples_to_the_budget() {
    let (xs, labels) = blobs(700, 2, 10, 5, 0.6);
    let p = Points::new(2, &xs, &labels).unwrap();
    let config = MetricsConfig {
        retrieval_sample: 300,
        silhouette_sample: 200,
        seed: 11,
        ..MetricsConfig::default()
    };
    let a = EmbeddingMetrics::compute(&p, &config, None, None).unwrap();
    let b = EmbeddingMetrics::compute(&p, &config, None, None).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.euclidean.as_ref().unwrap().points, 300);
    assert_eq!(a.cosine.as_ref().unwrap().points, 300);
    assert_eq!(a.silhouette_points, 200);
    // O(n) metrics see every point.
    assert_eq!(a.nearest_class_mean.as_ref().unwrap().evaluated, 700);
    // Another seed draws another subsample (and nearly the same values).
    let c = EmbeddingMetrics::compute(
        &p,
        &MetricsConfig {
            seed: 12,
            ..config.clone()
        },
        None,
        None,
    )
    .unwrap();
    assert_ne!(a.silhouette, c.silhouette);
    assert!(close(a.silhouette.unwrap(), c.silhouette.unwrap(), 0.1));
    // Under the budget, the seed does not matter.
    let small = Points::new(2, &xs[..200], &labels[..100]).unwrap();
    let s1 = EmbeddingMetrics::compute(&small, &config, None, None).unwrap();
    let s2 = EmbeddingMetrics::compute(
        &small,
        &MetricsConfig {
            seed: 99,
            ..config.clone()
        },
        None,
        None,
    )
    .unwrap();
    assert_eq!(s1.euclidean, s2.euclidean);
    assert_eq!(s1.silhouette, s2.silhouette);
}

#[test]
fn well_separated_classes_score_perfectly() {
    let (xs, labels) = blobs(500, 3, 10, 6, 0.02);
    let p = Points::new(3, &xs, &labels).unwrap();
    let protos: Vec<f32> = class_means(&p, 10)
        .into_iter()
        .flat_map(|m| m.unwrap())
        .map(|v| v as f32)
        .collect();
    let m = EmbeddingMetrics::compute(&p, &MetricsConfig::default(), Some(&protos), Some(&labels))
        .unwrap();
    assert_eq!(m.nearest_prototype.as_ref().unwrap().accuracy, Some(1.0));
    for (name, v) in m.scalars() {
        assert!(v.is_some(), "{name}");
    }
    assert_eq!(m.head.as_ref().unwrap().accuracy, Some(1.0));
    assert_eq!(m.nearest_class_mean.as_ref().unwrap().accuracy, Some(1.0));
    let e = m.euclidean.as_ref().unwrap();
    assert_eq!(e.knn.accuracy, Some(1.0));
    assert_eq!(e.precision_at_1, Some(1.0));
    assert_close!(e.map_at_r.unwrap(), 1.0);
    assert!(m.silhouette.unwrap() > 0.95);
    assert!(m.spread.ratio.unwrap() < 0.02);
    assert!(m.nmi_kmeans.unwrap() > 0.9, "{:?}", m.nmi_kmeans);
    assert!(
        m.head
            .as_ref()
            .unwrap()
            .per_class_accuracy
            .iter()
            .all(|a| *a == Some(1.0))
    );
}

// ---------------------------------------------------------------------------------------------
// Edge cases: never panic, never NaN
// ---------------------------------------------------------------------------------------------

/// Every scalar is `None` or finite, and the JSON has no NaN and round-trips.
fn check_clean(m: &EmbeddingMetrics) {
    for (name, v) in m.scalars() {
        assert!(v.is_none_or(f64::is_finite), "{name} = {v:?}");
    }
    let json = serde_json::to_string(m).unwrap();
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
    // Round trip: serde_json (without its `float_roundtrip` feature) may parse a float one
    // unit in the last place off, so floats are compared with a tolerance.
    let back: EmbeddingMetrics = serde_json::from_str(&json).unwrap();
    for ((name, a), (_, b)) in back.scalars().into_iter().zip(m.scalars()) {
        match (a, b) {
            (Some(a), Some(b)) => assert!(close(a, b, 1e-14 * b.abs().max(1.0)), "{name}"),
            (a, b) => assert_eq!(a, b, "{name}"),
        }
    }
    assert_eq!(back.class_counts, m.class_counts);
    assert_eq!(back.config, m.config);
    assert_eq!(
        back.head.as_ref().map(|h| &h.confusion),
        m.head.as_ref().map(|h| &h.confusion)
    );
    let csv = m.to_csv();
    assert_eq!(csv.lines().count(), 2);
    assert_eq!(
        csv.lines().next().unwrap().split(',').count(),
        csv.lines().nth(1).unwrap().split(',').count()
    );
}

#[test]
fn single_class() {
    let xs = on_x_axis(&[1.0, 2.0, 3.0]);
    let p = Points::new(2, &xs, &[0, 0, 0]).unwrap();
    let m = EmbeddingMetrics::compute(&p, &MetricsConfig::default(), None, None).unwrap();
    check_clean(&m);
    assert_eq!(m.silhouette, None);
    assert_eq!(m.spread.ratio, None);
    assert_eq!(m.angles.min_inter_class_deg, None);
    assert_eq!(m.euclidean.as_ref().unwrap().knn.accuracy, Some(1.0));
    // One class and one cluster: NMI = 1 (both entropies 0, scikit-learn's convention).
    assert_eq!(m.nmi_kmeans, Some(1.0));
}

#[test]
fn empty_class_in_the_middle() {
    // Labels 0 and 2; class 1 has no points but the prototypes name it.
    let xs = on_x_axis(&[0.0, 1.0, 9.0, 10.0]);
    let p = Points::new(2, &xs, &[0, 0, 2, 2]).unwrap();
    let protos = [0.5, 0.0, 5.0, 0.0, 9.5, 0.0];
    let m = EmbeddingMetrics::compute(&p, &MetricsConfig::default(), Some(&protos), None).unwrap();
    check_clean(&m);
    assert_eq!(m.classes, 3);
    assert_eq!(m.class_counts, vec![2, 0, 2]);
    let np = m.nearest_prototype.as_ref().unwrap();
    assert_eq!(np.accuracy, Some(1.0));
    assert_eq!(np.per_class_accuracy, vec![Some(1.0), None, Some(1.0)]);
    assert_eq!(m.nmi_kmeans, Some(1.0));
    // Pairs of *non-empty* classes only: ‖0.5 − 9.5‖ = 9.
    assert_close!(m.spread.inter_class_min.unwrap(), 9.0);
}

#[test]
fn duplicate_points() {
    let xs = [1.0f32, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    let p = Points::new(2, &xs, &[0, 1, 0, 1]).unwrap();
    let m = EmbeddingMetrics::compute(&p, &MetricsConfig::default(), None, Some(&[0, 0, 0, 0]))
        .unwrap();
    check_clean(&m);
    assert_eq!(m.silhouette, Some(0.0));
    // All class means coincide: D = 0, so no ratio; the angle between equal means is 0°.
    assert_eq!(m.spread.inter_class_mean, Some(0.0));
    assert_eq!(m.spread.ratio, None);
    assert_eq!(m.angles.min_inter_class_deg, Some(0.0));
    // Equal distances: ties by index. Query 0's neighbours 1 (c1), 2 (c0), 3 (c1).
    assert!(m.euclidean.as_ref().unwrap().knn.accuracy.is_some());
}

#[test]
fn nan_and_infinite_rows_are_dropped_and_counted() {
    let (mut xs, labels) = line_set();
    xs[2] = f32::NAN; // point 1
    xs[9] = f32::INFINITY; // point 4 (y coordinate)
    let p = Points::new(2, &xs, &labels).unwrap();
    let head = [0, 0, 0, 0, 1, 1];
    let protos = [1.0, 0.0, f32::NAN, 0.0];
    let m = EmbeddingMetrics::compute(&p, &MetricsConfig::default(), Some(&protos), Some(&head))
        .unwrap();
    check_clean(&m);
    assert_eq!(
        (m.points, m.nonfinite_points, m.nonfinite_prototypes),
        (6, 2, 1)
    );
    assert_eq!(m.head.as_ref().unwrap().evaluated, 4);
    // Only prototype 0 is usable: the two class-1 points left are called class 0.
    assert_eq!(m.nearest_prototype.as_ref().unwrap().accuracy, Some(0.5));
    assert_eq!(m.euclidean.as_ref().unwrap().points, 4);

    // Everything NaN: a clean, empty result.
    let xs = [f32::NAN; 6];
    let p = Points::new(2, &xs, &[0, 1, 2]).unwrap();
    let m =
        EmbeddingMetrics::compute(&p, &MetricsConfig::default(), None, Some(&[0, 1, 2])).unwrap();
    check_clean(&m);
    assert_eq!(m.nonfinite_points, 3);
    assert!(m.scalars().iter().skip(2).all(|(_, v)| v.is_none()));
    // Huge but finite values: no overflow to ∞ (distances are computed in f64).
    let xs = [f32::MAX, f32::MAX, -f32::MAX, -f32::MAX, 0.0, 0.0, 1.0, 1.0];
    let p = Points::new(2, &xs, &[0, 1, 0, 1]).unwrap();
    check_clean(&EmbeddingMetrics::compute(&p, &MetricsConfig::default(), None, None).unwrap());
}

#[test]
fn empty_input_and_one_point() {
    let p = Points::new(3, &[], &[]).unwrap();
    let m = EmbeddingMetrics::compute(&p, &MetricsConfig::default(), None, Some(&[])).unwrap();
    check_clean(&m);
    assert_eq!(m.classes, 0);
    let p = Points::new(2, &[1.0, 2.0], &[4]).unwrap();
    let m = EmbeddingMetrics::compute(&p, &MetricsConfig::default(), None, None).unwrap();
    check_clean(&m);
    assert_eq!(m.euclidean, None);
    assert_eq!(m.nearest_class_mean.as_ref().unwrap().accuracy, Some(1.0));
}

#[test]
fn bad_shapes_and_configs_are_errors() {
    assert_eq!(Points::new(0, &[], &[]), Err(MetricsError::ZeroDim));
    assert!(matches!(
        Points::new(2, &[1.0, 2.0, 3.0], &[0, 1]),
        Err(MetricsError::Shape {
            values: 3,
            labels: 2,
            dim: 2
        })
    ));
    let (xs, labels) = line_set();
    let p = Points::new(2, &xs, &labels).unwrap();
    let c = MetricsConfig::default();
    assert!(matches!(
        EmbeddingMetrics::compute(&p, &c, None, Some(&[0, 1])),
        Err(MetricsError::Predictions {
            predictions: 2,
            points: 6
        })
    ));
    assert!(matches!(
        EmbeddingMetrics::compute(&p, &c, Some(&[1.0]), None),
        Err(MetricsError::Prototypes { .. })
    ));
    assert!(matches!(
        EmbeddingMetrics::compute(&p, &c, Some(&vec![0.0; 2 * 257]), None),
        Err(MetricsError::Prototypes { .. })
    ));
    let bad = MetricsConfig {
        silhouette_sample: 1,
        ..c
    };
    let e = EmbeddingMetrics::compute(&p, &bad, None, None).unwrap_err();
    assert!(e.to_string().contains("silhouette_sample = 1"), "{e}");
}

#[test]
fn config_serde_fills_defaults() {
    let c: MetricsConfig =
        serde_json::from_str(r#"{"k": 7, "prototype_distance": "cosine"}"#).unwrap();
    assert_eq!(c.k, 7);
    assert_eq!(c.prototype_distance, Distance::Cosine);
    assert_eq!(c.retrieval_sample, 2_000);
    assert_eq!(c.silhouette_sample, 1_000);
}

// ---------------------------------------------------------------------------------------------
// Fingerprint
// ---------------------------------------------------------------------------------------------

#[test]
fn fingerprint_is_pinned() {
    // Pinned values, also produced by an independent Python implementation of the documented
    // byte layout (FNV-1a 64 of the tag, u64 LE count, i64 LE round(acc·1e6), i64 LE
    // round(v·1e4) per value): if these change, old exports no longer match.
    let emb = [0.5f32, -1.25, 3.14321, 2.71234, -0.0001, 10.0];
    assert_eq!(fingerprint(0.9587, &emb, 4), "8690d627a4425893");
    assert_eq!(fingerprint(0.9587, &emb, 6), "b2f83aa5428ab04e");
    assert_eq!(fingerprint(0.5, &[], 10), "78b72433a63491d1");
    assert_eq!(fingerprint(0.9587, &emb, 4).len(), 16);
}

#[test]
fn fingerprint_stability_and_sensitivity() {
    let (xs, _) = blobs(200, 3, 10, 8, 1.0);
    let base = fingerprint(0.9123, &xs, 300);
    assert_eq!(base, fingerprint(0.9123, &xs, 300));
    // n_first beyond the slice hashes the whole slice (and says how many values).
    assert_eq!(
        fingerprint(0.9123, &xs, 600),
        fingerprint(0.9123, &xs, 10_000)
    );
    assert_ne!(fingerprint(0.9123, &xs, 600), base);
    // Values past n_first do not count.
    let mut tail = xs.clone();
    tail[300] += 1.0;
    assert_eq!(fingerprint(0.9123, &tail, 300), base);
    // Noise far below the 1e-4 grid (away from a rounding boundary) does not change it:
    // quantise to the grid's centre, then add ±1e-6.
    let centred: Vec<f32> = xs.iter().map(|v| (v * 1e4).round() / 1e4).collect();
    let c = fingerprint(0.9123, &centred, 300);
    let jitter: Vec<f32> = centred
        .iter()
        .enumerate()
        .map(|(i, v)| v + if i % 2 == 0 { 1e-6 } else { -1e-6 })
        .collect();
    assert_eq!(fingerprint(0.9123, &jitter, 300), c);
    // A change of 2e-4 in one value, or of one test image in 10,000, does.
    let mut moved = centred.clone();
    moved[17] += 2e-4;
    assert_ne!(fingerprint(0.9123, &moved, 300), c);
    assert_ne!(fingerprint(0.9124, &centred, 300), c);
    // Swapping two values changes it (order matters).
    let mut swapped = centred.clone();
    swapped.swap(0, 1);
    assert_ne!(fingerprint(0.9123, &swapped, 300), c);
    // NaN / ±∞ hash without panicking, distinct from 0 and from each other.
    let f = |v: f32| fingerprint(0.5, &[v], 1);
    let all = [f(0.0), f(f32::NAN), f(f32::INFINITY), f(f32::NEG_INFINITY)];
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            assert_ne!(all[i], all[j]);
        }
    }
    assert_eq!(f(0.0), f(-0.0));
}
