//! Share links: exact round trips of random valid states and every loss preset, hostile input
//! (never a panic, always a valid state, every correction named), and links of older versions.

use std::collections::BTreeSet;

use playground::backend::BackendChoice;
use playground::loss::{LossConfig, ParamKind};
use playground::model::Activation;
use playground::share::query::fmt_f64;
use playground::share::{
    Camera, Compare, Control, CorrectionKind, Decoded, ShareState, Theme, VERSION, View, decode,
    encode,
};
use playground::train::{FieldKind, TrainConfig};
use serde_json::json;

/// splitmix64: a small seeded generator, enough for property tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// A value in `[min, max]`: an end, a round step, or any double.
    fn real(&mut self, min: f64, max: f64) -> f64 {
        match self.below(5) {
            0 => min,
            1 => max,
            2 => (min + (max - min) * self.unit() * 100.0).round() / 100.0,
            _ => min + (max - min) * self.unit(),
        }
        .clamp(min, max)
    }
    fn int(&mut self, min: u64, max: u64) -> u64 {
        match self.below(4) {
            0 => min,
            1 => max,
            _ => min + self.next() % (max - min).saturating_add(1).max(1),
        }
    }
}

/// A random value of a field, as `(JSON, link text)`; `None` for structured fields.
fn field_value(r: &mut Rng, kind: FieldKind) -> Option<(serde_json::Value, String)> {
    Some(match kind {
        FieldKind::Int { min, max } => {
            let v = r.int(min, max);
            (json!(v), v.to_string())
        }
        FieldKind::Real { min, max, .. } => {
            let mut x = r.real(min, max);
            if x <= min {
                // The open end: a tiny value instead.
                x = if r.coin() { 1e-300 } else { max };
            }
            (json!(x), fmt_f64(x))
        }
        FieldKind::Bool => {
            let b = r.coin();
            (json!(b), if b { "1" } else { "0" }.into())
        }
        FieldKind::Choice(ids) => {
            let id = *r.pick(&ids());
            (json!(id), id.into())
        }
        FieldKind::Json => return None,
    })
}

/// A random valid value of a loss parameter, as `(JSON, link text)`.
fn param_value(r: &mut Rng, kind: ParamKind) -> (serde_json::Value, String) {
    match kind {
        ParamKind::Number { min, max, .. } => {
            let x = r.real(min, max);
            (json!(x), fmt_f64(x))
        }
        ParamKind::Integer { min, max } => {
            let v = min + r.below((max - min + 1) as usize) as i64;
            (json!(v), v.to_string())
        }
        ParamKind::Bool => {
            let b = r.coin();
            (json!(b), if b { "1" } else { "0" }.into())
        }
        ParamKind::Choice(ids) => {
            let id = *r.pick(ids);
            (json!(id), id.into())
        }
    }
}

fn random_config(r: &mut Rng) -> TrainConfig {
    let mut c = TrainConfig::default();
    let id = *r.pick(&LossConfig::IDS);
    c.loss = match r.below(3) {
        0 => LossConfig::preset(id).unwrap().0,
        _ => LossConfig::default_for(id).unwrap(),
    };
    for spec in c.loss.param_specs() {
        if r.coin() {
            let (v, _) = param_value(r, spec.kind);
            if let Ok(l) = c.loss.with_param(spec.name, v) {
                c.loss = l;
            }
        }
    }
    if id == "sphereface" && r.coin() {
        let lambda = r.real(0.0, 10.0);
        c.loss = LossConfig::with_params(id, Some(c.loss), &json!({ "lambda": lambda })).unwrap();
    }
    for f in TrainConfig::FIELDS {
        if r.coin()
            && let Some((v, _)) = field_value(r, f.kind)
        {
            c = c.with_field(f.name, v).unwrap();
        }
    }
    c.validate().unwrap();
    c
}

