//! Seeded randomness and batch order: every epoch visits each example once, in an order fixed
//! by the seed, so a run is reproducible on the CPU backend.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and identical on every platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by Lemire's multiply-shift (bias below 2⁻³² for our sizes).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 32).wrapping_mul(n as u64) >> 32) as usize
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// Draws batches without replacement; a new permutation each epoch.
#[derive(Debug, Clone)]
pub struct EpochSampler {
    rng: Rng,
    order: Vec<usize>,
    pos: usize,
    epoch: usize,
}

impl EpochSampler {
    /// A sampler over `0..len`, seeded.
    pub fn new(len: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed ^ 0x0005_eed0_fba7_c4e5);
        let mut order: Vec<usize> = (0..len).collect();
        rng.shuffle(&mut order);
        Self {
            rng,
            order,
            pos: 0,
            epoch: 0,
        }
    }

    /// Completed epochs.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Fraction of the current epoch consumed, in `[0, 1)`.
    pub fn progress(&self) -> f64 {
        self.pos as f64 / self.order.len().max(1) as f64
    }

    /// Batches per epoch at this batch size (the last, partial batch included).
    pub fn batches_per_epoch(&self, batch: usize) -> usize {
        self.order.len().div_ceil(batch.max(1))
    }

    /// The next batch of indices: up to `batch` examples; shorter at the end of an epoch, after
    /// which a fresh permutation starts.
    pub fn next_batch(&mut self, batch: usize) -> Vec<usize> {
        let end = (self.pos + batch.max(1)).min(self.order.len());
        let out = self.order[self.pos..end].to_vec();
        self.pos = end;
        if self.pos >= self.order.len() {
            // Count the epoch as done as soon as its last batch is handed out.
            self.rng.shuffle(&mut self.order);
            self.pos = 0;
            self.epoch += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // Reference: the SplitMix64 C code of Vigna (prng.di.unimi.it/splitmix64.c), seed 1234567.
        let mut r = Rng::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn each_epoch_is_a_permutation() {
        let mut s = EpochSampler::new(10, 3);
        let mut seen: Vec<usize> = (0..4).flat_map(|_| s.next_batch(3)).collect();
        assert_eq!(s.epoch(), 1);
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        let mut t = EpochSampler::new(10, 3);
        let replay: Vec<usize> = (0..4).flat_map(|_| t.next_batch(3)).collect();
        let mut s = EpochSampler::new(10, 3);
        assert_eq!(
            replay,
            (0..4).flat_map(|_| s.next_batch(3)).collect::<Vec<_>>()
        );
        assert_ne!(
            EpochSampler::new(10, 3).next_batch(10),
            EpochSampler::new(10, 4).next_batch(10)
        );
    }
}
