//! Every loss of shared/LOSSES.md against a naive f64 implementation written with plain loops
//! (pair by pair, triplet by triplet), on hand-built 2-D and 3-D embeddings:
//! - the value (and the named terms) of `Loss::forward`;
//! - burn's autodiff gradient w.r.t. the embeddings against central finite differences of
//!   the naive f64 loss, and against central finite differences of burn's own f32 forward;
//! - the branches: arcface's `θ + m > π`, sphereface's `k > 0`, the semihard fallback, empty
//!   positive / negative sets;
//! - `lab loss` (JSON in → JSON out, and errors).
#![cfg(not(target_arch = "wasm32"))]

use std::f64::consts::PI;

use burn::tensor::{Device, Tensor, TensorData};
use playground::loss::{HeadValues, Loss, LossConfig, Matrix, Targets};

type M = Vec<Vec<f64>>;

/// A batch and the head values a loss needs.
#[derive(Clone, Debug, Default)]
struct Case {
    z: M,
    labels: Vec<usize>,
    classes: usize,
    weights: Option<M>,
    bias: Option<Vec<f64>>,
    centers: Option<M>,
    targets: Option<M>,
    step: usize,
}

fn matrix(m: &M) -> Matrix {
    let rows: Vec<Vec<f32>> = m
        .iter()
        .map(|r| r.iter().map(|&v| v as f32).collect())
        .collect();
    Matrix::from_rows("test", &rows).unwrap()
}

