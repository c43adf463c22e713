//! IDX files (MNIST, Fashion-MNIST): bytes → validated tensor of `u8`, raw or gzip.
//!
//! Format (LeCun's page, shared/DATASETS.md): `00 00 08 nd`, then `nd` big-endian `u32`
//! dimensions, then exactly `product(dims)` bytes of row-major `u8` data. Each file may be
//! gzipped on its own (detected by the magic `1f 8b`).
//!
//! Every size claimed by a header is checked against [`Limits`] *before* anything is
//! allocated, and gzip streams are inflated with a hard cap, so a hostile or corrupt file
//! costs at most the limit and yields an [`IdxError`], never a panic.

use std::io::Read;

use super::error::DataError;

/// Upper bounds applied while parsing untrusted bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest payload (product of the dimensions) accepted, in bytes.
    pub max_payload_bytes: usize,
    /// Largest number of dimensions accepted.
    pub max_dims: usize,
}

impl Default for Limits {
    /// 64 MiB payload (MNIST's training images are 47 MB), at most 4 dimensions.
    fn default() -> Self {
        Self {
            max_payload_bytes: 64 << 20,
            max_dims: 4,
        }
    }
}

/// A parsed IDX file: its dimensions and its row-major `u8` payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idx {
    /// Dimensions as declared by the header, outermost first.
    pub dims: Vec<usize>,
    /// Exactly `dims.iter().product()` bytes.
    pub data: Vec<u8>,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether `bytes` start like a gzip stream.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[..2] == GZIP_MAGIC
}

/// Parses an IDX file given as raw or gzip-compressed bytes.
///
/// # Errors
/// [`DataError`] naming the problem: truncated header, wrong magic, unsupported element
/// type, too many dimensions, a payload larger than `limits`, a length that differs from
/// the header's, or a corrupt gzip stream.
pub fn parse_idx(bytes: &[u8], limits: Limits) -> Result<Idx, DataError> {
    if is_gzip(bytes) {
        let mut decoder = flate2::read::GzDecoder::new(bytes);
        // Inflate the fixed part of the header first, then at most the payload it claims.
        let mut head = [0u8; 4];
        read_exact_or(&mut decoder, &mut head, 0)?;
        let (nd, _) = check_magic(&head, limits)?;
        let mut dims_bytes = vec![0u8; 4 * nd];
        read_exact_or(&mut decoder, &mut dims_bytes, 4)?;
        let dims = read_dims(&dims_bytes);
        let payload = payload_len(&dims, limits)?;
        let mut data = Vec::with_capacity(payload);
        let got = (&mut decoder)
            .take(payload as u64 + 1)
            .read_to_end(&mut data)
            .map_err(|e| DataError::Gzip(e.to_string()))?;
        let header = 4 + 4 * nd;
        if got > payload {
            // Count what the stream really holds, still bounded, for a useful message.
            let extra = (&mut decoder)
                .take(limits.max_payload_bytes as u64)
                .read_to_end(&mut Vec::new())
                .map_err(|e| DataError::Gzip(e.to_string()))?;
            return Err(DataError::Length {
                expected: header + payload,
                actual: header + got + extra,
            });
        }
        if got < payload {
            return Err(DataError::Length {
                expected: header + payload,
                actual: header + got,
            });
        }
        Ok(Idx { dims, data })
    } else {
        if bytes.len() < 4 {
            return Err(DataError::Truncated {
                needed: 4,
                actual: bytes.len(),
            });
        }
        let (nd, _) = check_magic(&bytes[..4], limits)?;
        let header = 4 + 4 * nd;
        if bytes.len() < header {
            return Err(DataError::Truncated {
                needed: header,
                actual: bytes.len(),
            });
        }
        let dims = read_dims(&bytes[4..header]);
        let payload = payload_len(&dims, limits)?;
        if bytes.len() != header + payload {
            return Err(DataError::Length {
                expected: header + payload,
                actual: bytes.len(),
            });
        }
        Ok(Idx {
            dims,
            data: bytes[header..].to_vec(),
        })
    }
}

/// Inflates a gzip stream, refusing to produce more than `cap` bytes.
///
/// # Errors
/// [`DataError::Inflated`] past the cap, [`DataError::Gzip`] for a corrupt stream.
pub(crate) fn gunzip_capped(bytes: &[u8], cap: usize) -> Result<Vec<u8>, DataError> {
    let mut out = Vec::new();
    let got = flate2::read::GzDecoder::new(bytes)
        .take(cap as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| DataError::Gzip(e.to_string()))?;
    if got > cap {
        return Err(DataError::Inflated { limit: cap });
    }
    Ok(out)
}

/// The first (up to) `n` bytes of the content: inflated if `bytes` is gzip, else as is.
///
/// # Errors
/// [`DataError::Gzip`] for a stream corrupt within those bytes.
pub(crate) fn content_head(bytes: &[u8], n: usize) -> Result<Vec<u8>, DataError> {
    if !is_gzip(bytes) {
        return Ok(bytes[..n.min(bytes.len())].to_vec());
    }
    let mut out = Vec::with_capacity(n);
    flate2::read::GzDecoder::new(bytes)
        .take(n as u64)
        .read_to_end(&mut out)
        .map_err(|e| DataError::Gzip(e.to_string()))?;
    Ok(out)
}

