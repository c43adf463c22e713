//! Share links: every setting of the page in a compact, versioned query string.
//!
//! [`encode`] writes a [`ShareState`] as `v=1&…` with only the values that differ from the
//! defaults, in a fixed key order; [`decode`] reads any string back — it never fails or
//! panics — and lists every value it had to correct ([`Correction`]): unknown keys and
//! duplicates are ignored, malformed values fall back to the default, out-of-range numbers are
//! clamped where the nearest valid value means something, else fall back to the default.
//! Ranges come from the schemas: [`TrainConfig::FIELDS`] and each loss's
//! [`ParamSpec`](crate::loss::ParamSpec)s. `decode(&encode(s)).state == s` for every valid
//! state.
//!
//! # Grammar (version 1)
//! Pairs `key=value` joined by `&`, percent-encoded (`+` reads as a space). Flags are `1`/`0`
//! (also `true`/`false`, `yes`/`no`, `on`/`off`; a bare `autostart` is `1`).
//!
//! | key | value | default |
//! |---|---|---|
//! | `v` | link version (absent: version 0, see [`version`]) | — |
//! | `loss` | loss id (`softmax`, `arcface`, …; parameters at their defaults) | `softmax` |
//! | *param* | a loss parameter by its serde name (`scale`, `margin_rad`, `mining`, …), range from its `ParamSpec` | the loss's |
//! | `ds` `d` `act` `lr` `sched` `bs` `ep` `steps` `seed` `ee` `np` `tb` `aug` | the [`TrainConfig::FIELDS`] (dataset, dim, activation, learning rate, schedule, batch size, epochs, step cap (`0`: none), seed, eval every, eval points, CIFAR batches, augmentation); the serde names (`dim`, `batch_size`, …) are read as aliases | [`TrainConfig::default`] |
//! | `cam` | 3-D camera: 9 numbers `eye,center,up`, each in ±[`CAMERA_LIMIT`] | plot's own |
//! | `geo`, `reg` | draw the loss geometry / the decision regions | `1`, `0` |
//! | `theme` | `auto`, `light`, `dark` | `auto` |
//! | `hide` | controls hidden (classroom mode), comma-separated [`Control`] ids: `hide=lr,seed` | none |
//! | `presenter`, `autostart` | presenter mode; start training once the data are in | `0` |
//! | `backend` | `auto`, `cpu`, `webgpu` | `auto` |
//! | `data` | base URL of the data folder: `http(s)://…/` or a relative path, ends in `/` (a refused one falls back to the default) | [`DEFAULT_DATA_URL`] |
//! | `fp` | reproducibility fingerprint: 4–64 hex digits, opaque | none |
//! | `compare` | `KEY:V1,V2[,V3[,V4]]`: 2–4 runs that differ in one setting ([`Compare`]) | none |
//!
//! Caps: [`query::MAX_QUERY`] bytes in all, [`query::MAX_VALUE`] characters per value,
//! [`query::MAX_PAIRS`] pairs; the first of duplicate keys wins.

mod compare;
pub mod query;
mod settings;
pub mod version;

use std::collections::BTreeSet;
use std::fmt;

pub use compare::{Compare, MAX_RUNS, MIN_RUNS};
pub use version::VERSION;

use crate::backend::BackendChoice;
use crate::loss::LossConfig;
use crate::train::TrainConfig;
use query::{Pairs, fmt_bool, fmt_f64, parse_bool, parse_f64, shown};
use settings::{Parsed, Setting, param_names};

/// Largest camera coordinate, in plot units (plotly's default eye is about 1.25 away).
pub const CAMERA_LIMIT: f64 = 100.0;
/// The page's own data folder: what is used when a link names none, or one that is refused.
pub const DEFAULT_DATA_URL: &str = "data/";
/// Digits of a fingerprint.
pub const FINGERPRINT_DIGITS: std::ops::RangeInclusive<usize> = 4..=64;

/// Everything a link holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShareState {
    /// The run's settings.
    pub config: TrainConfig,
    /// How the plots are shown.
    pub view: View,
    /// Controls hidden from the page (classroom mode).
    pub hidden: BTreeSet<Control>,
    /// Presenter mode (the UI decides what it means: large type, plots first).
    pub presenter: bool,
    /// Start training as soon as the data are loaded.
    pub autostart: bool,
    /// Reproducibility fingerprint of a run, opaque lowercase hex.
    pub fingerprint: Option<String>,
    /// Backend to use.
    pub backend: BackendChoice,
    /// Base URL of the data folder (ends in `/`); `None` is the page's own [`DEFAULT_DATA_URL`].
    pub data_url: Option<String>,
    /// Side-by-side runs.
    pub compare: Option<Compare>,
}

