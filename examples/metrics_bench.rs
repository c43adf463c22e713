//! Times `EmbeddingMetrics::compute` and its parts on synthetic clustered embeddings
//! (10 Gaussian classes) of 2,000 and 10,000 points in 2-D and 3-D, with the default budget.
//!
//! ```sh
//! cargo run --release --example metrics_bench      # or without --release: the dev profile
//! ```

use playground::data::Rng;
use playground::metrics::embedding::{
    Distance, EmbeddingMetrics, MetricsConfig, Points, angles, kmeans, retrieval, silhouette,
    spread, subsample,
};
use web_time::Instant;

fn gauss(rng: &mut Rng) -> f64 {
    let u = ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let v = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn data(n: usize, dim: usize) -> (Vec<f32>, Vec<u8>) {
    let mut rng = Rng::new(42);
    let mut xs = Vec::with_capacity(n * dim);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % 10;
        let t = std::f64::consts::TAU * c as f64 / 10.0;
        let center = [
            5.0 * t.cos(),
            5.0 * t.sin(),
            if c % 2 == 0 { 2.0 } else { -2.0 },
        ];
        for &m in center.iter().take(dim) {
            xs.push((m + 1.5 * gauss(&mut rng)) as f32);
        }
        labels.push(c as u8);
    }
    (xs, labels)
}

/// Nanoseconds this thread has spent on a CPU (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`),
/// which other processes sharing the cores do not inflate; `None` off 64-bit Linux.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn cpu_ns() -> Option<u64> {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut t = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `t` is a valid, writable `struct timespec` (64-bit Linux layout).
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut t) };
    (rc == 0).then(|| t.sec as u64 * 1_000_000_000 + t.nsec as u64)
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn cpu_ns() -> Option<u64> {
    None
}

/// The fastest of `reps` runs of `f`, in milliseconds: thread CPU time where the OS reports
/// it, wall-clock time otherwise.
fn min_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let (t, c) = (Instant::now(), cpu_ns());
            f();
            match (c, cpu_ns()) {
                (Some(a), Some(b)) => b.saturating_sub(a) as f64 / 1e6,
                _ => t.elapsed().as_secs_f64() * 1e3,
            }
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let config = MetricsConfig::default();
    println!(
        "timing: {} (fastest of 7)",
        if cpu_ns().is_some() {
            "thread CPU time"
        } else {
            "wall-clock time"
        }
    );
    println!(
        "default budget: retrieval_sample {}, silhouette_sample {}, k {}, kmeans_iterations {}",
        config.retrieval_sample, config.silhouette_sample, config.k, config.kmeans_iterations
    );
    println!(
        "| n | dim | compute (ms) | retrieval, both distances (ms) | silhouette (ms) | k-means (ms) | O(n) rest (ms) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in [2_000, 10_000] {
        for dim in [2, 3] {
            let (xs, labels) = data(n, dim);
            let head: Vec<u8> = labels
                .iter()
                .map(|&l| (l + u8::from(l % 7 == 0)) % 10)
                .collect();
            let Ok(p) = Points::new(dim, &xs, &labels) else {
                return;
            };
            let reps = 7;
            let mut m = EmbeddingMetrics::default();
            let total = min_ms(reps, || {
                if let Ok(r) = EmbeddingMetrics::compute(&p, &config, None, Some(&head)) {
                    m = r;
                }
            });

            // The parts, on the same subsample sizes as `compute`.
            let sub = |m: usize| {
                let idx = subsample(n, m, 1);
                let xs: Vec<f32> = idx
                    .iter()
                    .flat_map(|&i| xs[i * dim..(i + 1) * dim].iter().copied())
                    .collect();
                let ls: Vec<u8> = idx.iter().map(|&i| labels[i]).collect();
                (xs, ls)
            };
            let (rx, rl) = sub(config.retrieval_sample);
            let Ok(rp) = Points::new(dim, &rx, &rl) else {
                return;
            };
            let t_ret = min_ms(reps, || {
                let _ = retrieval(&rp, config.k, Distance::Euclidean);
                let _ = retrieval(&rp, config.k, Distance::Cosine);
            });
            let (sx, sl) = sub(config.silhouette_sample);
            let Ok(sp) = Points::new(dim, &sx, &sl) else {
                return;
            };
            let t_sil = min_ms(reps, || {
                let _ = silhouette(&sp);
            });
            let t_km = min_ms(reps, || {
                let _ = kmeans(&p, 10, config.kmeans_iterations, 3);
            });
            let t_lin = min_ms(reps, || {
                let _ = (spread(&p), angles(&p));
            });
            println!(
                "| {n} | {dim} | {total:.1} | {t_ret:.1} | {t_sil:.1} | {t_km:.1} | {t_lin:.1} |"
            );
            eprintln!(
                "  n {n} dim {dim}: knn {:?} map@r {:?} silhouette {:?} nmi {:?}",
                m.euclidean.as_ref().and_then(|r| r.knn.accuracy),
                m.euclidean.as_ref().and_then(|r| r.map_at_r),
                m.silhouette,
                m.nmi_kmeans
            );
        }
    }
}