fn random_compare(r: &mut Rng, c: &TrainConfig) -> Option<Compare> {
    let n = 2 + r.below(3);
    let mut values: Vec<String> = Vec::new();
    let key;
    match r.below(3) {
        0 => {
            key = "loss".to_string();
            for _ in 0..n {
                values.push(r.pick(&LossConfig::IDS).to_string());
            }
        }
        1 => {
            let f = r.pick(TrainConfig::FIELDS);
            key = f.short.to_string();
            for _ in 0..n {
                values.push(field_value(r, f.kind)?.1);
            }
        }
        _ => {
            let specs = c.loss.param_specs();
            let spec = *r.pick(&specs);
            key = spec.name.to_string();
            for _ in 0..n {
                values.push(param_value(r, spec.kind).1);
            }
        }
    }
    let mut distinct = Vec::new();
    for v in values {
        if !distinct.contains(&v) {
            distinct.push(v);
        }
    }
    (distinct.len() >= 2).then_some(Compare {
        key,
        values: distinct,
    })
}

fn random_state(r: &mut Rng) -> ShareState {
    let config = random_config(r);
    let camera = r.coin().then(|| {
        let mut v = [0.0; 9];
        for x in &mut v {
            *x = r.real(-100.0, 100.0);
        }
        v[6] = 1.0; // up is never zero
        v[0] = v[3] - v[3].signum() * 0.5; // eye is never the center
        Camera {
            eye: [v[0], v[1], v[2]],
            center: [v[3], v[4], v[5]],
            up: [v[6], v[7], v[8]],
        }
    });
    let hidden: BTreeSet<Control> = Control::all()
        .into_iter()
        .filter(|_| r.below(4) == 0)
        .collect();
    let fingerprint = r.coin().then(|| {
        let len = 4 + r.below(61);
        (0..len)
            .map(|_| *r.pick(b"0123456789abcdef") as char)
            .collect()
    });
    let data_url = r.coin().then(|| {
        r.pick(&[
            "https://example.org/data/",
            "http://127.0.0.1:8080/data/",
            "data/",
            "../mnist/",
            "/static/d%20x/",
        ])
        .to_string()
    });
    let compare = if r.below(3) == 0 {
        random_compare(r, &config)
    } else {
        None
    };
    ShareState {
        view: View {
            camera,
            show_geometry: r.coin(),
            show_regions: r.coin(),
            theme: *r.pick(&Theme::ALL),
        },
        hidden,
        presenter: r.coin(),
        autostart: r.coin(),
        fingerprint,
        backend: *r.pick(&BackendChoice::ALL),
        data_url,
        compare,
        config,
    }
}

fn assert_round_trip(s: &ShareState) {
    let q = encode(s);
    let d = decode(&q);
    assert!(d.corrections.is_empty(), "{q}: {:?}", d.corrections);
    assert_eq!(d.version, VERSION);
    assert_eq!(&d.state, s, "{q}");
    assert_eq!(encode(&d.state), q);
    assert_eq!(decode(&format!("?{q}")).state, *s);
}

#[test]
fn random_valid_states_round_trip_exactly() {
    let mut r = Rng(7);
    let mut with_compare = 0;
    for _ in 0..3000 {
        let s = random_state(&mut r);
        with_compare += usize::from(s.compare.is_some());
        assert_round_trip(&s);
    }
    assert!(with_compare > 300, "{with_compare}");
}

#[test]
fn every_loss_preset_and_default_round_trips() {
    for id in LossConfig::IDS {
        let (loss, lr) = LossConfig::preset(id).unwrap();
        for dim in [2, 3] {
            for loss in [loss.clone(), LossConfig::default_for(id).unwrap()] {
                let s = ShareState {
                    config: TrainConfig {
                        loss,
                        lr,
                        dim,
                        ..TrainConfig::default()
                    },
                    ..ShareState::default()
                };
                assert_round_trip(&s);
            }
        }
    }
}

