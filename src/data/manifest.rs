//! The data folder's `manifest.json` (written by `scripts/prepare-data.sh`) and the sha256
//! check of downloaded bytes against it.
//!
//! Format (version 2; documented in docs/DATA.md):
//! ```json
//! { "version": 2,
//!   "datasets": {
//!     "mnist": { "title": "MNIST", "files": [
//!       { "name": "train-images-idx3-ubyte", "path": "mnist/train-images-idx3-ubyte.gz",
//!         "size": 9719438, "encoding": "gzip",
//!         "sha256": "<sha256 of the served bytes>",
//!         "content_sha256": "<sha256 of the decompressed content, as in shared/DATASETS.md>" } ] } } }
//! ```
//! Datasets are keyed by [`DatasetKind::id`]; `path` is relative to the manifest's folder;
//! `encoding` is `gzip` or `identity` (then both checksums are equal). Unknown fields and
//! unknown dataset ids are ignored, so a newer manifest still parses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::dataset::DatasetKind;
use super::error::{DataError, FileError};
use super::idx::is_gzip;

/// The manifest's file name in the data folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The manifest format version this code reads and `prepare-data.sh` writes.
pub const MANIFEST_VERSION: u32 = 2;

/// The data folder's table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version ([`MANIFEST_VERSION`]).
    pub version: u32,
    /// Prepared datasets by id (`mnist`, `fashion-mnist`, `cifar10`).
    pub datasets: BTreeMap<String, ManifestDataset>,
}

/// One dataset's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestDataset {
    /// Human name.
    pub title: String,
    /// Its files, in [`DatasetKind::files`] order.
    pub files: Vec<ManifestFile>,
}

/// How a file is stored on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// A gzip stream (the IDX `.gz` files); the parsers inflate it.
    Gzip,
    /// The content itself (the CIFAR-10 `.bin` files).
    Identity,
}

/// One served file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Canonical file name of the content (`train-images-idx3-ubyte`, `data_batch_1.bin`).
    pub name: String,
    /// Path of the served file, relative to the manifest (`mnist/train-images-idx3-ubyte.gz`).
    pub path: String,
    /// Size of the served file in bytes.
    pub size: u64,
    /// Whether the served bytes are gzipped.
    pub encoding: Encoding,
    /// sha256 of the served bytes, lowercase hex.
    pub sha256: String,
    /// sha256 of the decompressed content, lowercase hex (the published checksum).
    pub content_sha256: String,
}