fn config(json: &str) -> LossConfig {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn build(cfg: &LossConfig, case: &Case, device: &Device) -> Loss {
    let values = HeadValues {
        weights: case.weights.as_ref().map(matrix),
        bias: case
            .bias
            .as_ref()
            .map(|b| b.iter().map(|&v| v as f32).collect()),
        centers: case.centers.as_ref().map(matrix),
        targets: case.targets.as_ref().map(matrix),
    };
    cfg.build(case.z[0].len(), case.classes, values, device)
        .unwrap()
}

fn tensor(z: &M, device: &Device) -> Tensor<2> {
    let data: Vec<f32> = z.iter().flatten().map(|&v| v as f32).collect();
    Tensor::from_data(TensorData::new(data, [z.len(), z[0].len()]), device)
}

fn scalar(t: Tensor<1>) -> f64 {
    t.into_data().try_to_vec::<f32>().unwrap()[0] as f64
}

/// Loss, terms and autodiff gradient from `Loss::forward` (the training code path).
fn burn_eval(cfg: &LossConfig, case: &Case) -> (f64, Vec<(String, f64)>, M) {
    let device = playground::backend::cpu().autodiff();
    let loss = build(cfg, case, &device);
    let targets = Targets::from_labels(&case.labels, case.classes, &device).with_step(case.step);
    let z = tensor(&case.z, &device).require_grad();
    let out = loss.forward(z.clone(), &targets);
    let grads = out.total.backward();
    let d = case.z[0].len();
    let grad = match z.grad(&grads) {
        Some(g) => g
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()
            .chunks(d)
            .map(|r| r.iter().map(|&v| v as f64).collect())
            .collect(),
        None => vec![vec![0.0; d]; case.z.len()],
    };
    let terms = out
        .terms
        .into_iter()
        .map(|(n, t)| (n.to_string(), scalar(t)))
        .collect();
    (scalar(out.total), terms, grad)
}

/// Loss value from burn's forward (f32, no autodiff), at embeddings `z`.
fn burn_value(cfg: &LossConfig, case: &Case, z: &M) -> f64 {
    let device = playground::backend::cpu();
    let loss = build(cfg, case, &device);
    let targets = Targets::from_labels(&case.labels, case.classes, &device).with_step(case.step);
    scalar(loss.forward(tensor(z, &device), &targets).total)
}

/// Central finite differences of `f` at `z`.
fn fd_grad(f: impl Fn(&M) -> f64, z: &M, eps: f64) -> M {
    let mut g = vec![vec![0.0; z[0].len()]; z.len()];
    for i in 0..z.len() {
        for k in 0..z[0].len() {
            let mut plus = z.clone();
            plus[i][k] += eps;
            let mut minus = z.clone();
            minus[i][k] -= eps;
            g[i][k] = (f(&plus) - f(&minus)) / (2.0 * eps);
        }
    }
    g
}

fn assert_close(what: &str, got: f64, want: f64, abs: f64, rel: f64) {
    assert!(
        (got - want).abs() <= abs + rel * want.abs().max(got.abs()),
        "{what}: got {got}, want {want}"
    );
}

fn assert_grad_close(what: &str, got: &M, want: &M, abs: f64, rel: f64) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        for (k, (a, b)) in g.iter().zip(w).enumerate() {
            assert!(
                (a - b).abs() <= abs + rel * a.abs().max(b.abs()),
                "{what}: ∂L/∂z[{i}][{k}] got {a}, want {b}\n got {got:?}\nwant {want:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Naive f64 reference implementations: plain loops, no tensors.

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt().max(1e-12)
}

fn unit(a: &[f64]) -> Vec<f64> {
    let n = norm(a);
    a.iter().map(|v| v / n).collect()
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
        .max(1e-12)
}

/// `−log softmax(l)[y]`.
fn ce(logits: &[f64], y: usize) -> f64 {
    let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let lse = max + logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
    lse - logits[y]
}

fn naive_softmax(z: &M, c: &Case) -> f64 {
    let w = c.weights.as_ref().unwrap();
    let mut total = 0.0;
    for (i, zi) in z.iter().enumerate() {
        let logits: Vec<f64> = (0..c.classes)
            .map(|j| dot(&w[j], zi) + c.bias.as_ref().map_or(0.0, |b| b[j]))
            .collect();
        total += ce(&logits, c.labels[i]);
    }
    total / z.len() as f64
}

/// Cosine-head cross-entropy with a target transform `f(cos θ_iy, ‖z_i‖) → logit`.
fn naive_cosine(
    z: &M,
    c: &Case,
    scale: f64,
    norm_w: bool,
    norm_z: bool,
    target: impl Fn(f64) -> f64,
) -> f64 {
    let w = c.weights.as_ref().unwrap();
    let mut total = 0.0;
    for (i, zi) in z.iter().enumerate() {
        let zz = if norm_z { unit(zi) } else { zi.clone() };
        let mut logits = Vec::new();
        for (j, wj) in w.iter().enumerate() {
            let ww = if norm_w { unit(wj) } else { wj.clone() };
            let cos = dot(&ww, &zz);
            logits.push(if j == c.labels[i] {
                scale * target(cos)
            } else {
                scale * cos
            });
        }
        total += ce(&logits, c.labels[i]);
    }
    total / z.len() as f64
}

fn arcface_target(cos: f64, m: f64) -> f64 {
    let theta = cos.clamp(-1.0 + 1e-7, 1.0 - 1e-7).acos();
    if theta + m > PI {
        cos - m * m.sin()
    } else {
        (theta + m).cos()
    }
}

/// SphereFace; also returns the `k` of every target logit.
fn naive_sphereface(z: &M, c: &Case, m: u32, lambda: f64) -> (f64, Vec<u32>) {
    let w = c.weights.as_ref().unwrap();
    let mut total = 0.0;
    let mut ks = Vec::new();
    for (i, zi) in z.iter().enumerate() {
        let r = norm(zi);
        let zz = unit(zi);
        let mut logits = Vec::new();
        for (j, wj) in w.iter().enumerate() {
            let cos = dot(&unit(wj), &zz);
            if j == c.labels[i] {
                let theta = cos.clamp(-1.0, 1.0).acos();
                let k = ((m as f64 * theta / PI).floor() as u32).min(m - 1);
                ks.push(k);
                let sign = if k.is_multiple_of(2) { 1.0 } else { -1.0 };
                let psi = sign * (m as f64 * theta).cos() - 2.0 * k as f64;
                logits.push((lambda * r * cos + r * psi) / (1.0 + lambda));
            } else {
                logits.push(r * cos);
            }
        }
        total += ce(&logits, c.labels[i]);
    }
    (total / z.len() as f64, ks)
}

fn naive_center(z: &M, c: &Case, lambda: f64) -> (f64, f64) {
    let centers = c.centers.as_ref().unwrap();
    let mut sum = 0.0;
    for (i, zi) in z.iter().enumerate() {
        let d = dist(zi, &centers[c.labels[i]]);
        sum += d * d;
    }
    (naive_softmax(z, c), lambda * sum / (2.0 * z.len() as f64))
}

/// (positive term, negative term).
fn naive_contrastive(z: &M, c: &Case, margin: f64, normalize: bool) -> (f64, f64) {
    let z: M = if normalize {
        z.iter().map(|r| unit(r)).collect()
    } else {
        z.clone()
    };
    let (mut pos, mut npos, mut neg, mut nneg) = (0.0, 0, 0.0, 0);
    for i in 0..z.len() {
        for j in i + 1..z.len() {
            let d = dist(&z[i], &z[j]);
            if c.labels[i] == c.labels[j] {
                pos += d * d;
                npos += 1;
            } else {
                neg += (margin - d).max(0.0).powi(2);
                nneg += 1;
            }
        }
    }
    let mean = |s: f64, n: usize| if n == 0 { 0.0 } else { s / n as f64 };
    (mean(pos, npos), mean(neg, nneg))
}

#[derive(Debug, Default)]
struct TripletStats {
    /// Semihard: pairs with a semi-hard negative, pairs that fell back to the hardest one.
    semihard: usize,
    fallback: usize,
    /// Terms averaged.
    count: usize,
}

fn naive_triplet(z: &M, c: &Case, margin: f64, mining: &str) -> (f64, TripletStats) {
    let n = z.len();
    let l =
        |a: usize, p: usize, q: usize| (dist(&z[a], &z[p]) - dist(&z[a], &z[q]) + margin).max(0.0);
    let is_pos = |a: usize, p: usize| a != p && c.labels[a] == c.labels[p];
    let is_neg = |a: usize, q: usize| c.labels[a] != c.labels[q];
    let mut stats = TripletStats::default();
    let mut sum = 0.0;
    match mining {
        "all" => {
            for a in 0..n {
                for p in 0..n {
                    for q in 0..n {
                        if is_pos(a, p) && is_neg(a, q) {
                            sum += l(a, p, q);
                            stats.count += 1;
                        }
                    }
                }
            }
        }
        "hard" => {
            for a in 0..n {
                let p = (0..n)
                    .filter(|&p| is_pos(a, p))
                    .max_by(|&x, &y| dist(&z[a], &z[x]).total_cmp(&dist(&z[a], &z[y])));
                let q = (0..n)
                    .filter(|&q| is_neg(a, q))
                    .min_by(|&x, &y| dist(&z[a], &z[x]).total_cmp(&dist(&z[a], &z[y])));
                if let (Some(p), Some(q)) = (p, q) {
                    sum += l(a, p, q);
                    stats.count += 1;
                }
            }
        }
        "semihard" => {
            for a in 0..n {
                for p in 0..n {
                    if !is_pos(a, p) {
                        continue;
                    }
                    let dap = dist(&z[a], &z[p]);
                    let by_dist =
                        |&x: &usize, &y: &usize| dist(&z[a], &z[x]).total_cmp(&dist(&z[a], &z[y]));
                    let semi = (0..n)
                        .filter(|&q| is_neg(a, q))
                        .filter(|&q| {
                            let d = dist(&z[a], &z[q]);
                            dap < d && d < dap + margin
                        })
                        .min_by(by_dist);
                    let hardest = (0..n).filter(|&q| is_neg(a, q)).min_by(by_dist);
                    let q = match (semi, hardest) {
                        (Some(q), _) => {
                            stats.semihard += 1;
                            q
                        }
                        (None, Some(q)) => {
                            stats.fallback += 1;
                            q
                        }
                        (None, None) => continue,
                    };
                    sum += l(a, p, q);
                    stats.count += 1;
                }
            }
        }
        other => panic!("unknown mining {other}"),
    }
    let mean = if stats.count == 0 {
        0.0
    } else {
        sum / stats.count as f64
    };
    (mean, stats)
}

fn naive_regression(z: &M, c: &Case) -> f64 {
    let t = c.targets.as_ref().unwrap();
    let mut sum = 0.0;
    for (i, zi) in z.iter().enumerate() {
        let d = dist(zi, &t[c.labels[i]]);
        sum += d * d;
    }
    sum / z.len() as f64
}

// ---------------------------------------------------------------------------------------------
// Analytic gradients of the naive losses w.r.t. the embeddings, written out by hand (chain rule,
// plain loops): an independent reference for burn's autodiff.

fn add_scaled(acc: &mut [f64], v: &[f64], s: f64) {
    acc.iter_mut().zip(v).for_each(|(a, b)| *a += s * b);
}

fn softmax_probs(logits: &[f64]) -> Vec<f64> {
    let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

/// `∂ CE / ∂ l_ij` for every row: `(p_ij − δ_{j,y_i}) / N`.
fn ce_grad(logits: &[f64], y: usize, n: usize) -> Vec<f64> {
    softmax_probs(logits)
        .into_iter()
        .enumerate()
        .map(|(j, p)| (p - if j == y { 1.0 } else { 0.0 }) / n as f64)
        .collect()
}

/// Pulls a gradient w.r.t. `ẑ` back to `z`: `(g − (g·ẑ) ẑ) / ‖z‖`.
fn through_normalize(g: &[f64], z: &[f64]) -> Vec<f64> {
    let r = norm(z);
    let u = unit(z);
    let gu = dot(g, &u);
    g.iter().zip(&u).map(|(a, b)| (a - gu * b) / r).collect()
}

fn grad_softmax(z: &M, c: &Case) -> M {
    let w = c.weights.as_ref().unwrap();
    let mut g = vec![vec![0.0; z[0].len()]; z.len()];
    for (i, zi) in z.iter().enumerate() {
        let logits: Vec<f64> = (0..c.classes)
            .map(|j| dot(&w[j], zi) + c.bias.as_ref().map_or(0.0, |b| b[j]))
            .collect();
        for (j, dl) in ce_grad(&logits, c.labels[i], z.len())
            .into_iter()
            .enumerate()
        {
            add_scaled(&mut g[i], &w[j], dl);
        }
    }
    g
}

/// Cosine head with target transform `f` and its derivative `df`, both of `cos θ_iy`.
fn grad_cosine(
    z: &M,
    c: &Case,
    scale: f64,
    norm_w: bool,
    norm_z: bool,
    f: impl Fn(f64) -> f64,
    df: impl Fn(f64) -> f64,
) -> M {
    let w = c.weights.as_ref().unwrap();
    let mut g = vec![vec![0.0; z[0].len()]; z.len()];
    for (i, zi) in z.iter().enumerate() {
        let y = c.labels[i];
        let zz = if norm_z { unit(zi) } else { zi.clone() };
        let ws: M = w
            .iter()
            .map(|wj| if norm_w { unit(wj) } else { wj.clone() })
            .collect();
        let cos: Vec<f64> = ws.iter().map(|wj| dot(wj, &zz)).collect();
        let logits: Vec<f64> = (0..c.classes)
            .map(|j| scale * if j == y { f(cos[j]) } else { cos[j] })
            .collect();
        // Gradient w.r.t. the (possibly normalised) feature, then through the normalisation.
        let mut gz = vec![0.0; zi.len()];
        for (j, dl) in ce_grad(&logits, y, z.len()).into_iter().enumerate() {
            let dc = scale * if j == y { df(cos[j]) } else { 1.0 };
            add_scaled(&mut gz, &ws[j], dl * dc);
        }
        g[i] = if norm_z {
            through_normalize(&gz, zi)
        } else {
            gz
        };
    }
    g
}

/// `d/dc` of ArcFace's target transform.
fn arcface_target_grad(cos: f64, m: f64) -> f64 {
    let lo = -1.0 + 1e-7;
    let hi = 1.0 - 1e-7;
    let theta = cos.clamp(lo, hi).acos();
    if theta + m > PI {
        1.0
    } else if cos < lo || cos > hi {
        0.0
    } else {
        (theta + m).sin() / theta.sin()
    }
}

fn grad_sphereface(z: &M, c: &Case, m: u32, lambda: f64) -> M {
    let w = c.weights.as_ref().unwrap();
    let mut g = vec![vec![0.0; z[0].len()]; z.len()];
    for (i, zi) in z.iter().enumerate() {
        let y = c.labels[i];
        let r = norm(zi);
        let u = unit(zi);
        let ws: M = w.iter().map(|wj| unit(wj)).collect();
        let cos: Vec<f64> = ws.iter().map(|wj| dot(wj, &u)).collect();
        // l_ij = r · h_j(c_ij): h = identity off target, h = (λc + ψ(c))/(1+λ) on target.
        let theta = cos[y].clamp(-1.0, 1.0).acos();
        let k = ((m as f64 * theta / PI).floor() as u32).min(m - 1);
        let sign = if k.is_multiple_of(2) { 1.0 } else { -1.0 };
        let ct = cos[y];
        let (t, dt) = match m {
            1 => (ct, 1.0),
            2 => (2.0 * ct * ct - 1.0, 4.0 * ct),
            3 => (4.0 * ct.powi(3) - 3.0 * ct, 12.0 * ct * ct - 3.0),
            _ => (
                8.0 * ct.powi(4) - 8.0 * ct * ct + 1.0,
                32.0 * ct.powi(3) - 16.0 * ct,
            ),
        };
        let h_y = (lambda * ct + sign * t - 2.0 * k as f64) / (1.0 + lambda);
        let dh_y = (lambda + sign * dt) / (1.0 + lambda);
        let logits: Vec<f64> = (0..c.classes)
            .map(|j| r * if j == y { h_y } else { cos[j] })
            .collect();
        for (j, dl) in ce_grad(&logits, y, z.len()).into_iter().enumerate() {
            let (h, dh) = if j == y { (h_y, dh_y) } else { (cos[j], 1.0) };
            // d(r·h(c))/dz = h(c)·ẑ + h'(c)·(ŵ − c ẑ)
            add_scaled(&mut g[i], &u, dl * (h - dh * cos[j]));
            add_scaled(&mut g[i], &ws[j], dl * dh);
        }
    }
    g
}

fn grad_center(z: &M, c: &Case, lambda: f64) -> M {
    let centers = c.centers.as_ref().unwrap();
    let mut g = grad_softmax(z, c);
    for (i, zi) in z.iter().enumerate() {
        let diff: Vec<f64> = zi
            .iter()
            .zip(&centers[c.labels[i]])
            .map(|(a, b)| a - b)
            .collect();
        add_scaled(&mut g[i], &diff, lambda / z.len() as f64);
    }
    g
}

fn grad_contrastive(z0: &M, c: &Case, margin: f64, normalize: bool) -> M {
    let z: M = if normalize {
        z0.iter().map(|r| unit(r)).collect()
    } else {
        z0.clone()
    };
    let n = z.len();
    let (mut npos, mut nneg) = (0, 0);
    for i in 0..n {
        for j in i + 1..n {
            if c.labels[i] == c.labels[j] {
                npos += 1;
            } else {
                nneg += 1;
            }
        }
    }
    let mut g = vec![vec![0.0; z[0].len()]; n];
    for i in 0..n {
        for j in i + 1..n {
            let diff: Vec<f64> = z[i].iter().zip(&z[j]).map(|(a, b)| a - b).collect();
            let d = dist(&z[i], &z[j]);
            // ∂/∂z_i; ∂/∂z_j is its negative.
            let s = if c.labels[i] == c.labels[j] {
                2.0 / npos as f64
            } else {
                -2.0 * (margin - d).max(0.0) / d / nneg as f64
            };
            add_scaled(&mut g[i], &diff, s);
            add_scaled(&mut g[j], &diff, -s);
        }
    }
    if normalize {
        g = g
            .iter()
            .zip(z0)
            .map(|(gi, zi)| through_normalize(gi, zi))
            .collect();
    }
    g
}

/// Triplet gradient: the naive mining again, then `∂ℓ` for every active chosen triplet.
fn grad_triplet(z: &M, c: &Case, margin: f64, mining: &str) -> M {
    let n = z.len();
    let dd = |a: usize, b: usize| dist(&z[a], &z[b]);
    let is_pos = |a: usize, p: usize| a != p && c.labels[a] == c.labels[p];
    let is_neg = |a: usize, q: usize| c.labels[a] != c.labels[q];
    let mut chosen: Vec<(usize, usize, usize)> = Vec::new();
    let mut count = 0usize;
    for a in 0..n {
        match mining {
            "all" => {
                for p in (0..n).filter(|&p| is_pos(a, p)) {
                    for q in (0..n).filter(|&q| is_neg(a, q)) {
                        chosen.push((a, p, q));
                        count += 1;
                    }
                }
            }
            "hard" => {
                let p = (0..n)
                    .filter(|&p| is_pos(a, p))
                    .max_by(|&x, &y| dd(a, x).total_cmp(&dd(a, y)));
                let q = (0..n)
                    .filter(|&q| is_neg(a, q))
                    .min_by(|&x, &y| dd(a, x).total_cmp(&dd(a, y)));
                if let (Some(p), Some(q)) = (p, q) {
                    chosen.push((a, p, q));
                    count += 1;
                }
            }
            _ => {
                for p in (0..n).filter(|&p| is_pos(a, p)) {
                    let dap = dd(a, p);
                    let semi = (0..n)
                        .filter(|&q| is_neg(a, q) && dap < dd(a, q) && dd(a, q) < dap + margin)
                        .min_by(|&x, &y| dd(a, x).total_cmp(&dd(a, y)));
                    let hard = (0..n)
                        .filter(|&q| is_neg(a, q))
                        .min_by(|&x, &y| dd(a, x).total_cmp(&dd(a, y)));
                    if let Some(q) = semi.or(hard) {
                        chosen.push((a, p, q));
                        count += 1;
                    }
                }
            }
        }
    }
    let mut g = vec![vec![0.0; z[0].len()]; n];
    for (a, p, q) in chosen {
        if dd(a, p) - dd(a, q) + margin <= 0.0 {
            continue;
        }
        let s = 1.0 / count as f64;
        let ap: Vec<f64> = z[a]
            .iter()
            .zip(&z[p])
            .map(|(x, y)| (x - y) / dd(a, p))
            .collect();
        let aq: Vec<f64> = z[a]
            .iter()
            .zip(&z[q])
            .map(|(x, y)| (x - y) / dd(a, q))
            .collect();
        add_scaled(&mut g[a], &ap, s);
        add_scaled(&mut g[p], &ap, -s);
        add_scaled(&mut g[a], &aq, -s);
        add_scaled(&mut g[q], &aq, s);
    }
    g
}

fn grad_regression(z: &M, c: &Case) -> M {
    let t = c.targets.as_ref().unwrap();
    z.iter()
        .enumerate()
        .map(|(i, zi)| {
            zi.iter()
                .zip(&t[c.labels[i]])
                .map(|(a, b)| 2.0 * (a - b) / z.len() as f64)
                .collect()
        })
        .collect()
}

/// The analytic naive gradient for a configuration.
fn naive_grad(cfg: &LossConfig, c: &Case, z: &M) -> M {
    match cfg {
        LossConfig::Softmax(_) => grad_softmax(z, c),
        LossConfig::NormFace(p) => grad_cosine(
            z,
            c,
            p.scale,
            p.normalize_weights,
            p.normalize_features,
            |x| x,
            |_| 1.0,
        ),
        LossConfig::SphereFace(p) => {
            let l = match p.lambda {
                Some(l) => l,
                None => (p.lambda_base * (1.0 + p.gamma * c.step as f64).powf(-p.power))
                    .max(p.lambda_min),
            };
            grad_sphereface(z, c, p.margin, l)
        }
        LossConfig::CosFace(p) => grad_cosine(z, c, p.scale, true, true, |x| x - p.margin, |_| 1.0),
        LossConfig::ArcFace(p) => grad_cosine(
            z,
            c,
            p.scale,
            true,
            true,
            |x| arcface_target(x, p.margin_rad),
            |x| arcface_target_grad(x, p.margin_rad),
        ),
        LossConfig::Center(p) => grad_center(z, c, p.lambda),
        LossConfig::Contrastive(p) => grad_contrastive(z, c, p.margin, p.normalize),
        LossConfig::Triplet(p) => {
            let mining = serde_json::to_value(p.mining).unwrap();
            grad_triplet(z, c, p.margin, mining.as_str().unwrap())
        }
        LossConfig::Regression(_) => grad_regression(z, c),
    }
}

/// The naive loss for a configuration: (total, terms).
fn naive(cfg: &LossConfig, c: &Case, z: &M) -> (f64, Vec<(String, f64)>) {
    let terms2 = |a: (&str, f64), b: (&str, f64)| {
        (
            a.1 + b.1,
            vec![(a.0.to_string(), a.1), (b.0.to_string(), b.1)],
        )
    };
    match cfg {
        LossConfig::Softmax(_) => (naive_softmax(z, c), vec![]),
        LossConfig::NormFace(p) => (
            naive_cosine(
                z,
                c,
                p.scale,
                p.normalize_weights,
                p.normalize_features,
                |cos| cos,
            ),
            vec![],
        ),
        LossConfig::SphereFace(p) => {
            let l = match p.lambda {
                Some(l) => l,
                None => (p.lambda_base * (1.0 + p.gamma * c.step as f64).powf(-p.power))
                    .max(p.lambda_min),
            };
            (naive_sphereface(z, c, p.margin, l).0, vec![])
        }
        LossConfig::CosFace(p) => (
            naive_cosine(z, c, p.scale, true, true, |cos| cos - p.margin),
            vec![],
        ),
        LossConfig::ArcFace(p) => (
            naive_cosine(z, c, p.scale, true, true, |cos| {
                arcface_target(cos, p.margin_rad)
            }),
            vec![],
        ),
        LossConfig::Center(p) => {
            let (s, ctr) = naive_center(z, c, p.lambda);
            terms2(("softmax", s), ("center", ctr))
        }
        LossConfig::Contrastive(p) => {
            let (pos, neg) = naive_contrastive(z, c, p.margin, p.normalize);
            terms2(("positive", pos), ("negative", neg))
        }
        LossConfig::Triplet(p) => {
            let mining = serde_json::to_value(p.mining).unwrap();
            (
                naive_triplet(z, c, p.margin, mining.as_str().unwrap()).0,
                vec![],
            )
        }
        LossConfig::Regression(_) => (naive_regression(z, c), vec![]),
    }
}

/// The full comparison for one loss on one case. Returns the loss value.
fn check(json: &str, case: &Case) -> f64 {
    let cfg = config(json);
    let (loss, terms, grad) = burn_eval(&cfg, case);
    let (want, want_terms) = naive(&cfg, case, &case.z);
    assert_close(&format!("{json}: loss"), loss, want, 1e-5, 1e-5);
    assert_eq!(terms.len(), want_terms.len(), "{json}: terms {terms:?}");
    for ((n, v), (wn, wv)) in terms.iter().zip(&want_terms) {
        assert_eq!(n, wn, "{json}");
        assert_close(&format!("{json}: term {n}"), *v, *wv, 1e-5, 1e-5);
    }
    // Gradient vs the naive analytic gradient (chain rule by hand, f64).
    let analytic = naive_grad(&cfg, case, &case.z);
    assert_grad_close(
        &format!("{json}: autodiff vs naive analytic f64"),
        &grad,
        &analytic,
        2e-5,
        1e-4,
    );
    // Gradient vs the naive f64 loss's central differences (accurate to ~1e-9), which also
    // checks the hand-written gradient.
    let naive_grad = fd_grad(|z| naive(&cfg, case, z).0, &case.z, 1e-6);
    assert_grad_close(
        &format!("{json}: autodiff vs naive f64 finite differences"),
        &grad,
        &naive_grad,
        2e-5,
        1e-4,
    );
    assert_grad_close(
        &format!("{json}: naive analytic vs naive finite differences"),
        &analytic,
        &naive_grad,
        1e-6,
        1e-5,
    );
    // Gradient vs burn's own f32 forward, central differences with eps 1e-3, where the naive
    // loss is smooth at that scale (a hinge or a mining switch within ±eps makes central
    // differences meaningless there): most coordinates must qualify.
    let eps = 1e-3;
    let coarse = fd_grad(|z| naive(&cfg, case, z).0, &case.z, eps);
    let own_grad = fd_grad(|z| burn_value(&cfg, case, z), &case.z, eps);
    let (mut checked, mut all) = (0, 0);
    for i in 0..grad.len() {
        for k in 0..grad[i].len() {
            all += 1;
            let (fine, rough) = (naive_grad[i][k], coarse[i][k]);
            if (fine - rough).abs() > 1e-4 + 1e-3 * fine.abs() {
                continue;
            }
            checked += 1;
            let (a, b) = (grad[i][k], own_grad[i][k]);
            assert!(
                (a - b).abs() <= 2e-3 + 1e-3 * a.abs().max(b.abs()),
                "{json}: autodiff vs f32 finite differences: ∂L/∂z[{i}][{k}] got {a}, want {b}"
            );
        }
    }
    assert!(
        checked * 5 >= all * 4,
        "{json}: only {checked} of {all} coordinates smooth enough for eps = {eps}"
    );
    loss
}

// ---------------------------------------------------------------------------------------------
// Hand-built batches.

/// 9 points in 2-D, 3 classes × 3, interleaved.
fn case_2d() -> Case {
    Case {
        z: vec![
            vec![1.21, 0.33],
            vec![-0.52, 1.13],
            vec![-0.91, -0.74],
            vec![0.87, -0.41],
            vec![-0.23, 0.79],
            vec![-1.32, -0.18],
            vec![1.53, 0.12],
            vec![0.31, 1.42],
            vec![0.24, -1.07],
        ],
        labels: vec![0, 1, 2, 0, 1, 2, 0, 1, 2],
        classes: 3,
        weights: Some(vec![vec![1.1, 0.2], vec![-0.3, 0.9], vec![-0.7, -0.8]]),
        bias: Some(vec![0.1, -0.2, 0.05]),
        centers: Some(vec![vec![1.0, 0.0], vec![-0.1, 1.0], vec![-0.8, -0.6]]),
        targets: Some(vec![vec![2.0, 0.5], vec![-1.5, 1.7], vec![-0.4, -2.1]]),
        step: 0,
    }
}

/// 7 points in 3-D, classes of 3, 2 and 2.
fn case_3d() -> Case {
    Case {
        z: vec![
            vec![0.92, 0.11, -0.27],
            vec![-0.34, 1.02, 0.18],
            vec![0.05, -0.29, 1.12],
            vec![1.13, -0.22, 0.16],
            vec![-0.11, 0.71, -0.42],
            vec![0.36, 0.14, 0.83],
            vec![0.68, 0.47, 0.09],
        ],
        labels: vec![0, 1, 2, 0, 1, 2, 0],
        classes: 3,
        weights: Some(vec![
            vec![0.8, 0.1, 0.05],
            vec![-0.2, 0.9, 0.1],
            vec![0.15, -0.1, 1.2],
        ]),
        bias: Some(vec![-0.1, 0.2, 0.0]),
        centers: Some(vec![
            vec![0.9, 0.1, 0.0],
            vec![-0.2, 0.8, 0.0],
            vec![0.2, 0.0, 0.9],
        ]),
        targets: Some(vec![
            vec![2.0, 0.0, 0.0],
            vec![0.0, 2.0, 0.0],
            vec![0.0, 0.0, 2.0],
        ]),
        step: 0,
    }
}

/// Only the fields a loss takes (build rejects the others).
fn only(mut c: Case, weights: bool, bias: bool, centers: bool, targets: bool) -> Case {
    if !weights {
        c.weights = None;
    }
    if !bias {
        c.bias = None;
    }
    if !centers {
        c.centers = None;
    }
    if !targets {
        c.targets = None;
    }
    c
}

fn cases() -> Vec<Case> {
    vec![case_2d(), case_3d()]
}

// ---------------------------------------------------------------------------------------------

#[test]
fn softmax_with_and_without_bias() {
    for c in cases() {
        check(
            r#"{"name":"softmax"}"#,
            &only(c.clone(), true, true, false, false),
        );
        check(
            r#"{"name":"softmax"}"#,
            &only(c.clone(), true, false, false, false),
        );
        check(
            r#"{"name":"softmax","bias":false}"#,
            &only(c, true, false, false, false),
        );
    }
}

#[test]
fn normface_with_each_normalisation() {
    for c in cases() {
        let c = only(c, true, false, false, false);
        check(r#"{"name":"normface"}"#, &c);
        check(r#"{"name":"normface","scale":4.0}"#, &c);
        check(r#"{"name":"normface","normalize_weights":false}"#, &c);
        check(
            r#"{"name":"normface","normalize_features":false,"scale":2.0}"#,
            &c,
        );
    }
}

#[test]
fn cosface() {
    for c in cases() {
        let c = only(c, true, false, false, false);
        check(r#"{"name":"cosface"}"#, &c);
        check(r#"{"name":"cosface","scale":8.0,"margin":0.0}"#, &c);
        check(r#"{"name":"cosface","scale":4.0,"margin":0.6}"#, &c);
    }
}

/// 2-D case with points far from their class direction, so `θ_iy + m > π` for some.
fn arcface_case() -> Case {
    let mut c = only(case_2d(), true, false, false, false);
    c.z.push(vec![-1.02, -0.31]); // class 0, w_0 ≈ (1.1, 0.2): θ ≈ 2.9
    c.labels.push(0);
    c.z.push(vec![0.41, -0.95]); // class 1, w_1 ≈ (−0.3, 0.9): θ ≈ 2.8
    c.labels.push(1);
    c
}

#[test]
fn arcface_both_branches() {
    let c = arcface_case();
    let w = c.weights.clone().unwrap();
    for m in [0.5, 1.0] {
        // The fallback branch is taken for some points and not for others.
        let past: Vec<bool> =
            c.z.iter()
                .zip(&c.labels)
                .map(|(z, &y)| dot(&unit(&w[y]), &unit(z)).acos() + m > PI)
                .collect();
        assert!(
            past.iter().any(|&p| p) && past.iter().any(|&p| !p),
            "{past:?}"
        );
        check(
            &format!(r#"{{"name":"arcface","scale":8.0,"margin_rad":{m}}}"#),
            &c,
        );
    }
    check(r#"{"name":"arcface"}"#, &c);
    for c in cases() {
        check(r#"{"name":"arcface"}"#, &only(c, true, false, false, false));
    }
}

#[test]
fn arcface_fallback_keeps_the_target_logit_monotonic() {
    // cos(θ + m) turns back up past π; the fallback keeps decreasing with θ.
    let m: f64 = 0.5;
    let mut last = f64::INFINITY;
    for i in 0..=100 {
        let theta = PI * i as f64 / 100.0;
        let v = arcface_target(theta.cos(), m);
        assert!(v <= last + 1e-12, "θ = {theta}: {v} > {last}");
        last = v;
    }
}

#[test]
fn sphereface_every_k_and_lambda() {
    let mut c = arcface_case();
    // Spread target angles over (0, π) so every k ∈ {0..3} occurs for m = 4.
    c.z.push(vec![-0.2, 1.3]); // class 0
    c.labels.push(0);
    c.z.push(vec![1.4, 0.7]); // class 1
    c.labels.push(1);
    c.z.push(vec![1.15, -0.34]); // class 2, w_2 ≈ (−0.7, −0.8): θ ≈ 2.0
    c.labels.push(2);
    let w = c.weights.clone().unwrap();
    for m in 1..=4u32 {
        let (_, ks) = naive_sphereface(&c.z, &c, m, 0.0);
        for k in 0..m {
            assert!(ks.contains(&k), "m = {m}: k = {k} not covered: {ks:?}");
        }
        // Not close to a branch boundary (finite differences would straddle it).
        for (z, &y) in c.z.iter().zip(&c.labels) {
            let theta = dot(&unit(&w[y]), &unit(z)).acos();
            let frac = (m as f64 * theta / PI).fract();
            assert!(
                frac > 1e-3 && frac < 1.0 - 1e-3,
                "θ = {theta} at a boundary"
            );
        }
        for lambda in [0.0, 2.5] {
            check(
                &format!(r#"{{"name":"sphereface","margin":{m},"lambda":{lambda}}}"#),
                &c,
            );
        }
    }
    // Annealing: λ from the step (1000/2.2 at step 10; λ_min far out).
    for step in [0, 10, 1_000_000] {
        let c = Case { step, ..c.clone() };
        check(r#"{"name":"sphereface"}"#, &c);
    }
    for c in cases() {
        check(
            r#"{"name":"sphereface","lambda":0}"#,
            &only(c, true, false, false, false),
        );
    }
}

#[test]
fn sphereface_annealing_changes_the_loss() {
    let c = only(case_2d(), true, false, false, false);
    let early = check(r#"{"name":"sphereface"}"#, &c);
    let late = check(r#"{"name":"sphereface"}"#, &Case { step: 10_000, ..c });
    assert!(late > early + 1e-3, "early {early}, late {late}");
}

#[test]
fn center_terms() {
    for c in cases() {
        let c = only(c, true, true, true, false);
        check(r#"{"name":"center"}"#, &c);
        check(r#"{"name":"center","lambda":1.5}"#, &c);
        let nb = only(c, true, false, true, false);
        check(r#"{"name":"center","lambda":0.5,"bias":false}"#, &nb);
    }
}

#[test]
fn contrastive_with_and_without_normalisation() {
    for c in cases() {
        let c = only(c, false, false, false, false);
        check(r#"{"name":"contrastive"}"#, &c);
        check(r#"{"name":"contrastive","margin":1.3}"#, &c);
        check(
            r#"{"name":"contrastive","normalize":true,"margin":1.2}"#,
            &c,
        );
    }
}

#[test]
fn contrastive_empty_pair_sets() {
    let mut c = only(case_3d(), false, false, false, false);
    // All distinct classes: no positive pair.
    c.labels = (0..c.z.len()).collect();
    c.classes = c.z.len();
    let cfg = config(r#"{"name":"contrastive"}"#);
    let (_, terms, _) = burn_eval(&cfg, &c);
    assert_eq!(terms[0], ("positive".into(), 0.0));
    assert!(terms[1].1 > 0.0);
    check(r#"{"name":"contrastive"}"#, &c);
    // One class: no negative pair.
    c.labels = vec![0; c.z.len()];
    c.classes = 1;
    let (_, terms, _) = burn_eval(&cfg, &c);
    assert_eq!(terms[1], ("negative".into(), 0.0));
    assert!(terms[0].1 > 0.0);
    check(r#"{"name":"contrastive"}"#, &c);
}

#[test]
fn triplet_all_and_hard() {
    for c in cases() {
        let c = only(c, false, false, false, false);
        for mining in ["all", "hard"] {
            for margin in [0.5, 1.0, 2.0] {
                check(
                    &format!(r#"{{"name":"triplet","mining":"{mining}","margin":{margin}}}"#),
                    &c,
                );
            }
        }
        check(r#"{"name":"triplet"}"#, &c);
    }
}

#[test]
fn triplet_semihard_and_its_fallback() {
    for c in cases() {
        let c = only(c, false, false, false, false);
        for margin in [0.3, 0.8] {
            let (_, stats) = naive_triplet(&c.z, &c, margin, "semihard");
            assert!(stats.semihard > 0 && stats.fallback > 0, "{stats:?}");
            check(
                &format!(r#"{{"name":"triplet","mining":"semihard","margin":{margin}}}"#),
                &c,
            );
        }
    }
}

#[test]
fn triplet_anchors_without_positive_or_negative() {
    let mut c = only(case_2d(), false, false, false, false);
    // Class 3 has a single member (no positive); hard mining skips that anchor.
    c.labels[8] = 3;
    c.classes = 4;
    for mining in ["all", "hard", "semihard"] {
        check(&format!(r#"{{"name":"triplet","mining":"{mining}"}}"#), &c);
    }
    // One class only: no valid triplet, loss 0, gradient 0.
    c.labels = vec![0; c.z.len()];
    c.classes = 1;
    for mining in ["all", "hard", "semihard"] {
        let cfg = config(&format!(r#"{{"name":"triplet","mining":"{mining}"}}"#));
        let (loss, _, grad) = burn_eval(&cfg, &c);
        assert_eq!(loss, 0.0, "{mining}");
        assert!(
            grad.iter().flatten().all(|&g| g == 0.0),
            "{mining}: {grad:?}"
        );
    }
}

#[test]
fn regression_with_given_targets() {
    for c in cases() {
        check(
            r#"{"name":"regression"}"#,
            &only(c, false, false, false, true),
        );
    }
}

#[test]
fn regression_default_targets_and_nearest_target_scores() {
    let device = playground::backend::cpu();
    for (dim, classes) in [(2, 10), (3, 10), (3, 4), (9, 10)] {
        let loss = config(r#"{"name":"regression"}"#).init(dim, classes, &device);
        let g = pollster::block_on(loss.geometry(0)).unwrap();
        let t = g.targets.unwrap();
        assert_eq!(t.len(), dim * classes);
        for p in t.chunks(dim) {
            let r = p.iter().map(|v| (*v as f64).powi(2)).sum::<f64>().sqrt();
            assert!((r - 4.0).abs() < 1e-4, "radius {r}");
        }
        // Each target is classified as its own class.
        let z = Tensor::<2>::from_data(TensorData::new(t.clone(), [classes, dim]), &device);
        let pred: Vec<i64> = loss
            .scores(z)
            .argmax(1)
            .into_data()
            .convert::<i64>()
            .try_to_vec()
            .unwrap();
        assert_eq!(pred, (0..classes as i64).collect::<Vec<_>>());
    }
}

#[test]
fn every_default_config_builds_and_gives_finite_output() {
    let device = playground::backend::cpu();
    for name in [
        "softmax",
        "normface",
        "sphereface",
        "cosface",
        "arcface",
        "center",
        "contrastive",
        "triplet",
        "regression",
    ] {
        let cfg = config(&format!(r#"{{"name":"{name}"}}"#));
        assert_eq!(cfg.id(), name);
        cfg.validate().unwrap();
        let c = case_3d();
        let loss = cfg.init(3, 3, &device);
        let targets = Targets::from_labels(&c.labels, 3, &device);
        let out = loss.forward(tensor(&c.z, &device), &targets);
        assert!(scalar(out.total).is_finite(), "{name}");
        assert_eq!(out.scores.dims(), [7, 3], "{name}");
        let g = pollster::block_on(loss.geometry(0)).unwrap();
        assert_eq!((g.dim, g.classes), (3, 3), "{name}");
    }
}

#[test]
fn config_errors_name_the_parameter_and_value() {
    let bad = [
        (r#"{"name":"normface","scale":0}"#, "scale"),
        (r#"{"name":"cosface","margin":-0.5}"#, "-0.5"),
        (r#"{"name":"arcface","scale":-3}"#, "-3"),
        (r#"{"name":"arcface","margin_rad":-0.1}"#, "-0.1"),
        (r#"{"name":"sphereface","margin":5}"#, "5"),
        (r#"{"name":"sphereface","lambda":-1}"#, "lambda"),
        (r#"{"name":"center","lambda":-1}"#, "lambda"),
        (r#"{"name":"contrastive","margin":-2}"#, "-2"),
        (r#"{"name":"triplet","margin":-1}"#, "margin"),
        (r#"{"name":"regression","radius":0}"#, "radius"),
    ];
    for (json, needle) in bad {
        let e = config(json).validate().unwrap_err();
        assert!(e.contains(needle), "{json}: {e}");
    }
    for json in [
        r#"{"name":"triplet","mining":"easy"}"#,
        r#"{"name":"arcface","margin":0.5}"#,
        r#"{"name":"nosuchloss"}"#,
        r#"{"name":"sphereface","margin":2.5}"#,
    ] {
        assert!(serde_json::from_str::<LossConfig>(json).is_err(), "{json}");
    }
    // Round trip.
    let c = config(r#"{"name":"arcface","scale":16.0,"margin_rad":0.5}"#);
    let back: LossConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(c, back);
}

#[test]
fn center_update_moves_centers_towards_their_class() {
    let device = playground::backend::cpu();
    let c = only(case_2d(), true, true, true, false);
    let mut loss = build(&config(r#"{"name":"center"}"#), &c, &device);
    let targets = Targets::from_labels(&c.labels, 3, &device);
    let before = naive_center(&c.z, &c, 1.0).1;
    loss.after_step(tensor(&c.z, &device), &targets);
    let g = pollster::block_on(loss.geometry(0)).unwrap();
    let centers: M = g
        .centers
        .unwrap()
        .chunks(2)
        .map(|r| r.iter().map(|&v| v as f64).collect())
        .collect();
    // Wen et al.: c_j ← c_j − α Σ_{y_i=j}(c_j − z_i)/(1 + n_j), α = 0.5, n_j = 3.
    let old = c.centers.clone().unwrap();
    for j in 0..3 {
        for k in 0..2 {
            let s: f64 = (0..9)
                .filter(|&i| c.labels[i] == j)
                .map(|i| old[j][k] - c.z[i][k])
                .sum();
            assert_close(
                "center",
                centers[j][k],
                old[j][k] - 0.5 * s / 4.0,
                1e-5,
                1e-5,
            );
        }
    }
    let z = c.z.clone();
    let after = naive_center(
        &z,
        &Case {
            centers: Some(centers),
            ..c
        },
        1.0,
    )
    .1;
    assert!(after < before, "{after} ≥ {before}");
}

#[test]
fn prototypes_follow_the_class_means() {
    let device = playground::backend::cpu();
    let c = case_2d();
    for json in [r#"{"name":"triplet"}"#, r#"{"name":"contrastive"}"#] {
        let mut loss = config(json).init(2, 3, &device);
        let targets = Targets::from_labels(&c.labels, 3, &device);
        loss.after_step(tensor(&c.z, &device), &targets);
        let p: Vec<f32> = pollster::block_on(loss.geometry(0))
            .unwrap()
            .prototypes
            .unwrap();
        for j in 0..3 {
            for k in 0..2 {
                let mean: f64 = (0..9)
                    .filter(|&i| c.labels[i] == j)
                    .map(|i| c.z[i][k])
                    .sum::<f64>()
                    / 3.0;
                assert_close("prototype", p[j * 2 + k] as f64, mean, 1e-5, 1e-5);
            }
        }
        // The batch is then classified by nearest class mean.
        let pred: Vec<i64> = loss
            .scores(tensor(&c.z, &device))
            .argmax(1)
            .into_data()
            .convert::<i64>()
            .try_to_vec()
            .unwrap();
        let correct = pred
            .iter()
            .zip(&c.labels)
            .filter(|(p, l)| **p as usize == **l)
            .count();
        assert!(correct >= 8, "{json}: {pred:?}");
    }
}

#[test]
fn geometry_reports_the_head() {
    let device = playground::backend::cpu();
    let c = case_2d();
    let g = |json: &str, case: &Case| {
        pollster::block_on(build(&config(json), case, &device).geometry(0)).unwrap()
    };
    let soft = g(
        r#"{"name":"softmax"}"#,
        &only(c.clone(), true, true, false, false),
    );
    assert_eq!(soft.weights.unwrap(), [1.1f32, 0.2, -0.3, 0.9, -0.7, -0.8]);
    assert_eq!(soft.bias.unwrap(), [0.1f32, -0.2, 0.05]);
    assert!(!soft.normalized_features);
    let arc = g(
        r#"{"name":"arcface"}"#,
        &only(c.clone(), true, false, false, false),
    );
    assert!(arc.normalized_features && arc.normalized_weights);
    let sphere = g(
        r#"{"name":"sphereface"}"#,
        &only(c.clone(), true, false, false, false),
    );
    assert!(sphere.normalized_weights && !sphere.normalized_features);
    let center = g(
        r#"{"name":"center"}"#,
        &only(c.clone(), true, true, true, false),
    );
    assert_eq!(
        center.centers.unwrap(),
        [1.0f32, 0.0, -0.1, 1.0, -0.8, -0.6]
    );
}

// ---------------------------------------------------------------------------------------------
// `lab loss`

fn lab_loss(input: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .arg("loss")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn lab_loss_matches_the_naive_loss() {
    let c = only(case_2d(), true, true, true, false);
    let input = serde_json::json!({
        "loss": {"name": "center", "lambda": 0.3},
        "embeddings": c.z,
        "labels": c.labels,
        "weights": c.weights,
        "bias": c.bias,
        "centers": c.centers,
    });
    let (ok, stdout, stderr) = lab_loss(&input.to_string());
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let (s, ctr) = naive_center(&c.z, &c, 0.3);
    assert_close("loss", v["loss"].as_f64().unwrap(), s + ctr, 1e-5, 1e-5);
    assert_close(
        "softmax",
        v["terms"]["softmax"].as_f64().unwrap(),
        s,
        1e-5,
        1e-5,
    );
    assert_close(
        "center",
        v["terms"]["center"].as_f64().unwrap(),
        ctr,
        1e-5,
        1e-5,
    );
    let grad: M = serde_json::from_value(v["grad_embeddings"].clone()).unwrap();
    let want = fd_grad(
        |z| {
            let (a, b) = naive_center(z, &c, 0.3);
            a + b
        },
        &c.z,
        1e-6,
    );
    assert_grad_close("lab loss gradient", &grad, &want, 2e-5, 1e-4);

    // The contract's example shape: arcface, single term, no bias.
    let c = arcface_case();
    let input = serde_json::json!({
        "loss": {"name": "arcface", "scale": 16.0, "margin_rad": 0.5},
        "embeddings": c.z, "labels": c.labels, "weights": c.weights,
    });
    let (ok, stdout, stderr) = lab_loss(&input.to_string());
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let want = naive_cosine(&c.z, &c, 16.0, true, true, |cos| arcface_target(cos, 0.5));
    assert_close("arcface", v["loss"].as_f64().unwrap(), want, 1e-5, 1e-5);
    assert_eq!(v["terms"], serde_json::json!({}));

    // Metric loss: C from the labels; "bias": false accepted for softmax.
    let c = only(case_3d(), false, false, false, false);
    let input = serde_json::json!({
        "loss": {"name": "triplet", "mining": "semihard", "margin": 0.8},
        "embeddings": c.z, "labels": c.labels,
    });
    let (ok, stdout, stderr) = lab_loss(&input.to_string());
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let want = naive_triplet(&c.z, &c, 0.8, "semihard").0;
    assert_close("triplet", v["loss"].as_f64().unwrap(), want, 1e-5, 1e-5);
    let (ok, _, stderr) = lab_loss(
        r#"{"loss":{"name":"softmax"},"embeddings":[[1,2]],"labels":[0],"weights":[[1,0],[0,1]],"bias":false}"#,
    );
    assert!(ok, "{stderr}");
}

#[test]
fn lab_loss_errors_name_the_field() {
    let cases = [
        (
            r#"{"loss":{"name":"arcface","margin":0.5},"embeddings":[[1,2]],"labels":[0],"weights":[[1,0]]}"#,
            "margin",
        ),
        (
            r#"{"loss":{"name":"softmax"},"embeddings":[[1,2]],"labels":[0],"weights":[[1,0]],"extra":1}"#,
            "extra",
        ),
        (
            r#"{"loss":{"name":"softmax"},"embeddings":[[1,2]],"labels":[0]}"#,
            "weights",
        ),
        (
            r#"{"loss":{"name":"softmax"},"embeddings":[[1,2]],"labels":[2],"weights":[[1,0],[0,1]]}"#,
            "labels",
        ),
        (
            r#"{"loss":{"name":"softmax"},"embeddings":[[1,2],[3]],"labels":[0,1],"weights":[[1,0],[0,1]]}"#,
            "embeddings",
        ),
        (
            r#"{"loss":{"name":"softmax"},"embeddings":[[1,2]],"labels":[0],"weights":[[1,0,0],[0,1,0]]}"#,
            "weights",
        ),
        (
            r#"{"loss":{"name":"softmax"},"embeddings":[[1,2]],"labels":[0],"weights":[[1,0],[0,1]],"bias":[1]}"#,
            "bias",
        ),
        (
            r#"{"loss":{"name":"center"},"embeddings":[[1,2]],"labels":[0],"weights":[[1,0],[0,1]]}"#,
            "centers",
        ),
        (
            r#"{"loss":{"name":"regression"},"embeddings":[[1,2]],"labels":[0],"weights":[[1,0],[0,1]]}"#,
            "weights",
        ),
        (
            r#"{"loss":{"name":"sphereface","margin":7},"embeddings":[[1,2]],"labels":[0],"weights":[[1,0]]}"#,
            "margin",
        ),
        (
            r#"{"loss":{"name":"softmax"},"embeddings":[[1,2]],"labels":[0,1],"weights":[[1,0],[0,1]]}"#,
            "labels",
        ),
        ("not json", "input"),
        (
            r#"{"loss":{"name":"softmax"},"embeddings":[[1,2]],"labels":[-1],"weights":[[1,0]]}"#,
            "labels",
        ),
        (
            r#"{"loss":{"name":"softmax"},"embeddings":[[1,"a"]],"labels":[0],"weights":[[1,0]]}"#,
            "embeddings",
        ),
        (r#"{"embeddings":[[1,2]],"labels":[0]}"#, "loss"),
        (
            r#"{"loss":{"name":"softmax"},"embeddings":[],"labels":[],"weights":[[1,0]]}"#,
            "embeddings",
        ),
    ];
    for (input, field) in cases {
        let (ok, stdout, stderr) = lab_loss(input);
        assert!(!ok, "{input}: accepted: {stdout}");
        assert!(stdout.is_empty(), "{input}: {stdout}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{input}: {stderr}");
        assert!(
            stderr.contains(field),
            "{input}: '{stderr}' does not name {field}"
        );
    }
}

#[test]
fn degenerate_embeddings_give_finite_loss_and_gradient() {
    // A zero embedding (normalisation floor) and two coincident points (distance floor).
    let mut c = case_2d();
    c.z[0] = vec![0.0, 0.0];
    c.z[3] = c.z[6].clone();
    for (json, w, b, ctr, t) in [
        (r#"{"name":"softmax"}"#, true, true, false, false),
        (r#"{"name":"normface"}"#, true, false, false, false),
        (
            r#"{"name":"sphereface","lambda":0}"#,
            true,
            false,
            false,
            false,
        ),
        (r#"{"name":"cosface"}"#, true, false, false, false),
        (r#"{"name":"arcface"}"#, true, false, false, false),
        (r#"{"name":"center"}"#, true, true, true, false),
        (r#"{"name":"contrastive"}"#, false, false, false, false),
        (
            r#"{"name":"contrastive","normalize":true}"#,
            false,
            false,
            false,
            false,
        ),
        (
            r#"{"name":"triplet","mining":"all"}"#,
            false,
            false,
            false,
            false,
        ),
        (
            r#"{"name":"triplet","mining":"hard"}"#,
            false,
            false,
            false,
            false,
        ),
        (
            r#"{"name":"triplet","mining":"semihard"}"#,
            false,
            false,
            false,
            false,
        ),
        (r#"{"name":"regression"}"#, false, false, false, true),
    ] {
        let case = only(c.clone(), w, b, ctr, t);
        let (loss, terms, grad) = burn_eval(&config(json), &case);
        assert!(loss.is_finite(), "{json}: {loss}");
        assert!(
            terms.iter().all(|(_, v)| v.is_finite()),
            "{json}: {terms:?}"
        );
        assert!(
            grad.iter().flatten().all(|g| g.is_finite()),
            "{json}: {grad:?}"
        );
        let (want, _) = naive(&config(json), &case, &case.z);
        assert_close(json, loss, want, 1e-5, 1e-5);
    }
}

/// A tiny synthetic 28×28 dataset: each class a bright bar at its own place, plus noise.
fn synthetic_dataset() -> std::sync::Arc<playground::data::Dataset> {
    use playground::data::{Dataset, ImageSet};
    let make = |n: usize, seed: u64| {
        let mut s = seed;
        let mut images = Vec::with_capacity(n * 784);
        let mut labels = Vec::with_capacity(n);
        for i in 0..n {
            let y = (i % 10) as u8;
            labels.push(y);
            for p in 0..784 {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let noise = (s >> 58) as u8;
                let (r, c) = (p / 28, p % 28);
                let bar = r / 3 == y as usize + 1 && (4..24).contains(&c);
                images.push(if bar { 180 + noise } else { noise });
            }
        }
        ImageSet {
            images,
            labels,
            channels: 1,
            height: 28,
            width: 28,
        }
    };
    let names = (0..10).map(|i| i.to_string()).collect();
    std::sync::Arc::new(Dataset::new("synthetic", names, make(96, 1), make(40, 2)).unwrap())
}

#[test]
fn every_loss_trains_through_the_trainer() {
    use playground::train::{TrainConfig, Trainer};
    let ds = synthetic_dataset();
    for (json, dim) in [
        (r#"{"name":"softmax"}"#, 2),
        (r#"{"name":"normface"}"#, 3),
        (r#"{"name":"sphereface"}"#, 2),
        (r#"{"name":"cosface"}"#, 2),
        (r#"{"name":"arcface"}"#, 3),
        (r#"{"name":"center"}"#, 2),
        (r#"{"name":"contrastive"}"#, 2),
        (r#"{"name":"triplet","mining":"semihard"}"#, 3),
        (r#"{"name":"regression"}"#, 3),
    ] {
        let config = TrainConfig {
            loss: config(json),
            dim,
            batch_size: 32,
            eval_points: 40,
            ..TrainConfig::default()
        };
        let mut t = Trainer::new(config, ds.clone(), &playground::backend::cpu()).unwrap();
        for _ in 0..3 {
            let s = pollster::block_on(t.train_step()).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert!(s.loss.is_finite(), "{json}");
            if json.contains("center") {
                let names: Vec<&str> = s.terms.iter().map(|(n, _)| n.as_str()).collect();
                assert_eq!(names, ["softmax", "center"]);
                let sum: f32 = s.terms.iter().map(|(_, v)| v).sum();
                assert!((sum - s.loss).abs() < 1e-4 * s.loss.abs().max(1.0), "{s:?}");
            }
        }
        let emb = pollster::block_on(t.embed_test_subset()).unwrap();
        assert_eq!(emb.len(), 40);
        assert!(emb.points.iter().all(|v| v.is_finite()), "{json}");
        assert!(emb.predictions.iter().all(|&p| p < 10), "{json}");
        let g = pollster::block_on(t.model().loss.geometry(0)).unwrap();
        assert_eq!((g.dim, g.classes), (dim, 10), "{json}");
        // State updated outside the optimiser has moved off the origin.
        for part in [g.centers, g.prototypes].into_iter().flatten() {
            assert!(part.iter().any(|&v| v != 0.0), "{json}: {part:?}");
        }
    }
}

#[test]
fn lab_loss_reads_a_file_and_prints_one_line() {
    let c = only(case_3d(), true, false, false, false);
    let input = serde_json::json!({
        "loss": {"name": "sphereface", "margin": 3},
        "embeddings": c.z, "labels": c.labels, "weights": c.weights, "step": 10,
    });
    let dir = std::env::temp_dir().join(format!("lab-loss-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("in.json");
    std::fs::write(&file, input.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .arg("loss")
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // Annealed λ at step 10: 1000 / (1 + 0.12·10).
    let want = naive_sphereface(&c.z, &c, 3, 1000.0 / 2.2).0;
    assert_close("sphereface", v["loss"].as_f64().unwrap(), want, 1e-5, 1e-5);
    let grad: M = serde_json::from_value(v["grad_embeddings"].clone()).unwrap();
    assert_grad_close(
        "lab loss gradient",
        &grad,
        &grad_sphereface(&c.z, &c, 3, 1000.0 / 2.2),
        2e-5,
        1e-4,
    );
    // A missing file is an error naming it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["loss", "/nonexistent/in.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/in.json"));
}

#[test]
fn prototypes_head_predicts_the_nearest_class_mean() {
    let device = playground::backend::cpu();
    for json in [r#"{"name":"triplet"}"#, r#"{"name":"contrastive"}"#] {
        let mut loss = config(json).init(2, 3, &device);
        // Class means: 0 → (0, 1), 1 → (5, 0), 2 → (0, −4).
        let z: M = vec![
            vec![0.0, 0.0],
            vec![0.0, 2.0],
            vec![4.0, 0.0],
            vec![6.0, 0.0],
            vec![0.0, -4.0],
        ];
        loss.update_prototypes(
            tensor(&z, &device),
            &Targets::new(&[0, 0, 1, 1, 2], 3, &device),
        );
        let g = pollster::block_on(loss.geometry(0)).unwrap();
        assert_eq!(
            g.prototypes,
            Some(vec![0.0, 1.0, 5.0, 0.0, 0.0, -4.0]),
            "{json}"
        );
        let queries: M = vec![
            vec![0.2, 1.1],
            vec![4.0, 1.0],
            vec![1.0, -3.0],
            vec![2.4, 0.6], // 5.92 from class 0, 7.12 from class 1
            vec![2.6, 0.6], // 7.12 from class 0, 5.92 from class 1
        ];
        let pred: Vec<i64> = loss
            .scores(tensor(&queries, &device))
            .argmax(1)
            .into_data()
            .iter::<i64>()
            .collect();
        assert_eq!(pred, [0, 1, 2, 0, 1], "{json}");
        // A refresh with only class 2 present moves only class 2.
        loss.update_prototypes(
            tensor(&vec![vec![1.0, 1.0]], &device),
            &Targets::new(&[2], 3, &device),
        );
        let g = pollster::block_on(loss.geometry(0)).unwrap();
        assert_eq!(
            g.prototypes,
            Some(vec![0.0, 1.0, 5.0, 0.0, 1.0, 1.0]),
            "{json}"
        );
    }
}

#[test]
fn trainer_refreshes_prototypes_from_training_class_means_before_evaluating() {
    use playground::train::{TrainConfig, Trainer};
    let ds = synthetic_dataset();
    let config = TrainConfig {
        loss: config(r#"{"name":"triplet"}"#),
        dim: 2,
        batch_size: 32,
        eval_points: 40,
        ..TrainConfig::default()
    };
    let mut t = Trainer::new(config, ds.clone(), &playground::backend::cpu()).unwrap();
    for _ in 0..2 {
        pollster::block_on(t.train_step()).unwrap();
    }
    assert!(t.prototypes_stale());
    let emb = pollster::block_on(t.embed_test_subset()).unwrap();
    assert!(!t.prototypes_stale());
    let protos = pollster::block_on(t.model().loss.geometry(0))
        .unwrap()
        .prototypes
        .unwrap();
    // The sample (2,000) covers this whole 96-image training set: prototypes = class means.
    let all: Vec<usize> = (0..ds.train.len()).collect();
    let train = pollster::block_on(t.embed(&ds.train, &all)).unwrap();
    for c in 0..10u8 {
        let rows: Vec<&[f32]> = train
            .points
            .chunks(2)
            .zip(&train.labels)
            .filter(|(_, l)| **l == c)
            .map(|(p, _)| p)
            .collect();
        for k in 0..2 {
            let mean = rows.iter().map(|p| p[k] as f64).sum::<f64>() / rows.len() as f64;
            let got = protos[c as usize * 2 + k] as f64;
            assert_close(&format!("class {c} axis {k}"), got, mean, 1e-4, 1e-4);
        }
    }
    // Every test prediction is the nearest prototype.
    for (i, p) in emb.points.chunks(2).enumerate() {
        let d = |c: usize| (p[0] - protos[2 * c]).powi(2) + (p[1] - protos[2 * c + 1]).powi(2);
        let nearest = (0..10).min_by(|&a, &b| d(a).total_cmp(&d(b))).unwrap();
        assert_eq!(emb.predictions[i] as usize, nearest, "point {i}: {p:?}");
    }
}

#[test]
fn presets_and_loss_params() {
    for id in LossConfig::IDS {
        let (c, lr) = LossConfig::preset(id).unwrap_or_else(|| panic!("no preset for {id}"));
        assert_eq!(c.id(), id);
        c.validate().unwrap();
        assert!(lr > 0.0 && lr <= 1e-2, "{id}: {lr}");
        assert_eq!(LossConfig::default_for(id).map(|d| d.id()), Some(id));
    }
    assert!(LossConfig::preset("nope").is_none());
    let needs: Vec<&str> = LossConfig::IDS
        .into_iter()
        .filter(|id| {
            LossConfig::default_for(id)
                .unwrap()
                .needs_balanced_batches()
        })
        .collect();
    assert_eq!(needs, ["contrastive", "triplet"]);

    // Parameters merge into the given base; the others keep the base's values.
    let base = LossConfig::preset("arcface").unwrap().0;
    let c =
        LossConfig::with_params("arcface", Some(base), &serde_json::json!({"scale": 8})).unwrap();
    assert_eq!(
        c.params(),
        serde_json::json!({"scale": 8.0, "margin_rad": 0.1})
    );
    let c =
        LossConfig::with_params("triplet", None, &serde_json::json!({"mining": "all"})).unwrap();
    assert_eq!(c, config(r#"{"name":"triplet","mining":"all"}"#));
    for (id, params, needle) in [
        ("cosface", serde_json::json!({"scal": 1}), "scal"),
        ("cosface", serde_json::json!({"margin": "big"}), "margin"),
        ("cosface", serde_json::json!({"margin": -1}), "-1"),
        ("sphereface", serde_json::json!({"margin": 7}), "7"),
        ("triplet", serde_json::json!({"name": "softmax"}), "name"),
        ("triplet", serde_json::json!([1, 2]), "object"),
        ("nope", serde_json::json!({}), "nope"),
    ] {
        let e = LossConfig::with_params(id, None, &params).unwrap_err();
        assert!(
            e.contains(needle) && !e.contains('\n'),
            "{id} {params}: {e}"
        );
    }
}

#[test]
fn session_refreshes_prototypes_before_each_embedding() {
    use playground::train::{Command, Event, Session, TrainConfig};
    let mut s = Session::new(
        TrainConfig {
            loss: config(r#"{"name":"contrastive"}"#),
            batch_size: 32,
            eval_points: 40,
            ..TrainConfig::default()
        },
        playground::backend::cpu(),
    );
    s.set_dataset(synthetic_dataset());
    s.handle(Command::Step);
    let mut events = vec![];
    let mut slices = 0;
    while s.wants_work() {
        events.extend(pollster::block_on(s.work()));
        slices += 1;
    }
    let embeddings: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Embedding(e) => Some(e),
            _ => None,
        })
        .collect();
    let steps = events
        .iter()
        .filter(|e| matches!(e, Event::Step(_)))
        .count();
    assert_eq!((steps, embeddings.len()), (1, 2), "{events:?}");
    // Two refreshes, two one-chunk embeddings and one step.
    assert_eq!(slices, 5);
    let t = s.trainer().unwrap();
    assert!(!t.prototypes_stale());
    let protos = pollster::block_on(t.model().loss.geometry(0))
        .unwrap()
        .prototypes
        .unwrap();
    let last = embeddings[1];
    for (i, p) in last.points.chunks(2).enumerate() {
        let d = |c: usize| (p[0] - protos[2 * c]).powi(2) + (p[1] - protos[2 * c + 1]).powi(2);
        let nearest = (0..10).min_by(|&a, &b| d(a).total_cmp(&d(b))).unwrap();
        assert_eq!(last.predictions[i] as usize, nearest, "point {i}");
    }
}

#[test]
fn every_loss_stops_with_diverged_on_non_finite_input() {
    use playground::train::{TrainConfig, TrainError, Trainer};
    let mut ds = (*synthetic_dataset()).clone();
    ds.std = vec![0.0]; // every normalised pixel becomes ±inf or NaN
    let ds = std::sync::Arc::new(ds);
    for id in LossConfig::IDS {
        let (loss, lr) = LossConfig::preset(id).unwrap();
        let config = TrainConfig {
            loss,
            lr,
            batch_size: 32,
            eval_points: 40,
            ..TrainConfig::default()
        };
        let mut t = Trainer::new(config, ds.clone(), &playground::backend::cpu()).unwrap();
        match pollster::block_on(t.train_step()) {
            Err(TrainError::Diverged { step: 1, .. }) => {}
            other => panic!("{id}: {other:?}"),
        }
        // Evaluating afterwards does not panic either.
        let emb = pollster::block_on(t.embed_test_subset()).unwrap();
        assert_eq!(emb.len(), 40, "{id}");
    }
}