#[test]
fn links_are_short_and_stable() {
    assert_eq!(encode(&ShareState::default()), "v=1");
    let s = ShareState {
        config: TrainConfig {
            loss: LossConfig::with_params("arcface", None, &json!({"margin_rad": 0.3})).unwrap(),
            dim: 3,
            activation: Activation::Relu,
            lr: 0.001,
            seed: 7,
            ..TrainConfig::default()
        },
        hidden: [Control::Field("lr"), Control::Field("seed")].into(),
        autostart: true,
        compare: Some(Compare {
            key: "loss".into(),
            values: vec!["softmax".into(), "arcface".into()],
        }),
        ..ShareState::default()
    };
    assert_eq!(
        encode(&s),
        "v=1&loss=arcface&margin_rad=0.3&d=3&act=relu&seed=7&hide=lr,seed&autostart=1\
         &compare=loss:softmax,arcface"
    );
    let cam = ShareState {
        view: View {
            camera: Some(Camera {
                eye: [1.25, 1.25, 1.25],
                center: [0.0; 3],
                up: [0.0, 0.0, 1.0],
            }),
            ..View::default()
        },
        data_url: Some("https://example.org/my data/".into()),
        ..ShareState::default()
    };
    assert_eq!(
        encode(&cam),
        "v=1&cam=1.25,1.25,1.25,0,0,0,0,0,1&data=https://example.org/my%20data/"
    );
}

/// Version 1's defaults are part of its links' meaning: changing one needs version 2 (see
/// `share::version`).
#[test]
fn version_1_defaults_are_frozen() {
    let d = decode("v=1");
    assert!(d.corrections.is_empty());
    let c = &d.state.config;
    assert_eq!(
        (
            c.dim,
            c.lr,
            c.batch_size,
            c.epochs,
            c.seed,
            c.eval_every,
            c.eval_points
        ),
        (2, 1e-3, 128, 1, 1, 20, 2000)
    );
    assert_eq!(c.dataset.id(), "mnist");
    assert_eq!(c.activation, Activation::Linear);
    assert_eq!(c.loss.id(), "softmax");
    let v = d.state.view;
    assert!(v.show_geometry && !v.show_regions && v.camera.is_none() && v.theme == Theme::Auto);
    for (id, params) in [
        ("softmax", json!({"bias": true})),
        (
            "normface",
            json!({"scale": 16.0, "normalize_weights": true, "normalize_features": true}),
        ),
        ("cosface", json!({"scale": 16.0, "margin": 0.35})),
        ("arcface", json!({"scale": 16.0, "margin_rad": 0.5})),
        ("center", json!({"lambda": 0.1, "alpha": 0.5, "bias": true})),
        ("contrastive", json!({"margin": 2.0, "normalize": false})),
        ("triplet", json!({"margin": 1.0, "mining": "hard"})),
        ("regression", json!({"radius": 4.0})),
        (
            "sphereface",
            json!({"margin": 4, "lambda": null, "lambda_base": 1000.0, "lambda_min": 5.0,
                   "gamma": 0.12, "power": 1.0}),
        ),
    ] {
        let l = decode(&format!("v=1&loss={id}")).state.config.loss;
        assert_eq!(l.params(), params, "{id}");
    }
}

fn fixes(d: &Decoded) -> Vec<(&str, CorrectionKind)> {
    d.corrections
        .iter()
        .map(|c| (c.key.as_str(), c.kind))
        .collect()
}

fn one(q: &str) -> (ShareState, playground::share::Correction) {
    let d = decode(q);
    assert_eq!(d.corrections.len(), 1, "{q}: {:?}", d.corrections);
    for c in &d.corrections {
        assert!(!c.key.is_empty() || c.reason.contains("setting"), "{c:?}");
        assert!(!c.reason.is_empty());
    }
    (d.state, d.corrections[0].clone())
}