impl ShareState {
    /// The runs to train: one per compared value, else just [`Self::config`].
    pub fn runs(&self) -> Vec<TrainConfig> {
        match &self.compare {
            Some(c) => {
                let runs = c.runs(&self.config);
                if runs.len() >= MIN_RUNS {
                    runs
                } else {
                    vec![self.config.clone()]
                }
            }
            None => vec![self.config.clone()],
        }
    }
}

/// How the plots are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// 3-D camera; `None` is the plot's default.
    pub camera: Option<Camera>,
    /// Draw the loss's geometry (class directions, centers, unit circle).
    pub show_geometry: bool,
    /// Draw the decision regions.
    pub show_regions: bool,
    /// Colour theme.
    pub theme: Theme,
}

impl Default for View {
    fn default() -> Self {
        Self {
            camera: None,
            show_geometry: true,
            show_regions: false,
            theme: Theme::Auto,
        }
    }
}

/// A 3-D camera, as plotly's `scene.camera`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// Where the camera is.
    pub eye: [f64; 3],
    /// The point it looks at.
    pub center: [f64; 3],
    /// Its up direction (not zero).
    pub up: [f64; 3],
}

impl Camera {
    /// `eye,center,up`: nine numbers.
    fn text(&self) -> String {
        [self.eye, self.center, self.up]
            .iter()
            .flatten()
            .map(|&x| fmt_f64(x))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn parse(text: &str) -> Parsed<Self> {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        if parts.len() != 9 {
            return Err(format!(
                "expected 9 numbers (eye, center, up), got {}",
                parts.len()
            ));
        }
        let mut v = [0.0; 9];
        let mut clamped = false;
        for (x, p) in v.iter_mut().zip(&parts) {
            let y = parse_f64(p)?;
            *x = y.clamp(-CAMERA_LIMIT, CAMERA_LIMIT);
            clamped |= *x != y;
        }
        let c = Self {
            eye: [v[0], v[1], v[2]],
            center: [v[3], v[4], v[5]],
            up: [v[6], v[7], v[8]],
        };
        if c.up.iter().all(|&x| x == 0.0) {
            return Err("the up direction is zero".into());
        }
        if c.eye == c.center {
            return Err("the eye is at the center".into());
        }
        let why = clamped.then(|| format!("coordinates are limited to ±{CAMERA_LIMIT}"));
        Ok((c, why))
    }
}

/// Colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// The system's.
    #[default]
    Auto,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl Theme {
    /// Every theme.
    pub const ALL: [Theme; 3] = [Self::Auto, Self::Light, Self::Dark];

    /// Id in links.
    pub fn id(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    /// Parses [`Self::id`].
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == id)
    }
}

/// A control the link can hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Control {
    /// The control of a [`TrainConfig::FIELDS`] entry, by its share key (`lr`, `seed`, …).
    Field(&'static str),
    /// The loss picker.
    Loss,
    /// The loss's parameter controls.
    LossParams,
    /// The backend picker.
    Backend,
    /// The geometry toggle.
    Geometry,
    /// The decision-regions toggle.
    Regions,
    /// The theme picker.
    Theme,
    /// The loss and accuracy curves.
    Curves,
    /// The "Copy link" button.
    Share,
    /// The Train / Pause / Reset buttons.
    Run,
}

const FIXED_CONTROLS: [(Control, &str); 9] = [
    (Control::Loss, "loss"),
    (Control::LossParams, "params"),
    (Control::Backend, "backend"),
    (Control::Geometry, "geo"),
    (Control::Regions, "reg"),
    (Control::Theme, "theme"),
    (Control::Curves, "curves"),
    (Control::Share, "share"),
    (Control::Run, "run"),
];

impl Control {
    /// Id in `hide=` (and a good `data-testid` suffix).
    pub fn id(self) -> &'static str {
        match self {
            Self::Field(key) => key,
            other => FIXED_CONTROLS
                .iter()
                .find(|(c, _)| *c == other)
                .map_or("", |(_, id)| id),
        }
    }

    /// Parses [`Self::id`] (a field's serde name, `dim`, works too).
    pub fn from_id(id: &str) -> Option<Self> {
        FIXED_CONTROLS
            .iter()
            .find(|(_, i)| *i == id)
            .map(|(c, _)| *c)
            .or_else(|| TrainConfig::field_spec(id).map(|f| Self::Field(f.short)))
    }

    /// Every control.
    pub fn all() -> Vec<Self> {
        TrainConfig::FIELDS
            .iter()
            .map(|f| Self::Field(f.short))
            .chain(FIXED_CONTROLS.iter().map(|(c, _)| *c))
            .collect()
    }
}

