//! The training curves' axes and points: steady ranges, so that a plot does not redraw its axes
//! at every update, and at most a fixed number of points per curve, so that a long run costs
//! the browser no more than a short one.

use super::round_up_f64 as round_up;

/// The value axis of a curve after `previous` (none before the first update) for values in
/// `[lo, hi]`: it keeps its range while the values stay inside; when they leave it, it grows to
/// a round value (see [`super::view_radius`]) 25 % beyond them. Values that never go below
/// zero (losses, accuracies) keep zero as the bottom. Non-finite bounds keep the previous range
/// (`[0, 1]` without one).
pub fn value_range(previous: Option<(f64, f64)>, lo: f64, hi: f64) -> (f64, f64) {
    let prev = previous.filter(|(a, b)| a.is_finite() && b.is_finite() && a < b);
    if !lo.is_finite() || !hi.is_finite() || lo > hi {
        return prev.unwrap_or((0.0, 1.0));
    }
    if let Some((a, b)) = prev
        && a <= lo
        && hi <= b
    {
        return (a, b);
    }
    let grow = |v: f64| {
        if v > 0.0 { round_up(v * 1.25) } else { 0.0 }
    };
    let (mut a, mut b) = (-grow(-lo), grow(hi));
    if let Some((pa, pb)) = prev {
        // Never narrower than before: a curve's history stays in view.
        a = a.min(pa);
        b = b.max(pb);
    }
    if a >= b {
        b = a + 1.0;
    }
    (a, b)
}

/// The step axis: `[0, total]`, the run's planned steps, or beyond the last step drawn when a
/// run goes on past them (a loaded run) or `total` is unknown (0).
pub fn step_range(total: usize, last: f64) -> (f64, f64) {
    let end = if last.is_finite() && last > total as f64 {
        round_up((last * 1.25).max(1.0))
    } else {
        total.max(1) as f64
    };
    (0.0, end)
}

/// The lowest and highest finite values of `series` (`(NaN, NaN)` when there is none).
pub fn finite_bounds(series: &[&[f64]]) -> (f64, f64) {
    let finite = series
        .iter()
        .flat_map(|s| s.iter())
        .filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    });
    if lo <= hi {
        (lo, hi)
    } else {
        (f64::NAN, f64::NAN)
    }
}

/// At most about `budget` points of the curve `(x, y)` (x ascending): all of them when there
/// are that few, else the lowest and the highest point of each of `budget / 2` equal runs of
/// points, in order, so that spikes survive. Non-finite values are kept (gaps).
pub fn decimate(x: &[f64], y: &[f64], budget: usize) -> (Vec<f64>, Vec<f64>) {
    let n = x.len().min(y.len());
    if n <= budget.max(2) {
        return (x[..n].to_vec(), y[..n].to_vec());
    }
    let runs = (budget / 2).max(1);
    let (mut ox, mut oy) = (Vec::with_capacity(2 * runs), Vec::with_capacity(2 * runs));
    for r in 0..runs {
        let (s, e) = (r * n / runs, (r + 1) * n / runs);
        if s == e {
            continue;
        }
        let (mut lo, mut hi) = (s, s);
        for i in s..e {
            // A NaN never wins a comparison: runs of NaN keep their first point.
            if y[i] < y[lo] || y[lo].is_nan() {
                lo = i;
            }
            if y[i] > y[hi] || y[hi].is_nan() {
                hi = i;
            }
        }
        let (first, second) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        ox.push(x[first]);
        oy.push(y[first]);
        if second != first {
            ox.push(x[second]);
            oy.push(y[second]);
        }
    }
    (ox, oy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_range_is_steady_and_grows_to_round_values() {
        // First update: zero to 25 % above the value, rounded (2.3 × 1.25 = 2.875 → 3).
        assert_eq!(value_range(None, 0.4, 2.3), (0.0, 3.0));
        // Inside: unchanged, however the values move.
        assert_eq!(value_range(Some((0.0, 3.0)), 0.1, 2.9), (0.0, 3.0));
        // A spike beyond: grows (3.5 × 1.25 = 4.375 → 5), never shrinks back.
        assert_eq!(value_range(Some((0.0, 3.0)), 0.1, 3.5), (0.0, 5.0));
        assert_eq!(value_range(Some((0.0, 5.0)), 0.1, 0.2), (0.0, 5.0));
        // Negative values get a round bottom too.
        assert_eq!(value_range(None, -0.9, 0.5), (-1.2, 0.8));
        // Constant zero, nonsense.
        assert_eq!(value_range(None, 0.0, 0.0), (0.0, 1.0));
        assert_eq!(value_range(Some((0.0, 2.0)), f64::NAN, 1.0), (0.0, 2.0));
        assert_eq!(value_range(None, 1.0, f64::INFINITY), (0.0, 1.0));
    }

    #[test]
    fn step_range_is_the_planned_run() {
        assert_eq!(step_range(1407, 12.0), (0.0, 1407.0));
        assert_eq!(step_range(0, 0.0), (0.0, 1.0));
        // Past the plan (a loaded run goes on): 25 % headroom, round (1500 × 1.25 → 2000).
        assert_eq!(step_range(1000, 1500.0), (0.0, 2000.0));
    }

    #[test]
    fn finite_bounds_skips_gaps() {
        assert_eq!(finite_bounds(&[&[2.0, f64::NAN, 0.5], &[3.0]]), (0.5, 3.0));
        assert!(finite_bounds(&[&[f64::NAN], &[]]).0.is_nan());
    }

    #[test]
    fn decimate_keeps_extremes_in_order() {
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        let mut y: Vec<f64> = x.iter().map(|v| (v * 0.1).sin()).collect();
        y[517] = 40.0;
        y[800] = -40.0;
        let (dx, dy) = decimate(&x, &y, 100);
        assert!(dx.len() <= 100 && dx.len() >= 90, "{} points", dx.len());
        assert!(dx.windows(2).all(|w| w[0] < w[1]), "x ascending");
        assert!(dx.contains(&517.0) && dy.contains(&40.0), "the spike stays");
        assert!(dx.contains(&800.0) && dy.contains(&-40.0), "the dip stays");
        // Every point kept is a point of the curve.
        for (a, b) in dx.iter().zip(&dy) {
            assert_eq!(y[*a as usize], *b);
        }
        // Few points: all of them.
        assert_eq!(decimate(&x[..50], &y[..50], 100).0.len(), 50);
        // Naive check of one run: points 0..20 hold the min and max of sin(0..2).
        let (sx, _) = decimate(&x[..40], &y[..40], 4);
        let naive_max = (0..20).max_by(|&a, &b| y[a].total_cmp(&y[b])).unwrap() as f64;
        assert!(sx.contains(&naive_max), "{sx:?}");
    }
}