#[test]
fn numbers_are_validated_and_clamped() {
    let dflt = TrainConfig::default();
    for bad in [
        "NaN", "nan", "inf", "-inf", "infinity", "1e309", "-1e309", "abc", "0x10", "1,5", "%FF",
    ] {
        let (s, c) = one(&format!("v=1&lr={bad}"));
        assert_eq!(s.config.lr, dflt.lr, "{bad}");
        assert_eq!(
            (c.key.as_str(), c.kind),
            ("lr", CorrectionKind::Invalid),
            "{bad}"
        );
        assert_eq!(c.used.as_deref(), Some("0.001"));
        assert!(
            c.reason.contains("number") && c.to_string().ends_with("using the default 0.001"),
            "{c}"
        );
    }
    // lr's range is (0, 1]: above clamps, zero and below have no nearest value.
    let (s, c) = one("v=1&lr=5");
    assert_eq!(
        (s.config.lr, c.kind, c.used.as_deref()),
        (1.0, CorrectionKind::Adjusted, Some("1"))
    );
    assert!(c.reason.contains("(0, 1]"), "{c}");
    for bad in ["0", "-1", "-0"] {
        let (s, c) = one(&format!("v=1&lr={bad}"));
        assert_eq!((s.config.lr, c.kind), (dflt.lr, CorrectionKind::Invalid));
    }
    let (s, c) = one("v=1&d=7");
    assert_eq!(
        (s.config.dim, c.kind, c.key.as_str()),
        (3, CorrectionKind::Adjusted, "d")
    );
    let (s, _) = one("v=1&dim=1");
    assert_eq!(s.config.dim, 2);
    let (s, c) = one("v=1&d=2.5");
    assert_eq!((s.config.dim, c.kind), (2, CorrectionKind::Invalid));
    let (s, c) = one("v=1&bs=-5");
    assert_eq!((s.config.batch_size, c.kind), (1, CorrectionKind::Adjusted));
    let (s, _) = one(&format!("v=1&ep={}", "9".repeat(50)));
    assert_eq!(s.config.epochs, 100);
    let (s, _) = one("v=1&seed=-1");
    assert_eq!(s.config.seed, 0);
    let s = decode("v=1&seed=18446744073709551615&bs=1e3&ep=+7").state;
    assert_eq!(
        (s.config.seed, s.config.batch_size, s.config.epochs),
        (u64::MAX, 1000, 7)
    );
    let (s, c) = one("v=1&seed=18446744073709551616");
    assert_eq!(
        (s.config.seed, c.kind),
        (u64::MAX, CorrectionKind::Adjusted)
    );
    let (s, c) = one("v=1&d=２");
    assert_eq!((s.config.dim, c.kind), (2, CorrectionKind::Invalid));
}

#[test]
fn losses_and_their_parameters() {
    let (s, c) = one("v=1&loss=foo");
    assert_eq!(
        (s.config.loss.id(), c.kind, c.key.as_str()),
        ("softmax", CorrectionKind::Invalid, "loss")
    );
    assert!(c.reason.contains("arcface"), "{c}");
    let (s, c) = one("v=1&loss=softmax&margin_rad=0.3");
    assert_eq!(s.config.loss, LossConfig::default());
    assert_eq!(
        (c.key.as_str(), c.kind),
        ("margin_rad", CorrectionKind::Ignored)
    );
    assert!(
        c.reason.contains("not a parameter of the softmax loss"),
        "{c}"
    );
    // An unknown loss keeps its parameters from applying to the default loss.
    let d = decode("v=1&loss=arcfaec&margin_rad=0.3");
    assert_eq!(
        fixes(&d),
        [
            ("loss", CorrectionKind::Invalid),
            ("margin_rad", CorrectionKind::Ignored)
        ]
    );
    let s = decode("v=1&loss=ArcFace&scale=100&margin_rad=-1").state;
    assert_eq!(
        s.config.loss.params(),
        json!({"scale": 64.0, "margin_rad": 0.0})
    );
    let (s, c) = one("v=1&loss=sphereface&margin=7");
    assert_eq!(
        (s.config.loss.param("margin"), c.kind),
        (Some(json!(4)), CorrectionKind::Adjusted)
    );
    let (s, _) = one("v=1&loss=sphereface&margin=2.5");
    assert_eq!(s.config.loss.param("margin"), Some(json!(4)));
    // Parameters outside the control schema are still checked by the loss's `validate`.
    let s = decode("v=1&loss=sphereface&lambda=0.5&power=2").state;
    assert_eq!(s.config.loss.param("lambda"), Some(json!(0.5)));
    assert_round_trip(&s);
    let (s, c) = one("v=1&loss=sphereface&lambda=-1");
    assert_eq!(
        (s.config.loss.param("lambda"), c.kind),
        (Some(json!(null)), CorrectionKind::Invalid)
    );
    let (s, c) = one("v=1&loss=triplet&mining=easy");
    assert_eq!(
        (s.config.loss.param("mining"), c.kind),
        (Some(json!("hard")), CorrectionKind::Invalid)
    );
    assert_eq!(
        decode("v=1&loss=triplet&mining=SemiHard")
            .state
            .config
            .loss
            .param("mining"),
        Some(json!("semihard"))
    );
    let (s, _) = one("v=1&loss=softmax&bias=maybe");
    assert_eq!(s.config.loss.param("bias"), Some(json!(true)));
    assert_eq!(
        decode("v=1&bias=off").state.config.loss.param("bias"),
        Some(json!(false))
    );
}

