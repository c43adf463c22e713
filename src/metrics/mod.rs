//! Metrics computed from embeddings and predictions (plain slices: no tensors, no backend).

pub mod embedding;

pub use embedding::{
    Angles, Classification, Distance, EmbeddingMetrics, MetricsConfig, MetricsError, Points,
    Retrieval, SCALARS, ScalarInfo, Spread, Unit, fingerprint, scalar_info,
};

/// Fraction of `predictions` equal to `labels` (0 for empty input).
pub fn accuracy(predictions: &[u8], labels: &[u8]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    let hits = predictions
        .iter()
        .zip(labels)
        .filter(|(p, l)| p == l)
        .count();
    hits as f64 / labels.len() as f64
}

/// Exponential moving average used to smooth the curves: `s ← s + (x − s)(1 − decay)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ema {
    decay: f64,
    value: Option<f64>,
}

impl Ema {
    /// A smoother; `decay` in `[0, 1)`.
    pub fn new(decay: f64) -> Self {
        Self { decay, value: None }
    }

    /// Adds an observation and returns the smoothed value.
    pub fn push(&mut self, x: f64) -> f64 {
        let v = match self.value {
            None => x,
            Some(s) => s + (x - s) * (1.0 - self.decay),
        };
        self.value = Some(v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_hits() {
        assert_eq!(accuracy(&[1, 2, 3, 4], &[1, 2, 0, 4]), 0.75);
        assert_eq!(accuracy(&[], &[]), 0.0);
    }

    #[test]
    fn ema_smooths() {
        let mut e = Ema::new(0.5);
        assert_eq!(e.push(2.0), 2.0);
        assert_eq!(e.push(4.0), 3.0);
    }
}

/// The training curves shown in the page: raw and smoothed batch loss and accuracy per step,
/// and test-subset accuracy at every embedding.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Curves {
    /// Step numbers of the per-step series.
    pub steps: Vec<f64>,
    /// Batch loss per step.
    pub loss: Vec<f64>,
    /// Smoothed batch loss (EMA, decay 0.9).
    pub loss_smooth: Vec<f64>,
    /// Smoothed batch accuracy (EMA, decay 0.9).
    pub batch_accuracy: Vec<f64>,
    /// Named loss terms per step (for multi-term losses), same length as `steps`.
    pub terms: Vec<(String, Vec<f64>)>,
    /// Steps at which the test subset was embedded.
    pub eval_steps: Vec<f64>,
    /// Test-subset accuracy at those steps.
    pub eval_accuracy: Vec<f64>,
    loss_ema: Option<Ema>,
    acc_ema: Option<Ema>,
}

impl Curves {
    /// Appends one training step.
    pub fn push_step(
        &mut self,
        step: usize,
        loss: f64,
        batch_accuracy: f64,
        terms: &[(String, f32)],
    ) {
        let le = self.loss_ema.get_or_insert(Ema::new(0.9));
        let ls = le.push(loss);
        let ae = self.acc_ema.get_or_insert(Ema::new(0.9));
        let a = ae.push(batch_accuracy);
        self.steps.push(step as f64);
        self.loss.push(loss);
        self.loss_smooth.push(ls);
        self.batch_accuracy.push(a);
        for (name, v) in terms {
            match self.terms.iter_mut().find(|(n, _)| n == name) {
                Some((_, series)) => series.push(*v as f64),
                None => self.terms.push((name.clone(), vec![*v as f64])),
            }
        }
    }

    /// Appends a test-subset accuracy.
    pub fn push_eval(&mut self, step: usize, accuracy: f64) {
        self.eval_steps.push(step as f64);
        self.eval_accuracy.push(accuracy);
    }
}

/// Seconds left for `remaining_samples` at `samples_per_sec` (`None` before any measurement).
pub fn eta_secs(remaining_samples: usize, samples_per_sec: f64) -> Option<f64> {
    (samples_per_sec > 0.0).then(|| remaining_samples as f64 / samples_per_sec)
}

#[cfg(test)]
mod curve_tests {
    use super::*;

    #[test]
    fn curves_smooth_and_track_terms() {
        let mut c = Curves::default();
        c.push_step(1, 2.0, 0.5, &[("center".into(), 1.0)]);
        c.push_step(2, 1.0, 1.0, &[("center".into(), 3.0)]);
        assert_eq!(c.loss, vec![2.0, 1.0]);
        assert!((c.loss_smooth[1] - 1.9).abs() < 1e-12);
        assert_eq!(c.terms, vec![("center".to_string(), vec![1.0, 3.0])]);
        assert_eq!(eta_secs(100, 50.0), Some(2.0));
        assert_eq!(eta_secs(100, 0.0), None);
    }
}