/// What happened to a value of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrectionKind {
    /// Not read at all: an unknown key, a duplicate, past the caps.
    Ignored,
    /// Malformed or unusable: the default is used.
    Invalid,
    /// Changed to the nearest valid value (clamped into range).
    Adjusted,
}

/// A value of a link that was not used as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// The key, as given.
    pub key: String,
    /// The value, as given (control characters shown as U+FFFD, at most 64 characters).
    pub given: String,
    /// The value used instead, as link text; `None` when nothing was used.
    pub used: Option<String>,
    /// What kind of correction.
    pub kind: CorrectionKind,
    /// Why, in words (its [`Display`](fmt::Display) adds what was done).
    pub reason: String,
}

impl Correction {
    fn new(
        key: &str,
        given: &str,
        used: Option<String>,
        kind: CorrectionKind,
        reason: String,
    ) -> Self {
        Self {
            key: shown(key),
            given: shown(given),
            used,
            kind,
            reason,
        }
    }

    fn ignored(key: &str, given: &str, reason: String) -> Self {
        Self::new(key, given, None, CorrectionKind::Ignored, reason)
    }
}

impl fmt::Display for Correction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}: {}", self.key, self.given, self.reason)?;
        match (self.kind, &self.used) {
            (CorrectionKind::Ignored, _) => write!(f, "; ignored"),
            (CorrectionKind::Invalid, Some(u)) => write!(f, "; using the default {u}"),
            (CorrectionKind::Invalid, None) => write!(f, "; not set"),
            (CorrectionKind::Adjusted, u) => write!(f, "; using {}", u.as_deref().unwrap_or("")),
        }
    }
}

/// What [`decode`] read.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The state, always valid.
    pub state: ShareState,
    /// Every value not used as given, in link order (roughly).
    pub corrections: Vec<Correction>,
    /// The version the link was written in (0 for links without `v`).
    pub version: u32,
}

/// The link's query string (no leading `?`): `v=1` and every value that differs from its
/// default, in a fixed order.
pub fn encode(s: &ShareState) -> String {
    let c = &s.config;
    let d = TrainConfig::default();
    let mut out: Pairs = vec![("v".into(), VERSION.to_string())];
    let mut push = |k: &str, v: String| out.push((k.to_string(), v));
    if c.loss.id() != d.loss.id() {
        push("loss", c.loss.id().into());
    }
    let loss_defaults = LossConfig::default_for(c.loss.id()).unwrap_or_default();
    for p in param_names(&c.loss) {
        if c.loss.param(&p) != loss_defaults.param(&p) {
            push(&p, Setting::Param(p.clone()).text(c));
        }
    }
    for f in TrainConfig::FIELDS {
        if c.field(f.name) != d.field(f.name) {
            push(f.short, Setting::Field(f).text(c));
        }
    }
    let view = View::default();
    if let Some(cam) = &s.view.camera {
        push("cam", cam.text());
    }
    if s.view.show_geometry != view.show_geometry {
        push("geo", fmt_bool(s.view.show_geometry));
    }
    if s.view.show_regions != view.show_regions {
        push("reg", fmt_bool(s.view.show_regions));
    }
    if s.view.theme != view.theme {
        push("theme", s.view.theme.id().into());
    }
    if !s.hidden.is_empty() {
        let ids: Vec<&str> = s.hidden.iter().map(|c| c.id()).collect();
        push("hide", ids.join(","));
    }
    if s.presenter {
        push("presenter", fmt_bool(true));
    }
    if s.autostart {
        push("autostart", fmt_bool(true));
    }
    if s.backend != BackendChoice::default() {
        push("backend", s.backend.id().into());
    }
    if let Some(u) = &s.data_url {
        push("data", u.clone());
    }
    if let Some(fp) = &s.fingerprint {
        push("fp", fp.clone());
    }
    if let Some(cmp) = &s.compare {
        push("compare", cmp.text());
    }
    query::join(&out)
}

/// The pairs of a link, deduplicated, taken out one key at a time.
struct Items {
    /// (key as given, canonical key, value, taken)
    list: Vec<(String, String, String, bool)>,
}

