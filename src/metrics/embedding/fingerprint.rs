//! A short, stable hash of a run's result, for reproducibility checks.

/// FNV-1a, 64 bits (Fowler, Noll, Vo): `h ← 0xcbf29ce484222325; for each byte:
/// h ← (h ⊕ byte) · 0x100000001b3 (mod 2⁶⁴)`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `round(x · scale)` as an integer; NaN and ±∞ get their own codes (finite values beyond
/// ±9.2e18 / scale saturate).
fn quantize(x: f64, scale: f64) -> i64 {
    if x.is_nan() {
        i64::MIN
    } else if x == f64::INFINITY {
        i64::MAX
    } else if x == f64::NEG_INFINITY {
        i64::MIN + 1
    } else {
        // `as` saturates; -0.0 becomes 0.
        (x * scale).round() as i64
    }
}

/// Scale of the accuracy's quantisation (1e-6: distinct accuracies of up to a million test
/// points stay distinct).
const ACCURACY_SCALE: f64 = 1e6;
/// Scale of the embeddings' quantisation (1e-4).
const EMBEDDING_SCALE: f64 = 1e4;

/// A 16-hex-digit fingerprint of a run: FNV-1a 64 ([`fnv1a64`]) of
///
/// ```text
/// "embedding-playground/fingerprint/v1"
/// u64 LE  m = min(n_first, embeddings.len())          number of values hashed
/// i64 LE  round(test_accuracy · 10⁶)
/// i64 LE  round(v · 10⁴)   for each of the first m values v of `embeddings`
/// ```
/// `n_first` counts *values* (coordinates), not points: pass `points × dim` (say the first
/// 100 test points, `100 · dim`). NaN and ±∞ hash as reserved codes, so they never panic and
/// never collide with finite values.
///
/// Why quantise: the same seed on the CPU backend gives bit-identical runs on one machine, but
/// another CPU, SIMD width, thread count or backend sums the same products in another order,
/// which moves an `f32` embedding by a few units in the last place (~1e-6 for values of order
/// 10). Rounding to 1e-4 hides those differences, while any real change of the model (a
/// different seed, step or loss) moves the embeddings by far more. The hash is computed from
/// integers, so it is identical on every platform. A value that lands within that noise of a
/// rounding boundary can still flip it: equal fingerprints mean the same result; different
/// ones call for comparing the values with a tolerance.
pub fn fingerprint(test_accuracy: f64, embeddings: &[f32], n_first: usize) -> String {
    let m = n_first.min(embeddings.len());
    let mut bytes = Vec::with_capacity(64 + 8 * m);
    bytes.extend_from_slice(b"embedding-playground/fingerprint/v1");
    bytes.extend_from_slice(&(m as u64).to_le_bytes());
    bytes.extend_from_slice(&quantize(test_accuracy, ACCURACY_SCALE).to_le_bytes());
    for &v in embeddings.iter().take(m) {
        bytes.extend_from_slice(&quantize(v as f64, EMBEDDING_SCALE).to_le_bytes());
    }
    format!("{:016x}", fnv1a64(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_reference_vectors() {
        // The FNV test vectors of Fowler/Noll/Vo (isthe.com/chongo/tech/comp/fnv, test_fnv.c).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn quantize_codes() {
        assert_eq!(quantize(0.12344, 1e4), 1234);
        assert_eq!(quantize(0.12346, 1e4), 1235);
        assert_eq!(quantize(-0.0, 1e4), 0);
        assert_eq!(quantize(-0.00004, 1e4), 0);
        assert_eq!(quantize(f64::NAN, 1e4), i64::MIN);
        assert_eq!(quantize(f64::INFINITY, 1e4), i64::MAX);
        assert_eq!(quantize(f64::NEG_INFINITY, 1e4), i64::MIN + 1);
    }
}
