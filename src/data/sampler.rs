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

/// Class-balanced batches for the metric losses (shared/LOSSES.md: at least 2 examples per
/// class): each batch holds `P` classes with about `K` examples each ("P×K" sampling).
///
/// For a batch of `B`: `P = min(classes, max(1, B / K))` classes, those with the most examples
/// not yet drawn this epoch (ties broken at random), so that an epoch draws every class in
/// proportion to its size; the `B` examples are split evenly over them (the `B mod P` with the
/// most left get one more), never more than a class has. Within a class examples are drawn
/// without replacement from a shuffled queue, which is refilled (reshuffled) only when used up,
/// and never with an example already in the batch. An epoch is `ceil(len / B)` batches, after which every class queue is
/// reshuffled. Classes with fewer than 2 examples are left out (unless no class has 2).
/// Everything follows the seed.
#[derive(Debug, Clone)]
pub struct BalancedSampler {
    rng: Rng,
    per_class: usize,
    /// Per class: its example indices in the current order, and the next position.
    queues: Vec<(Vec<usize>, usize)>,
    /// Classes that take part.
    eligible: Vec<usize>,
    len: usize,
    drawn: usize,
    epoch: usize,
}

impl BalancedSampler {
    /// Examples per class in a batch unless the batch size asks otherwise (`K`).
    pub const DEFAULT_PER_CLASS: usize = 4;

    /// A sampler over examples with `labels` (the class of example `i` is `labels[i]`), about
    /// `per_class` examples per class in a batch (`K`, at least 2), seeded.
    pub fn new(labels: &[u8], per_class: usize, seed: u64) -> Self {
        let mut rng = Rng::new(seed ^ 0x0ba1_a9ce_d5a3_71e5);
        let classes = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
        let mut queues: Vec<(Vec<usize>, usize)> = vec![(Vec::new(), 0); classes];
        for (i, &l) in labels.iter().enumerate() {
            queues[l as usize].0.push(i);
        }
        for q in &mut queues {
            rng.shuffle(&mut q.0);
        }
        let mut eligible: Vec<usize> = (0..classes).filter(|&c| queues[c].0.len() >= 2).collect();
        if eligible.is_empty() {
            eligible = (0..classes).filter(|&c| !queues[c].0.is_empty()).collect();
        }
        Self {
            rng,
            per_class: per_class.max(2),
            queues,
            eligible,
            len: labels.len(),
            drawn: 0,
            epoch: 0,
        }
    }

    /// Completed epochs.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Fraction of the current epoch consumed, in `[0, 1)`.
    pub fn progress(&self) -> f64 {
        self.drawn as f64 / self.len.max(1) as f64
    }

    /// Batches per epoch at this batch size.
    pub fn batches_per_epoch(&self, batch: usize) -> usize {
        self.len.div_ceil(batch.max(1))
    }

    /// The `p` distinct classes with the most examples left in their queue, most first (ties
    /// broken at random).
    fn next_classes(&mut self, p: usize) -> Vec<usize> {
        let mut keyed: Vec<(usize, u64, usize)> = self
            .eligible
            .iter()
            .map(|&c| {
                let (order, pos) = &self.queues[c];
                (order.len() - *pos, self.rng.next_u64(), c)
            })
            .collect();
        keyed.sort_unstable_by(|a, b| b.cmp(a));
        keyed.into_iter().take(p).map(|(_, _, c)| c).collect()
    }

    /// `k` distinct examples of class `c` (`k` at most the class's size).
    fn take(&mut self, c: usize, k: usize) -> Vec<usize> {
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            let (order, pos) = &mut self.queues[c];
            if *pos >= order.len() {
                self.rng.shuffle(order);
                // The ones just taken go last, so the batch has no duplicate.
                order.sort_by_key(|i| out.contains(i));
                *pos = 0;
            }
            out.push(order[*pos]);
            *pos += 1;
        }
        out
    }

    /// The next batch of indices: `batch` examples (fewer only when the classes are too small),
    /// grouped by class.
    pub fn next_batch(&mut self, batch: usize) -> Vec<usize> {
        let batch = batch.max(1);
        let p = self.eligible.len().min((batch / self.per_class).max(1));
        if p == 0 {
            return Vec::new(); // no examples at all
        }
        let classes = self.next_classes(p);
        let mut want: Vec<usize> = (0..p)
            .map(|j| batch / p + usize::from(j < batch % p))
            .collect();
        // Never more than a class has; hand the rest to classes with room.
        let size = |s: &Self, c: usize| s.queues[c].0.len();
        let mut spare = 0;
        for (j, &c) in classes.iter().enumerate() {
            let cap = size(self, c);
            if want[j] > cap {
                spare += want[j] - cap;
                want[j] = cap;
            }
        }
        for (j, &c) in classes.iter().enumerate() {
            let room = size(self, c) - want[j];
            let extra = room.min(spare);
            want[j] += extra;
            spare -= extra;
        }
        let mut out = Vec::with_capacity(batch);
        for (j, &c) in classes.iter().enumerate() {
            out.extend(self.take(c, want[j]));
        }
        self.drawn += out.len().max(1);
        if self.drawn >= self.len {
            self.drawn = 0;
            self.epoch += 1;
            for q in &mut self.queues {
                self.rng.shuffle(&mut q.0);
                q.1 = 0;
            }
        }
        out
    }
}

