//! The parsers and dataset loaders on the real bytes of MNIST, Fashion-MNIST and CIFAR-10
//! (prepared by `make data`), intact and damaged; the user's-files loader; the manifest and
//! the checksums of the prepared files; seeded augmentation in training.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::io::Write;

use playground::data::{
    DataError, Dataset, DatasetKind, Encoding, FileError, ImageSet, Limits, MANIFEST_FILE,
    Manifest, Verified, parse_cifar, parse_idx, sha256_hex, user_dataset, verify,
};

fn gunzip(b: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn real_mnist_parses_with_the_published_facts() {
    let ds = common::mnist();
    assert_eq!((ds.train.len(), ds.test.len()), (60_000, 10_000));
    assert_eq!(
        (ds.train.channels, ds.train.height, ds.train.width),
        (1, 28, 28)
    );
    // shared/DATASETS.md: first test labels and training label counts.
    assert_eq!(&ds.test.labels[..10], &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    let mut counts = [0usize; 10];
    for &l in &ds.train.labels {
        counts[l as usize] += 1;
    }
    assert_eq!(
        counts,
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    // Well-known normalisation constants of MNIST (mean 0.1307, std 0.3081).
    assert!((ds.mean[0] - 0.1307).abs() < 1e-3, "mean {}", ds.mean[0]);
    assert!((ds.std[0] - 0.3081).abs() < 1e-3, "std {}", ds.std[0]);
}

#[test]
fn raw_and_gzip_give_the_same_images() {
    let b = common::mnist_bytes();
    let raw = gunzip(&b[2]);
    let a = parse_idx(&raw, Limits::default()).unwrap();
    let g = parse_idx(&b[2], Limits::default()).unwrap();
    assert_eq!(a, g);
    assert_eq!(a.dims, vec![10_000, 28, 28]);
}

#[test]
fn damaged_real_files_are_refused_with_a_reason() {
    let b = common::mnist_bytes();
    let raw = gunzip(&b[3]);
    let l = Limits::default();
    // Truncated by one byte, raw and gzipped.
    assert_eq!(
        parse_idx(&raw[..raw.len() - 1], l),
        Err(DataError::Length {
            expected: 10_008,
            actual: 10_007
        })
    );
    assert!(parse_idx(&b[3][..b[3].len() - 20], l).is_err());
    // Wrong magic.
    let mut m = raw.clone();
    m[1] = 0x42;
    assert!(matches!(parse_idx(&m, l), Err(DataError::Magic { .. })));
    // Corrupt deflate data in the middle of the gzip stream.
    let mut c = b[2].clone();
    let mid = c.len() / 2;
    for x in &mut c[mid..mid + 64] {
        *x ^= 0xa5;
    }
    assert!(parse_idx(&c, l).is_err());
    // Label out of range, reported with its position and the file name.
    let mut bad = raw.clone();
    bad[8 + 17] = 10;
    let imgs = gunzip(&b[2]);
    let err = ImageSet::from_idx(("imgs", &imgs), ("labels", &bad), 10, l).unwrap_err();
    assert_eq!(err.file, "labels");
    assert_eq!(
        err.error,
        DataError::Label {
            label: 10,
            index: 17,
            max: 9
        }
    );
    // Images and labels swapped: shapes are checked.
    let err = Dataset::from_files(DatasetKind::Mnist, [&b[1], &b[0], &b[2], &b[3]]).unwrap_err();
    assert!(err.to_string().contains("train-images"), "{err}");
}

#[test]
fn hostile_header_on_real_bytes_is_refused_before_allocating() {
    let b = common::mnist_bytes();
    let mut raw = gunzip(&b[2]);
    raw[4..8].copy_from_slice(&u32::MAX.to_be_bytes()); // claims 4 billion images
    assert!(matches!(
        parse_idx(&raw, Limits::default()),
        Err(DataError::TooLarge { .. })
    ));
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn class_counts(labels: &[u8]) -> Vec<usize> {
    let mut counts = vec![0usize; 10];
    for &l in labels {
        counts[l as usize] += 1;
    }
    counts
}

#[test]
fn real_fashion_mnist_parses_with_the_published_facts() {
    let ds = common::dataset(DatasetKind::FashionMnist, 1);
    assert_eq!((ds.train.len(), ds.test.len()), (60_000, 10_000));
    assert_eq!(
        (ds.train.channels, ds.train.height, ds.train.width),
        (1, 28, 28)
    );
    // shared/DATASETS.md: first test labels, 6000 per class.
    assert_eq!(&ds.test.labels[..10], &[9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    assert_eq!(class_counts(&ds.train.labels), vec![6000; 10]);
    assert_eq!(class_counts(&ds.test.labels), vec![1000; 10]);
    assert_eq!(ds.class_names[9], "Ankle boot");
    assert_eq!(ds.name, "Fashion-MNIST");
    // Commonly quoted normalisation constants (mean 0.2860, std 0.3530).
    assert!((ds.mean[0] - 0.2860).abs() < 1e-3, "mean {}", ds.mean[0]);
    assert!((ds.std[0] - 0.3530).abs() < 1e-3, "std {}", ds.std[0]);
}

#[test]
fn real_cifar10_parses_with_the_published_facts() {
    let ds = common::dataset(DatasetKind::Cifar10, 5);
    assert_eq!((ds.train.len(), ds.test.len()), (50_000, 10_000));
    assert_eq!(
        (ds.train.channels, ds.train.height, ds.train.width),
        (3, 32, 32)
    );
    assert_eq!(ds.train.images.len(), 50_000 * 3072, "u8 storage");
    // shared/DATASETS.md: first test labels, 1000 per class in test, 5000 in train.
    assert_eq!(&ds.test.labels[..10], &[3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    assert_eq!(class_counts(&ds.test.labels), vec![1000; 10]);
    assert_eq!(class_counts(&ds.train.labels), vec![5000; 10]);
    assert_eq!(ds.class_names[3], "cat");
    // The per-channel constants quoted everywhere for CIFAR-10's training set.
    for (c, (m, s)) in [(0.4914, 0.2470), (0.4822, 0.2435), (0.4465, 0.2616)]
        .into_iter()
        .enumerate()
    {
        assert!((ds.mean[c] - m).abs() < 1e-3, "mean[{c}] {}", ds.mean[c]);
        assert!((ds.std[c] - s).abs() < 1e-3, "std[{c}] {}", ds.std[c]);
    }
    // Fewer training batches, in any order and under bare names: batches kept by number.
    let mut files = common::named_files(DatasetKind::Cifar10, 2);
    files.swap(1, 2);
    let files: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(n, b)| (n.rsplit('/').next().unwrap().to_string(), b))
        .collect();
    let two = Dataset::from_named(DatasetKind::Cifar10, &files).unwrap();
    assert_eq!(two.train.len(), 20_000);
    assert_eq!(two.train.labels[..], ds.train.labels[..20_000]);
    assert_eq!(two.train.images[..], ds.train.images[..20_000 * 3072]);
}

#[test]
fn damaged_cifar_files_are_refused_with_the_file_name() {
    let test = common::read("cifar10/test_batch.bin");
    let batch = common::read("cifar10/data_batch_1.bin");
    let l = Limits::default();
    let load = |files: &[(&str, &[u8])]| Dataset::from_named(DatasetKind::Cifar10, files);
    let err = |files: &[(&str, &[u8])]| load(files).unwrap_err();
    // Truncated by one byte: not whole records.
    let e = err(&[
        ("test_batch.bin", &test),
        ("data_batch_1.bin", &batch[..batch.len() - 1]),
    ]);
    assert_eq!(e.file, "data_batch_1.bin");
    assert_eq!(
        e.error,
        DataError::Records {
            actual: 30_729_999,
            record: 3073
        }
    );
    // A label out of range, with its record.
    let mut bad = test.clone();
    bad[5 * 3073] = 10;
    let e = err(&[("test_batch.bin", &bad), ("data_batch_1.bin", &batch)]);
    assert_eq!(
        e,
        DataError::Label {
            label: 10,
            index: 5,
            max: 9
        }
        .at("test_batch.bin")
    );
    // Gzipped works; a corrupt gzip stream is named.
    let gz = gzip(&batch);
    assert_eq!(
        load(&[("test_batch.bin", &test), ("data_batch_1.bin.gz", &gz)])
            .unwrap()
            .train
            .len(),
        10_000
    );
    let mut corrupt = gz.clone();
    let mid = corrupt.len() / 2;
    for x in &mut corrupt[mid..mid + 64] {
        *x ^= 0xa5;
    }
    let e = err(&[("test_batch.bin", &test), ("data_batch_1.bin", &corrupt)]);
    assert_eq!(e.file, "data_batch_1.bin");
    assert!(matches!(e.error, DataError::Gzip(_)), "{e}");
    // A gzip bomb stops at the cap.
    let bomb = gzip(&vec![0u8; 80 << 20]);
    let e = err(&[("test_batch.bin", &test), ("data_batch_2.bin", &bomb)]);
    assert_eq!(
        e.error,
        DataError::Inflated {
            limit: l.max_payload_bytes
        }
    );
    // Missing, unknown and duplicate files.
    let e = err(&[("data_batch_1.bin", &batch)]);
    assert_eq!(e.file, "test_batch.bin");
    assert!(matches!(e.error, DataError::Missing(_)), "{e}");
    let e = err(&[("test_batch.bin", &test)]);
    assert!(e.to_string().contains("at least one training batch"), "{e}");
    let e = err(&[("test_batch.bin", &test), ("data_batch_9.bin", &batch)]);
    assert_eq!(e.file, "data_batch_9.bin");
    let e = err(&[
        ("test_batch.bin", &test),
        ("cifar10/data_batch_1.bin", &batch),
        ("data_batch_1.bin", &batch),
    ]);
    assert!(e.to_string().contains("given twice"), "{e}");
    // The record parser on its own.
    assert_eq!(parse_cifar(&test, 10, l).unwrap().len(), 10_000);
}

#[test]
fn idx_built_ins_check_names_and_shapes() {
    let mnist = common::named_files(DatasetKind::Mnist, 1);
    // MNIST's files offered as Fashion-MNIST load (same format); CIFAR's shape does not.
    let as_fashion: Vec<(String, Vec<u8>)> = mnist
        .iter()
        .map(|(n, b)| (n.replace("mnist/", "fashion-mnist/"), b.clone()))
        .collect();
    assert!(Dataset::from_named(DatasetKind::FashionMnist, &as_fashion).is_ok());
    let e = Dataset::from_named(DatasetKind::Mnist, &mnist[..3]).unwrap_err();
    assert_eq!(e.file, "t10k-labels-idx1-ubyte");
    assert!(matches!(e.error, DataError::Missing(_)), "{e}");
    let mut extra = mnist.clone();
    extra.push(("mnist/readme.txt".into(), b"hi".to_vec()));
    let e = Dataset::from_named(DatasetKind::Mnist, &extra).unwrap_err();
    assert_eq!(e.file, "mnist/readme.txt");
    assert!(e.to_string().contains("not a file of MNIST"), "{e}");
}

/// Published sha256 of the decompressed files (shared/DATASETS.md), by served path.
const PUBLISHED: [(&str, &str); 14] = [
    (
        "mnist/train-images-idx3-ubyte.gz",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    (
        "mnist/train-labels-idx1-ubyte.gz",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    (
        "mnist/t10k-images-idx3-ubyte.gz",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    (
        "mnist/t10k-labels-idx1-ubyte.gz",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
    (
        "fashion-mnist/train-images-idx3-ubyte.gz",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    (
        "fashion-mnist/train-labels-idx1-ubyte.gz",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    (
        "fashion-mnist/t10k-images-idx3-ubyte.gz",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    (
        "fashion-mnist/t10k-labels-idx1-ubyte.gz",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
    (
        "cifar10/data_batch_1.bin",
        "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5",
    ),
    (
        "cifar10/data_batch_2.bin",
        "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed",
    ),
    (
        "cifar10/data_batch_3.bin",
        "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67",
    ),
    (
        "cifar10/data_batch_4.bin",
        "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48",
    ),
    (
        "cifar10/data_batch_5.bin",
        "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add",
    ),
    (
        "cifar10/test_batch.bin",
        "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b",
    ),
];

#[test]
fn prepared_files_match_the_manifest_and_the_published_checksums() {
    let text = String::from_utf8(common::read(MANIFEST_FILE)).unwrap();
    let m = Manifest::parse(&text).unwrap();
    let mut seen = 0;
    for kind in DatasetKind::ALL {
        let entries = m.files_for(kind, kind.train_batches()).unwrap();
        assert_eq!(entries.len(), kind.files().len());
        assert_eq!(m.dataset(kind).unwrap().title, kind.title());
        for e in entries {
            let bytes = common::read(&e.path);
            assert_eq!(bytes.len() as u64, e.size, "{}", e.path);
            // Recomputed here, not trusted from the script.
            assert_eq!(verify(e, &bytes), Ok(Verified::Served), "{}", e.path);
            let content = match e.encoding {
                Encoding::Gzip => gunzip(&bytes),
                Encoding::Identity => bytes.clone(),
            };
            let published = PUBLISHED.iter().find(|(p, _)| *p == e.path).unwrap().1;
            assert_eq!(sha256_hex(&content), published, "{}", e.path);
            assert_eq!(e.content_sha256, published, "{}", e.path);
            if e.encoding == Encoding::Gzip {
                // A server that decompresses on the way is accepted too.
                assert_eq!(verify(e, &content), Ok(Verified::Decompressed));
            }
            seen += 1;
        }
    }
    assert_eq!(seen, PUBLISHED.len());
    // One flipped byte is caught, with the path.
    let e = m.files_for(DatasetKind::Mnist, 1).unwrap()[3];
    let mut b = common::read(&e.path);
    b[20] ^= 1;
    let err = verify(e, &b).unwrap_err();
    assert_eq!(err.file, e.path);
    assert!(matches!(err.error, DataError::Checksum { .. }), "{err}");
}

fn user(files: &[(&str, &[u8])]) -> Result<Dataset, FileError> {
    user_dataset(files)
}

#[test]
fn users_idx_files_load_like_the_built_in() {
    let b = common::mnist_bytes();
    let raw_test_labels = gunzip(&b[3]);
    // Any order, raw or gzip, names as a user's download might have them.
    let ds = user(&[
        ("t10k-labels.idx1-ubyte", &raw_test_labels),
        ("train-images-idx3-ubyte.gz", &b[0]),
        ("t10k-images-idx3-ubyte.gz", &b[2]),
        ("train-labels-idx1-ubyte.gz", &b[1]),
    ])
    .unwrap();
    let mnist = common::mnist();
    assert_eq!(ds.train, mnist.train);
    assert_eq!(ds.test, mnist.test);
    assert_eq!(ds.class_names, mnist.class_names);
    assert_eq!(ds.name, "Your data");
    // Test files only: the last sixth is held out for testing.
    let ds = user(&[
        ("t10k-images-idx3-ubyte.gz", &b[2]),
        ("t10k-labels-idx1-ubyte.gz", &b[3]),
    ])
    .unwrap();
    assert_eq!((ds.train.len(), ds.test.len()), (8334, 1666));
    assert_eq!(ds.test.labels[..], mnist.test.labels[8334..]);
}

#[test]
fn users_cifar_files_load_with_class_names() {
    let test = common::read("cifar10/test_batch.bin");
    let b1 = common::read("cifar10/data_batch_1.bin");
    let b2 = gzip(&common::read("cifar10/data_batch_2.bin"));
    let meta = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
    let ds = user(&[
        ("my/data_batch_2.bin.gz", &b2),
        ("my/test_batch.bin", &test),
        ("batches.meta.txt", meta.as_bytes()),
        ("my/data_batch_1.bin", &b1),
    ])
    .unwrap();
    assert_eq!((ds.train.len(), ds.test.len()), (20_000, 10_000));
    assert_eq!((ds.train.channels, ds.train.height), (3, 32));
    assert_eq!(
        ds.train.labels[..10_000],
        parse_cifar(&b1, 10, Limits::default()).unwrap().labels[..]
    );
    assert_eq!(ds.class_names[9], "truck");
    // Records recognised by their length without a .bin name; one file: a sixth held out.
    let ds = user(&[("cifar_part", &b1[..600 * 3073])]).unwrap();
    assert_eq!((ds.train.len(), ds.test.len()), (500, 100));
    assert_eq!(ds.classes(), 10);
}

#[test]
fn users_bad_files_are_named_with_the_problem() {
    let b = common::mnist_bytes();
    let test = common::read("cifar10/test_batch.bin");
    let labels = gunzip(&b[3]);
    let images = gunzip(&b[2]);
    let check = |files: &[(&str, &[u8])], file: &str, needle: &str| {
        let e = user(files).unwrap_err();
        assert_eq!(e.file, file, "{e}");
        assert!(e.to_string().contains(needle), "{needle}: {e}");
    };
    check(&[], "(your files)", "no files");
    // Neither IDX nor records.
    check(
        &[("notes.pdf", b"%PDF-1.4 hello")],
        "notes.pdf",
        "unrecognised format: starts with 0x25504446",
    );
    // A .bin that is not whole records.
    check(
        &[("data.bin", &test[..5000])],
        "data.bin",
        "3073-byte records",
    );
    // Truncated IDX, raw and gzip.
    check(
        &[
            ("t10k-images", &images[..images.len() - 1]),
            ("t10k-labels", &labels),
        ],
        "t10k-images",
        "wrong length",
    );
    check(
        &[
            ("t10k-labels.gz", &b[3][..b[3].len() / 2]),
            ("t10k-images.gz", &b[2]),
        ],
        "t10k-labels.gz",
        "",
    );
    // Hostile header: 4 billion images claimed.
    let mut huge = images.clone();
    huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    check(&[("imgs-idx3", &huge)], "imgs-idx3", "over the limit");
    // A gzip bomb behind an IDX header.
    let mut bomb = labels[..8].to_vec();
    bomb.extend(std::iter::repeat_n(0u8, 80 << 20));
    check(
        &[("labels-idx1.gz", &gzip(&bomb))],
        "labels-idx1.gz",
        "wrong length",
    );
    // A test label the training labels do not know.
    let mut test_labels = labels.clone();
    for l in &mut test_labels[8..] {
        *l %= 5;
    }
    let mut train_labels = test_labels.clone();
    train_labels[8 + 3] = 7;
    check(
        &[
            ("train-img", &images),
            ("train-lab", &train_labels),
            ("test-img", &images),
            ("test-lab", &labels),
        ],
        "test-lab",
        "out of range (0 to 7)",
    );
    // A label over the limit, or over the class names given.
    let mut big = labels.clone();
    big[8 + 2] = 200;
    check(
        &[("imgs", &images), ("labs", &big)],
        "labs",
        "label 200 at index 2 is out of range (0 to 99)",
    );
    check(
        &[
            ("imgs", &images),
            ("labs", &labels),
            ("names.txt", b"a\nb\nc"),
        ],
        "labs",
        "(0 to 2)",
    );
    // Two files for one role; images without labels; formats mixed.
    check(
        &[("a-images", &images), ("b-images", &images), ("l", &labels)],
        "b-images",
        "second training images",
    );
    check(&[("a-images", &images)], "a-images", "no training labels");
    check(
        &[("a-images", &images), ("l", &labels), ("x.bin", &test)],
        "x.bin",
        "mixed",
    );
    // Images and labels disagree; a shape the CNN cannot take.
    check(
        &[("imgs", &images), ("labs", &labels[..labels.len() - 10])],
        "labs",
        "",
    );
    let mut odd = images[..16].to_vec();
    odd[8..12].copy_from_slice(&30u32.to_be_bytes());
    odd[12..16].copy_from_slice(&30u32.to_be_bytes());
    odd.extend(std::iter::repeat_n(0u8, 10_000 * 900));
    check(
        &[("imgs", &odd), ("labs", &labels)],
        "imgs",
        "multiple of 4",
    );
    // Bad class names.
    check(
        &[
            ("imgs", &images),
            ("labs", &labels),
            ("names.txt", &[0xff, 0xfe]),
        ],
        "names.txt",
        "UTF-8",
    );
    // Every label the same.
    let mut one = labels.clone();
    one[8..].fill(3);
    check(&[("imgs", &images), ("labs", &one)], "labs", "");
}

#[test]
fn augmented_cifar_training_is_seeded() {
    use playground::train::{TrainConfig, Trainer};
    let mut ds = (*common::dataset(DatasetKind::Cifar10, 1)).clone();
    ds.test = ds.test.head(64);
    let ds = std::sync::Arc::new(ds);
    let run = |augment: bool, seed: u64| {
        let cfg = TrainConfig {
            dataset: DatasetKind::Cifar10,
            batch_size: 16,
            augment,
            seed,
            ..TrainConfig::default()
        };
        let mut t = Trainer::new(cfg, ds.clone(), &playground::backend::cpu()).unwrap();
        (0..2)
            .map(|_| pollster::block_on(t.train_step()).unwrap().loss)
            .collect::<Vec<f32>>()
    };
    let a = run(true, 3);
    assert!(a.iter().all(|l| l.is_finite()), "{a:?}");
    assert_eq!(a, run(true, 3), "same seed, same crops and flips");
    // Augmentation changes the second step's batch (the first step's model is the same).
    assert_ne!(a, run(false, 3));
}