#[test]
fn loss_parameter_names_never_clash_with_other_keys() {
    let fixed = [
        "v",
        "loss",
        "cam",
        "geo",
        "reg",
        "theme",
        "hide",
        "presenter",
        "autostart",
        "backend",
        "data",
        "fp",
        "compare",
        "name",
    ];
    for id in LossConfig::IDS {
        let l = LossConfig::default_for(id).unwrap();
        for p in l.params().as_object().unwrap().keys() {
            assert!(!fixed.contains(&p.as_str()), "{id}.{p}");
            assert!(TrainConfig::field_spec(p).is_none(), "{id}.{p}");
        }
    }
}

#[test]
fn hostile_strings_never_panic_and_give_valid_states() {
    let long = "a".repeat(100_000);
    let many = "d=3&".repeat(2000);
    let cases = [
        "",
        "?",
        "&&&",
        "=",
        "==",
        "=5",
        "v",
        "v=",
        "%",
        "%%%",
        "%0",
        "%00=%00",
        "lr=%00",
        "l%00r=1",
        "ünï=çødé&loss=ärcface",
        "🙂=🙂",
        "v=1&lr=",
        "v=99999999999999999999",
        "v=-1",
        long.as_str(),
        many.as_str(),
        "compare=:",
        "compare=::::",
        "compare=loss:",
        "cam=,,,,,,,,",
        "hide=,,,",
        "fp=%FF%FE",
        "data=%E2%80%AEhttps://x/",
    ];
    for q in cases {
        let d = decode(q);
        d.state.config.validate().unwrap();
        for c in &d.corrections {
            assert!(!c.reason.is_empty(), "{q}: {c:?}");
            assert!(
                c.given.chars().count() <= 65 && !c.given.chars().any(char::is_control),
                "{c:?}"
            );
        }
        assert!(d.corrections.len() <= 110, "{q}: {}", d.corrections.len());
        // Whatever was read is a valid state: it round-trips.
        assert_round_trip(&d.state);
    }
    // Random bytes from the URL alphabet, and from anywhere.
    let mut r = Rng(99);
    let alphabet: Vec<char> = "v=1&%+,:;/.-_~0123456789abcdefxyzé\u{0}?#lrsdcompareaheidtfp"
        .chars()
        .collect();
    let keys = [
        "v", "lr", "d", "loss", "compare", "cam", "hide", "data", "fp", "margin", "seed", "bs",
    ];
    for i in 0..3000 {
        let q: String = if i % 2 == 0 {
            (0..r.below(80)).map(|_| *r.pick(&alphabet)).collect()
        } else {
            (0..r.below(6))
                .map(|_| {
                    let v: String = (0..r.below(12)).map(|_| *r.pick(&alphabet)).collect();
                    format!("{}={v}", r.pick(&keys))
                })
                .collect::<Vec<_>>()
                .join("&")
        };
        let d = decode(&q);
        d.state.config.validate().unwrap();
        assert_round_trip(&d.state);
    }
}

#[test]
fn caps_on_size() {
    let d = decode(&format!("v=1&lr={}", "1".repeat(201)));
    assert_eq!(fixes(&d), [("lr", CorrectionKind::Invalid)]);
    assert!(d.corrections[0].reason.contains("200"));
    assert!(d.corrections[0].given.ends_with('…'));
    let q = format!("v=1&d=3&x={}&seed=5", "y".repeat(5000));
    let d = decode(&q);
    assert_eq!(d.state.config.dim, 3);
    assert_eq!(d.state.config.seed, 1, "seed lies past the cap");
    assert_eq!(fixes(&d), [("query", CorrectionKind::Ignored)]);
    let q: String = (0..150).map(|i| format!("k{i}=1&")).collect();
    let d = decode(&q);
    assert_eq!(d.corrections.iter().filter(|c| c.key == "query").count(), 1);
    assert_eq!(d.corrections.len(), 101);
}