/// The batch order of a run: plain epochs, or class-balanced batches for the metric losses.
#[derive(Debug, Clone)]
pub enum BatchSampler {
    /// Every example once per epoch ([`EpochSampler`]).
    Epoch(EpochSampler),
    /// `P` classes × `K` examples per batch ([`BalancedSampler`]).
    Balanced(BalancedSampler),
}

impl BatchSampler {
    /// Completed epochs.
    pub fn epoch(&self) -> usize {
        match self {
            Self::Epoch(s) => s.epoch(),
            Self::Balanced(s) => s.epoch(),
        }
    }

    /// Fraction of the current epoch consumed, in `[0, 1)`.
    pub fn progress(&self) -> f64 {
        match self {
            Self::Epoch(s) => s.progress(),
            Self::Balanced(s) => s.progress(),
        }
    }

    /// Batches per epoch at this batch size.
    pub fn batches_per_epoch(&self, batch: usize) -> usize {
        match self {
            Self::Epoch(s) => s.batches_per_epoch(batch),
            Self::Balanced(s) => s.batches_per_epoch(batch),
        }
    }

    /// The next batch of indices.
    pub fn next_batch(&mut self, batch: usize) -> Vec<usize> {
        match self {
            Self::Epoch(s) => s.next_batch(batch),
            Self::Balanced(s) => s.next_batch(batch),
        }
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

    /// MNIST-like labels: `n` examples of `classes` classes, unevenly sized, mixed.
    fn labels(n: usize, classes: usize) -> Vec<u8> {
        (0..n).map(|i| ((i * 7 + i / 13) % classes) as u8).collect()
    }

    fn class_counts(batch: &[usize], labels: &[u8]) -> std::collections::BTreeMap<u8, usize> {
        let mut m = std::collections::BTreeMap::new();
        for &i in batch {
            *m.entry(labels[i]).or_insert(0) += 1;
        }
        m
    }

    #[test]
    fn balanced_batches_have_two_or_more_of_each_class() {
        let labels = labels(1000, 10);
        for batch in [8, 16, 32, 64, 128] {
            let mut s = BalancedSampler::new(&labels, 4, 5);
            for _ in 0..3 * s.batches_per_epoch(batch) {
                let b = s.next_batch(batch);
                assert_eq!(b.len(), batch);
                let counts = class_counts(&b, &labels);
                assert!(counts.values().all(|&k| k >= 2), "{batch}: {counts:?}");
                let expected_classes = (batch / 4).clamp(1, 10);
                assert_eq!(counts.len(), expected_classes, "{batch}: {counts:?}");
                let mut unique = b.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(unique.len(), b.len(), "duplicate example in {b:?}");
            }
            assert_eq!(s.epoch(), 3);
        }
    }

    #[test]
    fn balanced_sampler_is_seeded_and_covers_an_epoch() {
        let labels = labels(600, 10);
        let run = |seed| {
            let mut s = BalancedSampler::new(&labels, 4, seed);
            (0..20).map(|_| s.next_batch(32)).collect::<Vec<_>>()
        };
        assert_eq!(run(9), run(9));
        assert_ne!(run(9), run(10));
        // One epoch of 60 classes-balanced batches of 10 (P = 2, K = 5) over 600 examples of 10
        // equally frequent classes: drawn without replacement, so almost all are distinct.
        let mut s = BalancedSampler::new(&labels, 5, 1);
        let n = s.batches_per_epoch(10);
        let mut all: Vec<usize> = (0..n).flat_map(|_| s.next_batch(10)).collect();
        assert_eq!(s.epoch(), 1);
        assert_eq!(all.len(), 600);
        all.sort_unstable();
        all.dedup();
        assert!(all.len() >= 590, "only {} distinct of 600", all.len());
    }

    #[test]
    fn balanced_sampler_over_nothing_gives_empty_batches() {
        let mut s = BalancedSampler::new(&[], 4, 1);
        assert!(s.next_batch(8).is_empty());
    }

    #[test]
    fn balanced_sampler_copes_with_tiny_classes() {
        // Class 0 has 3 examples, class 1 has 1 (left out), class 2 has 40.
        let mut labels = vec![0u8; 3];
        labels.push(1);
        labels.extend(std::iter::repeat_n(2u8, 40));
        let mut s = BalancedSampler::new(&labels, 4, 2);
        for _ in 0..20 {
            let b = s.next_batch(16);
            let counts = class_counts(&b, &labels);
            assert!(!counts.contains_key(&1), "{counts:?}");
            assert!(counts.get(&0).is_none_or(|&k| k <= 3), "{counts:?}");
            assert_eq!(b.len(), 16, "{counts:?}");
        }
    }
}
