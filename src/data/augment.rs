//! Seeded data augmentation on `u8` images, before normalisation: the standard CIFAR-10 recipe
//! (He et al. 2016, §4.2) — pad each side by 4 pixels with zeros, crop a window of the original
//! size at a uniformly random offset, and mirror it left–right with probability ½.

use super::dataset::ImageSet;
use super::sampler::Rng;

/// Random crop with zero padding and horizontal flip, drawn from a seeded generator.
#[derive(Debug, Clone)]
pub struct Augment {
    rng: Rng,
    pad: usize,
}

impl Augment {
    /// Padding of the standard recipe, in pixels.
    pub const PAD: usize = 4;

    /// An augmenter with [`Self::PAD`] pixels of padding; the same seed gives the same crops and
    /// flips.
    pub fn new(seed: u64) -> Self {
        Self::with_pad(seed, Self::PAD)
    }

    /// An augmenter with `pad` pixels of padding (0: flips only).
    pub fn with_pad(seed: u64, pad: usize) -> Self {
        Self {
            rng: Rng::new(seed ^ 0x0a06_3e47_c0ff_5eed),
            pad,
        }
    }

    /// Augmented copies of the images `indices` of `set`, concatenated (`indices.len() ×
    /// set.image_len()` bytes, channel-planar like the set); each image gets its own offset and
    /// flip.
    pub fn batch(&mut self, set: &ImageSet, indices: &[usize]) -> Vec<u8> {
        let mut out = Vec::with_capacity(indices.len() * set.image_len());
        for &i in indices {
            let dy = self.rng.below(2 * self.pad + 1);
            let dx = self.rng.below(2 * self.pad + 1);
            let flip = self.rng.below(2) == 1;
            crop_flip(set, set.image(i), (dy, dx), self.pad, flip, &mut out);
        }
        out
    }
}

/// Appends to `out` the `h × w` window at `(dy, dx)` of the image padded by `pad` zeros on
/// every side, mirrored left–right if `flip`.
fn crop_flip(
    set: &ImageSet,
    image: &[u8],
    (dy, dx): (usize, usize),
    pad: usize,
    flip: bool,
    out: &mut Vec<u8>,
) {
    let (h, w) = (set.height, set.width);
    for plane in image.chunks_exact(h * w) {
        for y in 0..h {
            // Row in the source image (padded coordinates minus the padding).
            let sy = (y + dy).checked_sub(pad).filter(|&sy| sy < h);
            for x in 0..w {
                let xc = if flip { w - 1 - x } else { x };
                let sx = (xc + dx).checked_sub(pad).filter(|&sx| sx < w);
                out.push(match (sy, sx) {
                    (Some(sy), Some(sx)) => plane[sy * w + sx],
                    _ => 0,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 2-channel 3×3 images: pixel value = 10·channel + position (+1 so none is 0).
    fn set() -> ImageSet {
        let img: Vec<u8> = (0..2)
            .flat_map(|c| (0..9).map(move |p| 10 * c + p + 1))
            .collect();
        ImageSet {
            images: [img.clone(), img].concat(),
            labels: vec![0, 1],
            channels: 2,
            height: 3,
            width: 3,
        }
    }

    fn one(offset: (usize, usize), pad: usize, flip: bool) -> Vec<u8> {
        let s = set();
        let mut out = Vec::new();
        crop_flip(&s, s.image(0), offset, pad, flip, &mut out);
        out
    }

    #[test]
    fn centre_crop_is_the_identity_and_flip_mirrors() {
        let s = set();
        assert_eq!(one((1, 1), 1, false), s.image(0));
        assert_eq!(
            &one((1, 1), 1, true)[..9],
            &[3, 2, 1, 6, 5, 4, 9, 8, 7],
            "rows mirrored"
        );
    }

    #[test]
    fn offsets_shift_in_zeros() {
        // Window at the top-left corner of the padded image: the image moves down-right by one.
        assert_eq!(&one((0, 0), 1, false)[..9], &[0, 0, 0, 0, 1, 2, 0, 4, 5]);
        assert_eq!(
            &one((0, 0), 1, false)[9..],
            &[0, 0, 0, 0, 11, 12, 0, 14, 15]
        );
        // Bottom-right corner ([5, 6, 0; 8, 9, 0; 0, 0, 0]), then mirrored.
        assert_eq!(&one((2, 2), 1, true)[..9], &[0, 6, 5, 0, 9, 8, 0, 0, 0]);
    }

    #[test]
    fn seeded_and_covers_every_offset_and_both_flips() {
        let s = set();
        let idx = vec![0; 2000];
        let a = Augment::with_pad(7, 1).batch(&s, &idx);
        assert_eq!(a, Augment::with_pad(7, 1).batch(&s, &idx));
        assert_ne!(a, Augment::with_pad(8, 1).batch(&s, &idx));
        assert_eq!(a.len(), 2000 * 18);
        let mut seen = std::collections::BTreeSet::new();
        for img in a.chunks_exact(18) {
            seen.insert(img.to_vec());
        }
        // 3 × 3 offsets × 2 flips, all distinct for this image.
        assert_eq!(seen.len(), 18);
        // No padding, no flip: the identity.
        let mut none = Augment::with_pad(1, 0);
        let b = none.batch(&s, &[1]);
        assert!(b == s.image(1) || b == one((0, 0), 0, true));
    }
}