#[test]
fn duplicates_percent_encoding_and_spaces() {
    let d = decode("v=1&d=3&d=2&dim=2");
    assert_eq!(d.state.config.dim, 3);
    assert_eq!(
        fixes(&d),
        [
            ("d", CorrectionKind::Ignored),
            ("dim", CorrectionKind::Ignored)
        ]
    );
    assert!(d.corrections[0].reason.contains("more than once"));
    let s = decode("v=1&%6C%72=0.5&loss=+arcface+&batch_size=64").state;
    assert_eq!(
        (s.config.lr, s.config.loss.id(), s.config.batch_size),
        (0.5, "arcface", 64)
    );
    let (s, c) = one("v=1&bogus=1");
    assert_eq!(s, ShareState::default());
    assert_eq!(
        (c.key.as_str(), c.kind, c.used),
        ("bogus", CorrectionKind::Ignored, None)
    );
    let (_, c) = one("v=1&v=2");
    assert_eq!((c.key.as_str(), c.kind), ("v", CorrectionKind::Ignored));
}

#[test]
fn data_urls_are_http_or_relative() {
    for ok in [
        "https://example.org/mnist/",
        "HTTP://127.0.0.1:8080/data/",
        "data/",
        "../d/",
        "/static/mnist/",
    ] {
        let d = decode(&format!("v=1&data={ok}"));
        assert!(d.corrections.is_empty(), "{ok}: {:?}", d.corrections);
        assert_eq!(d.state.data_url.as_deref(), Some(ok));
    }
    let (s, c) = one("v=1&data=https://example.org/mnist");
    assert_eq!(s.data_url.as_deref(), Some("https://example.org/mnist/"));
    assert_eq!(c.kind, CorrectionKind::Adjusted);
    for bad in [
        "javascript:alert(1)",
        "JavaScript:alert(1)//",
        "%20javascript:alert(1)",
        "java%09script:alert(1)",
        "javascript%3Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "file:///etc/passwd/",
        "//evil.example/",
        "/\\evil.example/",
        "https://",
        "https:///x/",
        "https://user@evil.example/",
        "https://example.org/?x=/",
        "https://example.org/#/",
        "a b/",
        "%00/",
        "d\u{202E}x/",
        "\"onmouseover=alert(1)/",
    ] {
        let (s, c) = one(&format!("v=1&data={}", bad.replace('&', "%26")));
        assert_eq!(s.data_url, None, "{bad}");
        assert_eq!(
            (c.key.as_str(), c.kind, c.used.clone()),
            ("data", CorrectionKind::Invalid, Some("data/".into())),
            "{bad}"
        );
    }
    // An absurdly long one is refused before it is looked at.
    let (s, c) = one(&format!(
        "v=1&data=https://example.org/{}",
        "a/".repeat(150)
    ));
    assert_eq!((s.data_url, c.kind), (None, CorrectionKind::Invalid));
    assert!(
        c.to_string().contains("longer than") && c.to_string().ends_with("using the default data/"),
        "{c}"
    );
}