impl Items {
    fn new(pairs: Pairs, fix: &mut Vec<Correction>) -> Self {
        let mut list: Vec<(String, String, String, bool)> = Vec::new();
        for (k, v) in pairs {
            let canon = TrainConfig::field_spec(&k).map_or_else(|| k.clone(), |f| f.short.into());
            if list.iter().any(|(_, c, _, _)| *c == canon) {
                fix.push(Correction::ignored(
                    &k,
                    &v,
                    "given more than once: the first is used".into(),
                ));
            } else {
                list.push((k, canon, v, false));
            }
        }
        Self { list }
    }

    /// `(key as given, value)` of `key`, once.
    fn take(&mut self, key: &str) -> Option<(String, String)> {
        let item = self
            .list
            .iter_mut()
            .find(|(_, c, _, taken)| c == key && !taken)?;
        item.3 = true;
        Some((item.0.clone(), item.2.clone()))
    }
}

/// Reads one value with `parse`, recording a correction when it is adjusted (`text` gives the
/// value used) or refused (`default` is then the value used: `None` when nothing is).
fn read<T>(
    fix: &mut Vec<Correction>,
    (key, given): &(String, String),
    default: Option<String>,
    parse: impl FnOnce(&str) -> Parsed<T>,
    text: impl Fn(&T) -> String,
) -> Option<T> {
    let result = if given.chars().count() > query::MAX_VALUE {
        Err(format!("longer than {} characters", query::MAX_VALUE))
    } else if given.chars().any(char::is_control) {
        Err("contains control characters".into())
    } else if given.trim().is_empty() {
        Err("empty".into())
    } else {
        parse(given.trim())
    };
    match result {
        Ok((v, None)) => Some(v),
        Ok((v, Some(why))) => {
            fix.push(Correction::new(
                key,
                given,
                Some(text(&v)),
                CorrectionKind::Adjusted,
                why,
            ));
            Some(v)
        }
        Err(why) => {
            fix.push(Correction::new(
                key,
                given,
                default,
                CorrectionKind::Invalid,
                why,
            ));
            None
        }
    }
}

fn read_flag(fix: &mut Vec<Correction>, item: Option<(String, String)>, default: bool) -> bool {
    match item {
        None => default,
        // A bare flag (`&autostart`) is on.
        Some((_, v)) if v.is_empty() => true,
        Some(item) => read(
            fix,
            &item,
            Some(fmt_bool(default)),
            |t| parse_bool(t).map(|b| (b, None)),
            |b| fmt_bool(*b),
        )
        .unwrap_or(default),
    }
}

/// Reads any query string (with or without `?`). Never fails: what cannot be used is listed
/// in [`Decoded::corrections`] and replaced by its default.
pub fn decode(query: &str) -> Decoded {
    let mut fix = Vec::new();
    let pairs = query::split(query, &mut fix);
    let (version, pairs) = version::read(pairs, &mut fix);
    let mut items = Items::new(pairs, &mut fix);
    let mut s = ShareState::default();

    // The loss first: its parameters depend on it.
    set(&mut s.config, &Setting::Loss, items.take("loss"), &mut fix);
    for p in param_names(&s.config.loss) {
        let item = items.take(&p);
        set(&mut s.config, &Setting::Param(p), item, &mut fix);
    }
    for f in TrainConfig::FIELDS {
        let item = items.take(f.short);
        set(&mut s.config, &Setting::Field(f), item, &mut fix);
    }

    if let Some(item) = items.take("cam") {
        s.view.camera = read(&mut fix, &item, None, Camera::parse, Camera::text);
    }
    let view = View::default();
    s.view.show_geometry = read_flag(&mut fix, items.take("geo"), view.show_geometry);
    s.view.show_regions = read_flag(&mut fix, items.take("reg"), view.show_regions);
    if let Some(item) = items.take("theme") {
        s.view.theme = read(
            &mut fix,
            &item,
            Some(view.theme.id().into()),
            |t| {
                Theme::from_id(&t.to_ascii_lowercase())
                    .map(|t| (t, None))
                    .ok_or_else(|| "expected auto, light or dark".into())
            },
            |t| t.id().into(),
        )
        .unwrap_or_default();
    }
    if let Some(item) = items.take("hide") {
        s.hidden = read_hidden(&mut fix, &item);
    }
    s.presenter = read_flag(&mut fix, items.take("presenter"), false);
    s.autostart = read_flag(&mut fix, items.take("autostart"), false);
    if let Some(item) = items.take("backend") {
        s.backend = read(
            &mut fix,
            &item,
            Some(BackendChoice::default().id().into()),
            |t| {
                BackendChoice::parse(&t.to_ascii_lowercase())
                    .map(|b| (b, None))
                    .ok_or_else(|| "expected auto, cpu or webgpu".into())
            },
            |b| b.id().into(),
        )
        .unwrap_or_default();
    }
    if let Some(item) = items.take("data") {
        s.data_url = read(
            &mut fix,
            &item,
            Some(DEFAULT_DATA_URL.into()),
            check_data_url,
            String::clone,
        );
    }
    if let Some(item) = items.take("fp") {
        s.fingerprint = read(&mut fix, &item, None, check_fingerprint, String::clone);
    }
    if let Some(item) = items.take("compare") {
        let base = s.config.clone();
        // The corrections of single values first, then the verdict on the whole.
        let (mut values, mut whole) = (Vec::new(), Vec::new());
        s.compare = read(
            &mut whole,
            &item,
            None,
            |t| Compare::parse(t, &base, &mut values).map(|c| (c, None)),
            Compare::text,
        );
        fix.append(&mut values);
        fix.append(&mut whole);
    }

    for (key, _, value, taken) in &items.list {
        if *taken {
            continue;
        }
        let other_loss = LossConfig::IDS
            .iter()
            .any(|id| LossConfig::default_for(id).is_some_and(|l| param_names(&l).contains(key)));
        let why = if other_loss {
            format!("not a parameter of the {} loss", s.config.loss.id())
        } else {
            "not a setting".into()
        };
        fix.push(Correction::ignored(key, value, why));
    }
    Decoded {
        state: s,
        corrections: fix,
        version,
    }
}

