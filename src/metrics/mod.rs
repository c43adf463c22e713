//! Metrics computed from embeddings and predictions (plain slices: no tensors, no backend).

/// Fraction of `predictions` equal to `labels` (0 for empty input).
pub fn accuracy(predictions: &[u8], labels: &[u8]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    let hits = predictions.iter().zip(labels).filter(|(p, l)| p == l).count();
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
