//! The training curves' axes and points: steady ranges, so that a plot does not redraw its axes
//! at every update, and at most a fixed number of points per curve, so that a long run costs
//! the browser no more than a short one.

use super::round_up_f64 as round_up;
use crate::metrics::Curves;

/// Points kept per curve (see [`decimate`]).
pub const POINTS_PER_CURVE: usize = 600;

/// One curve of a [`Chart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// Line colour.
    pub color: &'static str,
    /// Steps.
    pub x: Vec<f64>,
    /// Values.
    pub y: Vec<f64>,
}

/// A line chart ready to draw: its curves and the ranges of its axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The curves, in legend order.
    pub series: Vec<Series>,
    /// The step axis.
    pub x_range: (f64, f64),
    /// The value axis.
    pub y_range: (f64, f64),
}

/// A curve as drawn: thinned to [`POINTS_PER_CURVE`]; an empty curve is one gap (a null
/// point), so that its legend entry is there before the first step and plotly.js has one
/// thing less to lay out then.
fn series(name: &str, color: &'static str, x: &[f64], y: &[f64]) -> Series {
    let (mut x, mut y) = decimate(x, y, POINTS_PER_CURVE);
    if x.is_empty() {
        (x, y) = (vec![f64::NAN], vec![f64::NAN]);
    }
    Series {
        name: name.to_string(),
        color,
        x,
        y,
    }
}

/// The loss chart of a run: batch loss, smoothed loss and each named term, on steps
/// `[0, total_steps]` ([`step_range`]) and a loss axis that follows `previous`, the range
/// drawn last ([`value_range`]; ignored while the run has no step).
pub fn loss_chart(c: &Curves, previous: Option<(f64, f64)>, total_steps: usize) -> Chart {
    const TERMS: [&str; 3] = ["#D55E00", "#009E73", "#CC79A7"];
    let mut all = vec![
        series("batch loss", "#bbbbbb", &c.steps, &c.loss),
        series("smoothed", "#0072B2", &c.steps, &c.loss_smooth),
    ];
    for (i, (name, v)) in c.terms.iter().enumerate() {
        all.push(series(name, TERMS[i % TERMS.len()], &c.steps, v));
    }
    let mut values: Vec<&[f64]> = vec![&c.loss, &c.loss_smooth];
    values.extend(c.terms.iter().map(|(_, v)| v.as_slice()));
    let (lo, hi) = finite_bounds(&values);
    let previous = previous.filter(|_| !c.steps.is_empty());
    Chart {
        series: all,
        x_range: step_range(total_steps, c.steps.last().copied().unwrap_or(0.0)),
        y_range: value_range(previous, lo, hi),
    }
}

/// The accuracy chart of a run: smoothed batch accuracy and test-subset accuracy, on steps
/// `[0, total_steps]` and accuracies 0–1.
pub fn accuracy_chart(c: &Curves, total_steps: usize) -> Chart {
    Chart {
        series: vec![
            series("batch (smoothed)", "#0072B2", &c.steps, &c.batch_accuracy),
            series("test subset", "#D55E00", &c.eval_steps, &c.eval_accuracy),
        ],
        x_range: step_range(total_steps, c.steps.last().copied().unwrap_or(0.0)),
        y_range: (0.0, 1.0),
    }
}

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
/// points, in order, so that spikes survive. A run of gaps (NaN) only keeps its first.
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
    fn charts_of_a_run() {
        let mut c = Curves::default();
        // Before the first step: one gap a curve, the previous range dropped.
        let empty = loss_chart(&c, Some((0.0, 50.0)), 100);
        assert_eq!(empty.series.len(), 2);
        assert!(
            empty
                .series
                .iter()
                .all(|s| s.x.len() == 1 && s.y[0].is_nan())
        );
        assert_eq!((empty.x_range, empty.y_range), ((0.0, 100.0), (0.0, 1.0)));
        let terms = |a: f32, b: f32| vec![("softmax".to_string(), a), ("center".to_string(), b)];
        for step in 0..1000 {
            let loss = 2.3 - step as f64 * 1e-3;
            c.push_step(step, loss, 0.5, &terms(1.0, 0.2));
        }
        let chart = loss_chart(&c, None, 1000);
        let names: Vec<&str> = chart.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["batch loss", "smoothed", "softmax", "center"]);
        assert_eq!(chart.series[2].color, "#D55E00");
        assert!(chart.series.iter().all(|s| s.x.len() <= POINTS_PER_CURVE));
        // 2.3 × 1.25 = 2.875 → 3; kept while the values stay inside.
        assert_eq!(chart.y_range, (0.0, 3.0));
        assert_eq!(loss_chart(&c, Some((0.0, 5.0)), 1000).y_range, (0.0, 5.0));
        let acc = accuracy_chart(&c, 1000);
        assert_eq!((acc.x_range, acc.y_range), ((0.0, 1000.0), (0.0, 1.0)));
        // No test-subset embedding yet: a gap.
        assert!(acc.series[1].y[0].is_nan());
    }

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