#[test]
fn view_flags_fingerprint_and_hidden_controls() {
    let s =
        decode("v=1&theme=DARK&geo=0&reg=true&presenter&autostart=yes&backend=WebGPU&fp=ABCDEF12")
            .state;
    assert_eq!(s.view.theme, Theme::Dark);
    assert!(!s.view.show_geometry && s.view.show_regions && s.presenter && s.autostart);
    assert_eq!(s.backend, BackendChoice::WebGpu);
    assert_eq!(s.fingerprint.as_deref(), Some("abcdef12"));
    for bad in ["xyz1", "abc", "", "12 34", &"a".repeat(65)] {
        let (s, c) = one(&format!("v=1&fp={bad}"));
        assert_eq!((s.fingerprint, c.key.as_str()), (None, "fp"), "{bad}");
    }
    let (s, c) = one("v=1&autostart=maybe");
    assert_eq!((s.autostart, c.kind), (false, CorrectionKind::Invalid));
    let (s, c) = one("v=1&backend=tpu");
    assert_eq!(
        (s.backend, c.kind),
        (BackendChoice::Auto, CorrectionKind::Invalid)
    );
    let (s, c) = one("v=1&hide=lr,bogus,seed,dim,params,lr");
    assert_eq!(
        s.hidden,
        [
            Control::Field("lr"),
            Control::Field("seed"),
            Control::Field("d"),
            Control::LossParams
        ]
        .into()
    );
    assert_eq!(
        (c.key.as_str(), c.given.as_str(), c.kind),
        ("hide", "bogus", CorrectionKind::Ignored)
    );
    for id in Control::all() {
        assert_eq!(Control::from_id(id.id()), Some(id));
    }
    // Camera: nine finite numbers, clamped to ±100, up not zero, eye not at the center.
    let (s, c) = one("v=1&cam=1e6,0,0,0,0,0,0,0,1");
    assert_eq!(s.view.camera.unwrap().eye, [100.0, 0.0, 0.0]);
    assert_eq!(c.kind, CorrectionKind::Adjusted);
    for bad in [
        "1,2,3",
        "1,0,0,0,0,0,0,0,1,5",
        "NaN,0,0,0,0,0,0,0,1",
        "1,0,0,0,0,0,0,0,0",
        "1,1,1,1,1,1,0,0,1",
        "a,b,c,d,e,f,g,h,i",
    ] {
        let (s, c) = one(&format!("v=1&cam={bad}"));
        assert_eq!(
            (s.view.camera, c.kind),
            (None, CorrectionKind::Invalid),
            "{bad}"
        );
    }
}

#[test]
fn compare_varies_one_setting_over_two_to_four_runs() {
    let s = decode("v=1&lr=0.01&compare=loss:softmax,normface,arcface").state;
    let runs = s.runs();
    assert_eq!(
        runs.iter().map(|c| c.loss.id()).collect::<Vec<_>>(),
        ["softmax", "normface", "arcface"]
    );
    for r in &runs {
        assert_eq!(
            TrainConfig {
                loss: s.config.loss.clone(),
                ..r.clone()
            },
            s.config
        );
    }
    let s = decode("v=1&compare=dim:2,3").state;
    assert_eq!(s.compare.as_ref().unwrap().key, "d");
    assert_eq!(s.runs().iter().map(|c| c.dim).collect::<Vec<_>>(), [2, 3]);
    let s = decode("v=1&loss=arcface&compare=margin_rad:0.1,0.3").state;
    assert_eq!(s.runs()[1].loss.param("margin_rad"), Some(json!(0.3)));
    assert_eq!(decode("v=1&compare=seed:1,2,3,4").state.runs().len(), 4);

    // Nine runs: the first four distinct values.
    let d = decode("v=1&compare=seed:1,2,3,4,5,6,7,8,9");
    assert_eq!(d.state.compare.unwrap().values, ["1", "2", "3", "4"]);
    assert_eq!(d.corrections.len(), 5);
    assert!(
        d.corrections
            .iter()
            .all(|c| c.key == "compare" && c.reason.contains("at most 4"))
    );
    // Duplicates (also after clamping) and bad values are dropped, out-of-range ones clamped.
    let d = decode("v=1&compare=d:2,2,9,x");
    assert_eq!(d.state.compare.as_ref().unwrap().values, ["2", "3"]);
    assert_eq!(
        fixes(&d),
        [
            ("compare", CorrectionKind::Ignored),
            ("compare", CorrectionKind::Adjusted),
            ("compare", CorrectionKind::Ignored)
        ]
    );
    // Two keys, one value, unknown keys, another loss's parameter: no comparison.
    for bad in [
        "compare=loss:softmax,arcface;d:2,3",
        "compare=loss,d:softmax,2",
        "compare=loss:softmax:arcface",
        "compare=d:2",
        "compare=d:2,2",
        "compare=bogus:1,2",
        "compare=margin_rad:0.1,0.2",
        "compare=softmax,arcface",
        "compare=backend:cpu,webgpu",
    ] {
        let d = decode(&format!("v=1&{bad}"));
        assert_eq!(d.state.compare, None, "{bad}");
        assert_eq!(d.state.runs().len(), 1);
        let last = d.corrections.last().unwrap();
        assert_eq!(
            (last.key.as_str(), last.kind),
            ("compare", CorrectionKind::Invalid),
            "{bad}"
        );
    }
    let d = decode("v=1&compare=loss:softmax,arcface&compare=d:2,3");
    assert_eq!(d.state.compare.as_ref().unwrap().key, "loss");
    assert_eq!(fixes(&d), [("compare", CorrectionKind::Ignored)]);
    let d = decode("v=1&compare=loss:softmax,arcfoo,normface");
    assert_eq!(d.state.compare.unwrap().values, ["softmax", "normface"]);
    assert_eq!(d.corrections[0].given, "arcfoo");
}