/// Whether `head` (at least 4 bytes of content) starts like an IDX file of unsigned bytes.
pub(crate) fn looks_like_idx(head: &[u8]) -> bool {
    head.len() >= 4 && head[..3] == [0, 0, 0x08] && (1..=4).contains(&head[3])
}

fn read_exact_or(reader: &mut impl Read, buf: &mut [u8], offset: usize) -> Result<(), DataError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => {
                return Err(DataError::Truncated {
                    needed: offset + buf.len(),
                    actual: offset + filled,
                });
            }
            Ok(n) => filled += n,
            Err(e) => return Err(DataError::Gzip(e.to_string())),
        }
    }
    Ok(())
}

/// Checks `00 00 08 nd` and returns `(nd, type code)`.
fn check_magic(head: &[u8], limits: Limits) -> Result<(usize, u8), DataError> {
    let magic = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    if head[0] != 0 || head[1] != 0 {
        return Err(DataError::Magic { found: magic });
    }
    if head[2] != 0x08 {
        return Err(DataError::ElementType { code: head[2] });
    }
    let nd = head[3] as usize;
    if nd == 0 || nd > limits.max_dims {
        return Err(DataError::Dims {
            count: nd,
            max: limits.max_dims,
        });
    }
    Ok((nd, head[2]))
}

fn read_dims(bytes: &[u8]) -> Vec<usize> {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect()
}

fn payload_len(dims: &[usize], limits: Limits) -> Result<usize, DataError> {
    let mut total: usize = 1;
    for &d in dims {
        total = match total.checked_mul(d) {
            Some(t) if t <= limits.max_payload_bytes => t,
            _ => {
                return Err(DataError::TooLarge {
                    claimed: dims.iter().map(|&d| d as u128).product(),
                    limit: limits.max_payload_bytes,
                });
            }
        };
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 8, dims.len() as u8];
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend_from_slice(data);
        v
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn parses_raw_and_gzip_alike() {
        let raw = idx_bytes(&[2, 3], &[1, 2, 3, 4, 5, 6]);
        let a = parse_idx(&raw, Limits::default()).unwrap();
        let b = parse_idx(&gzip(&raw), Limits::default()).unwrap();
        assert_eq!(a.dims, vec![2, 3]);
        assert_eq!(a.data, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(a, b);
    }

    #[test]
    fn rejects_every_kind_of_bad_bytes() {
        let raw = idx_bytes(&[2, 3], &[1, 2, 3, 4, 5, 6]);
        let l = Limits::default();
        assert!(matches!(
            parse_idx(&raw[..2], l),
            Err(DataError::Truncated { .. })
        ));
        assert!(matches!(
            parse_idx(&raw[..7], l),
            Err(DataError::Truncated { .. })
        ));
        assert!(matches!(
            parse_idx(&raw[..raw.len() - 1], l),
            Err(DataError::Length {
                expected: 18,
                actual: 17
            })
        ));
        let mut long = raw.clone();
        long.push(0);
        assert!(matches!(parse_idx(&long, l), Err(DataError::Length { .. })));
        let mut magic = raw.clone();
        magic[0] = 7;
        assert!(matches!(parse_idx(&magic, l), Err(DataError::Magic { .. })));
        let mut ty = raw.clone();
        ty[2] = 0x0d; // f32: valid IDX, not ours
        assert!(matches!(
            parse_idx(&ty, l),
            Err(DataError::ElementType { code: 0x0d })
        ));
        let mut nd = raw.clone();
        nd[3] = 9;
        assert!(matches!(
            parse_idx(&nd, l),
            Err(DataError::Dims { count: 9, .. })
        ));
        // Gzip: truncated stream and too-short content.
        let gz = gzip(&raw);
        assert!(parse_idx(&gz[..gz.len() / 2], l).is_err());
        assert!(matches!(
            parse_idx(&gzip(&raw[..raw.len() - 2]), l),
            Err(DataError::Length { .. })
        ));
    }

    #[test]
    fn hostile_sizes_are_refused_before_allocation() {
        // 4 billion × 4 billion × … would overflow usize; 60000×28×28×1000 is over the limit.
        let huge = idx_bytes(&[u32::MAX, u32::MAX, u32::MAX], &[]);
        assert!(matches!(
            parse_idx(&huge, Limits::default()),
            Err(DataError::TooLarge { .. })
        ));
        let big = idx_bytes(&[60_000, 28, 28, 1000], &[]);
        assert!(matches!(
            parse_idx(&gzip(&big), Limits::default()),
            Err(DataError::TooLarge { .. })
        ));
    }

    #[test]
    fn gzip_bomb_stops_at_the_cap() {
        // Header claims 100 bytes, the stream inflates to 10 MB of zeros.
        let mut bomb = idx_bytes(&[100], &[]);
        bomb.extend(std::iter::repeat_n(0u8, 10 << 20));
        let limits = Limits {
            max_payload_bytes: 1 << 20,
            max_dims: 4,
        };
        match parse_idx(&gzip(&bomb), limits) {
            Err(DataError::Length { expected, actual }) => {
                assert_eq!(expected, 108);
                assert!(
                    actual <= 8 + 101 + (1 << 20),
                    "inflated past the cap: {actual}"
                );
            }
            other => panic!("expected a length error, got {other:?}"),
        }
    }
}