/// What [`verify`] matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// The bytes are the served file, byte for byte.
    Served,
    /// The bytes are the decompressed content of a gzipped file (a server or the browser
    /// removed the gzip layer on the way).
    Decompressed,
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A relative path inside the data folder: no scheme, no leading `/`, no `..`, no `\`.
fn is_safe_path(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with('/')
        && !p.contains('\\')
        && !p.contains(':')
        && p.split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

impl Manifest {
    /// Parses and checks `manifest.json`: the version, every checksum (64 lowercase hex
    /// digits), every path (relative, inside the data folder, each once), and that an
    /// `identity` file's two checksums agree.
    ///
    /// # Errors
    /// A [`FileError`] at `manifest.json` with [`DataError::Manifest`] saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, FileError> {
        let bad = |m: String| DataError::Manifest(m).at(MANIFEST_FILE);
        let m: Manifest =
            serde_json::from_str(text).map_err(|e| bad(e.to_string().replace('\n', " ")))?;
        if m.version != MANIFEST_VERSION {
            return Err(bad(format!(
                "version {}, this page reads version {MANIFEST_VERSION} (run scripts/prepare-data.sh again)",
                m.version
            )));
        }
        let mut paths = std::collections::BTreeSet::new();
        for (id, ds) in &m.datasets {
            for f in &ds.files {
                let at = format!("{id}: {}", f.path);
                if !is_safe_path(&f.path) {
                    return Err(bad(format!(
                        "{at}: not a relative path inside the data folder"
                    )));
                }
                if !paths.insert(f.path.as_str()) {
                    return Err(bad(format!("{at}: listed twice")));
                }
                if f.name.is_empty() {
                    return Err(bad(format!("{at}: empty name")));
                }
                for (field, v) in [("sha256", &f.sha256), ("content_sha256", &f.content_sha256)] {
                    if !is_sha256_hex(v) {
                        return Err(bad(format!(
                            "{at}: {field} '{v}' is not 64 lowercase hex digits"
                        )));
                    }
                }
                if f.encoding == Encoding::Identity && f.sha256 != f.content_sha256 {
                    return Err(bad(format!(
                        "{at}: an identity-encoded file with two different checksums"
                    )));
                }
            }
        }
        Ok(m)
    }

    /// The entry of a built-in dataset, if prepared.
    pub fn dataset(&self, kind: DatasetKind) -> Option<&ManifestDataset> {
        self.datasets.get(kind.id())
    }

    /// The entries of [`DatasetKind::files_for`]`(train_batches)`, in that order: what to
    /// fetch (and [`verify`]) to load `kind` with that many training batches.
    ///
    /// # Errors
    /// A [`FileError`] naming the first file the manifest lacks ([`DataError::Missing`]).
    pub fn files_for(
        &self,
        kind: DatasetKind,
        train_batches: usize,
    ) -> Result<Vec<&ManifestFile>, FileError> {
        let missing = |path: &str| {
            DataError::Missing(format!(
                "not in {MANIFEST_FILE} (run scripts/prepare-data.sh to prepare {})",
                kind.title()
            ))
            .at(path)
        };
        let ds = self.dataset(kind);
        kind.files_for(train_batches)
            .iter()
            .map(|p| {
                ds.and_then(|d| d.files.iter().find(|f| &f.path == p))
                    .ok_or_else(|| missing(p))
            })
            .collect()
    }
}

/// sha256 of `bytes` as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks downloaded bytes against their manifest entry before they are used or cached:
/// either the served file byte for byte (size and `sha256`), or — for a gzipped file that
/// arrived decompressed — its content (`content_sha256`).
///
/// # Errors
/// A [`FileError`] at the entry's path: [`DataError::Size`] when the length is wrong (a
/// truncated download), else [`DataError::Checksum`] with both checksums.
pub fn verify(entry: &ManifestFile, bytes: &[u8]) -> Result<Verified, FileError> {
    let actual = sha256_hex(bytes);
    if actual == entry.sha256 {
        return Ok(Verified::Served);
    }
    let arrived_decompressed = entry.encoding == Encoding::Gzip && !is_gzip(bytes);
    if arrived_decompressed && actual == entry.content_sha256 {
        return Ok(Verified::Decompressed);
    }
    let error = if !arrived_decompressed && bytes.len() as u64 != entry.size {
        DataError::Size {
            expected: entry.size,
            actual: bytes.len() as u64,
        }
    } else {
        DataError::Checksum {
            expected: if arrived_decompressed {
                entry.content_sha256.clone()
            } else {
                entry.sha256.clone()
            },
            actual,
        }
    };
    Err(error.at(entry.path.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // FIPS 180-2 appendix B.1 and the empty string (NIST examples).
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn sha256_reference_values() {
        assert_eq!(sha256_hex(b"abc"), ABC);
        assert_eq!(sha256_hex(b""), EMPTY);
    }

    fn entry(served: &[u8], content: &[u8], encoding: Encoding) -> ManifestFile {
        ManifestFile {
            name: "x".into(),
            path: "d/x.gz".into(),
            size: served.len() as u64,
            encoding,
            sha256: sha256_hex(served),
            content_sha256: sha256_hex(content),
        }
    }

    #[test]
    fn verify_accepts_served_or_decompressed_bytes_only() {
        let content = b"some IDX content".repeat(10);
        let gz = gzip(&content);
        let e = entry(&gz, &content, Encoding::Gzip);
        assert_eq!(verify(&e, &gz), Ok(Verified::Served));
        assert_eq!(verify(&e, &content), Ok(Verified::Decompressed));
        let err = verify(&e, &gz[..gz.len() - 1]).unwrap_err();
        assert_eq!(err.file, "d/x.gz");
        assert_eq!(
            err.error,
            DataError::Size {
                expected: gz.len() as u64,
                actual: gz.len() as u64 - 1
            }
        );
        let mut flipped = gz.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(matches!(
            verify(&e, &flipped).unwrap_err().error,
            DataError::Checksum { ref expected, .. } if *expected == e.sha256
        ));
        assert!(matches!(
            verify(&e, b"other content").unwrap_err().error,
            DataError::Checksum { ref expected, .. } if *expected == e.content_sha256
        ));
        // An identity file: only its exact bytes pass, even if they look decompressed.
        let id = entry(&content, &content, Encoding::Identity);
        assert_eq!(verify(&id, &content), Ok(Verified::Served));
        assert!(verify(&id, &content[1..]).is_err());
        let msg = verify(&id, &content[1..]).unwrap_err().to_string();
        assert!(msg.starts_with("d/x.gz: size mismatch"), "{msg}");
    }

    fn manifest_json(path: &str, sha: &str, version: u32) -> String {
        format!(
            r#"{{"version":{version},"datasets":{{"mnist":{{"title":"MNIST","files":[
              {{"name":"t10k-labels-idx1-ubyte","path":"{path}","size":3,"encoding":"gzip",
                "sha256":"{sha}","content_sha256":"{EMPTY}","extra":1}}]}},
              "future-set":{{"title":"?","files":[]}}}}}}"#
        )
    }

    #[test]
    fn manifest_parses_and_refuses_bad_entries() {
        let m = Manifest::parse(&manifest_json("mnist/t10k-labels-idx1-ubyte.gz", ABC, 2)).unwrap();
        let ds = m.dataset(DatasetKind::Mnist).unwrap();
        assert_eq!(ds.files[0].encoding, Encoding::Gzip);
        assert_eq!(ds.files[0].size, 3);
        assert!(m.dataset(DatasetKind::Cifar10).is_none());
        // files_for names the first file the manifest lacks.
        let err = m.files_for(DatasetKind::Mnist, 1).unwrap_err();
        assert_eq!(err.file, "mnist/train-images-idx3-ubyte.gz");
        assert!(err.to_string().contains("prepare-data"), "{err}");
        for (json, needle) in [
            (manifest_json("mnist/x.gz", ABC, 1), "version 1"),
            (manifest_json("../etc/passwd", ABC, 2), "relative path"),
            (manifest_json("/abs", ABC, 2), "relative path"),
            (manifest_json("https://evil/x", ABC, 2), "relative path"),
            (manifest_json("mnist/x.gz", "ABC", 2), "sha256 'ABC'"),
            (
                manifest_json("mnist/x.gz", &ABC.to_uppercase(), 2),
                "64 lowercase",
            ),
            ("{\"version\":2}".to_string(), "datasets"),
            ("not json".to_string(), "invalid manifest"),
        ] {
            let err = Manifest::parse(&json).unwrap_err();
            assert_eq!(err.file, MANIFEST_FILE);
            assert!(err.to_string().contains(needle), "{needle}: {err}");
        }
    }
}