#[test]
fn old_links_keep_opening() {
    // Version 0: the page read only `backend`.
    for (q, want) in [
        ("backend=cpu", BackendChoice::Cpu),
        ("backend=webgpu", BackendChoice::WebGpu),
        ("backend=gpu", BackendChoice::WebGpu),
        ("backend=auto", BackendChoice::Auto),
        ("", BackendChoice::Auto),
    ] {
        let d = decode(q);
        assert!(d.corrections.is_empty(), "{q}");
        assert_eq!((d.version, d.state.backend), (0, want), "{q}");
        assert_eq!(d.state.config, TrainConfig::default());
    }
    let d = decode("?backend=bogus");
    assert_eq!(
        (d.state.backend, fixes(&d)),
        (
            BackendChoice::Auto,
            vec![("backend", CorrectionKind::Invalid)]
        )
    );
    // Hand-written version-0 aliases; `loss=X` meant the page's choice of X: its preset.
    let d = decode("loss=softmax&dim=3&batch=64&activation=tanh");
    assert!(d.corrections.is_empty(), "{:?}", d.corrections);
    let (softmax, lr) = LossConfig::preset("softmax").unwrap();
    assert_eq!(
        d.state.config,
        TrainConfig {
            loss: softmax,
            lr,
            dim: 3,
            batch_size: 64,
            activation: Activation::Tanh,
            ..TrainConfig::default()
        }
    );
    let d = decode("loss=arcface&margin_rad=0.3");
    assert_eq!(d.state.config.loss.param("margin_rad"), Some(json!(0.3)));
    assert_eq!(d.state.config.lr, 2e-3);
    // The same link in version 1 means the loss's own defaults.
    let d = decode("v=1&loss=arcface");
    assert_eq!(
        d.state.config.loss,
        LossConfig::default_for("arcface").unwrap()
    );
    assert_eq!(d.state.config.lr, 1e-3);
    // Re-encoding an old link writes the current version with the same meaning.
    let old = decode("loss=triplet&dim=3&backend=cpu");
    let new = decode(&encode(&old.state));
    assert_eq!((new.version, &new.state), (VERSION, &old.state));
    // A newer link is read as far as this version understands it.
    let d = decode("v=2&d=3&sparkle=1");
    assert_eq!(d.state.config.dim, 3);
    assert_eq!(
        fixes(&d),
        [
            ("v", CorrectionKind::Adjusted),
            ("sparkle", CorrectionKind::Ignored)
        ]
    );
    let (_, c) = one("v=one&d=3");
    assert_eq!((c.key.as_str(), c.kind), ("v", CorrectionKind::Invalid));
}

#[test]
fn corrections_read_well() {
    let d = decode("v=1&lr=5&bogus=x&data=javascript:alert(1)");
    let lines: Vec<String> = d.corrections.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "lr=5: out of range (0, 1]; using 1",
            "data=javascript:alert(1): only http(s) URLs or relative paths are allowed; using the default data/",
            "bogus=x: not a setting; ignored",
        ]
    );
}