/// Reads `item` into `setting` of `c`; on refusal `c` keeps its value (the default).
fn set(
    c: &mut TrainConfig,
    setting: &Setting,
    item: Option<(String, String)>,
    fix: &mut Vec<Correction>,
) {
    let Some(item) = item else { return };
    let current = c.clone();
    if let Some(next) = read(
        fix,
        &item,
        Some(setting.text(&current)),
        |t| setting.apply(&current, t),
        |n| setting.text(n),
    ) {
        *c = next;
    }
}

fn read_hidden(fix: &mut Vec<Correction>, item: &(String, String)) -> BTreeSet<Control> {
    let mut unknown = Vec::new();
    let hidden = read(
        fix,
        item,
        None,
        |t| {
            let mut set = BTreeSet::new();
            for id in t.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                match Control::from_id(id) {
                    Some(c) => {
                        set.insert(c);
                    }
                    None => unknown.push(id.to_string()),
                }
            }
            Ok((set, None))
        },
        |set| set.iter().map(|c| c.id()).collect::<Vec<_>>().join(","),
    )
    .unwrap_or_default();
    for id in unknown {
        fix.push(Correction::ignored(
            &item.0,
            &id,
            "not a control that can be hidden".into(),
        ));
    }
    hidden
}

/// A data folder URL: `http://` or `https://` with a host, or a relative path; printable
/// ASCII without quotes, brackets, backslashes, `?` or `#`; ends in `/` (added if missing).
/// Anything with another scheme (`javascript:`, `data:`) or protocol-relative (`//host`) is
/// refused.
///
/// # Errors
/// Why the URL is refused.
pub fn check_data_url(url: &str) -> Parsed<String> {
    if let Some(c) = url.chars().find(|&c| {
        !c.is_ascii_graphic()
            || matches!(
                c,
                '\\' | '"' | '\'' | '<' | '>' | '`' | '{' | '}' | '|' | '^' | '?' | '#'
            )
    }) {
        return Err(format!("the character {:?} is not allowed", c));
    }
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split('/').next().unwrap_or("");
            if host.is_empty() || host.contains('@') {
                return Err("expected http(s)://host/path/".into());
            }
        }
        None if url.starts_with("//") => {
            return Err("a protocol-relative URL; write http:// or https://".into());
        }
        None if url.contains(':') => {
            return Err("only http(s) URLs or relative paths are allowed".into());
        }
        None => {}
    }
    if url.ends_with('/') {
        Ok((url.to_string(), None))
    } else {
        Ok((
            format!("{url}/"),
            Some("a data folder URL ends in '/'".into()),
        ))
    }
}

/// A fingerprint: 4 to 64 hex digits, read in lowercase.
///
/// # Errors
/// Anything else.
pub fn check_fingerprint(fp: &str) -> Parsed<String> {
    if FINGERPRINT_DIGITS.contains(&fp.len()) && fp.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok((fp.to_ascii_lowercase(), None))
    } else {
        Err(format!(
            "expected {} to {} hex digits",
            FINGERPRINT_DIGITS.start(),
            FINGERPRINT_DIGITS.end()
        ))
    }
}
