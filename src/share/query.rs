//! The text layer of share links: splitting a query string into pairs, percent-decoding and
//! -encoding, the size caps, and the text of numbers and flags. No knowledge of settings.

use super::Correction;

/// Longest query string read, in bytes; the rest is ignored (cut at a `&`).
pub const MAX_QUERY: usize = 4096;
/// Longest value read, in characters (after percent-decoding); a longer one is refused.
pub const MAX_VALUE: usize = 200;
/// Most `key=value` pairs read; the rest are ignored.
pub const MAX_PAIRS: usize = 100;

/// `(key, value)` pairs, percent-decoded, in link order. A bare key has an empty value.
pub type Pairs = Vec<(String, String)>;

/// Splits `query` (with or without a leading `?`) into percent-decoded pairs, within the caps.
pub fn split(query: &str, fix: &mut Vec<Correction>) -> Pairs {
    let mut q = query.strip_prefix('?').unwrap_or(query);
    if q.len() > MAX_QUERY {
        let mut end = MAX_QUERY;
        while !q.is_char_boundary(end) {
            end -= 1;
        }
        let cut = q[..end].rfind('&').unwrap_or(0);
        fix.push(Correction::ignored(
            "query",
            &format!("{} bytes", q.len()),
            format!("longer than {MAX_QUERY} bytes: everything after byte {cut} is ignored"),
        ));
        q = &q[..cut];
    }
    let mut pairs = Vec::new();
    let mut parts = q.split('&').filter(|p| !p.is_empty());
    for part in parts.by_ref() {
        if pairs.len() == MAX_PAIRS {
            fix.push(Correction::ignored(
                "query",
                part,
                format!("more than {MAX_PAIRS} parameters: this one and the rest are ignored"),
            ));
            break;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        pairs.push((percent_decode(k), percent_decode(v)));
    }
    pairs
}

/// Decodes `%XX` escapes and `+` (a space), as a browser's `URLSearchParams` does: a `%` not
/// followed by two hex digits stays as it is; invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Escapes everything but letters, digits and `-._~,:/` (the last three keep lists, `compare`
/// and URLs readable; all three are allowed in a query).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~,:/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Joins pairs into a query string (no leading `?`).
pub fn join(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The shortest text that parses back to exactly `x`: plain decimals while short
/// (`0.001`), else the exponent form when shorter (`1e-7`, not `0.0000001`).
pub fn fmt_f64(x: f64) -> String {
    let plain = format!("{x}");
    if plain.len() <= 8 {
        return plain;
    }
    let exp = format!("{x:e}");
    if exp.len() < plain.len() { exp } else { plain }
}

/// A finite real number.
///
/// # Errors
/// Not a number, or not finite (`NaN`, `inf`, `1e309`).
pub fn parse_f64(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err("not a finite number".into()),
        Err(_) => Err("not a number".into()),
    }
}

/// A whole number, possibly far out of any range (`-5`, `1e3`, 40 digits saturate).
///
/// # Errors
/// Not a number, not finite, or with a fractional part.
pub fn parse_int(s: &str) -> Result<i128, String> {
    if let Ok(v) = s.parse::<i128>() {
        return Ok(v);
    }
    let x = parse_f64(s).map_err(|_| "not a whole number".to_string())?;
    if x.fract() != 0.0 {
        return Err("not a whole number".into());
    }
    // `as` saturates at i128's bounds, which lie outside every range.
    Ok(x as i128)
}

/// `1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off` (any case).
///
/// # Errors
/// Anything else.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("expected 1 or 0".into()),
    }
}

/// The text of a flag.
pub fn fmt_bool(b: bool) -> String {
    if b { "1" } else { "0" }.into()
}

/// `s` made safe and short for a message: control characters as U+FFFD, at most 64 characters.
pub fn shown(s: &str) -> String {
    const MAX: usize = 64;
    let mut out: String = s
        .chars()
        .take(MAX)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if s.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_round_trip_and_oddities() {
        for s in ["a b&c=d%e+f", "ünï©ødé ✓", "", "%", "javascript:alert(1)"] {
            assert_eq!(percent_decode(&percent_encode(s)), s);
        }
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("a+b%2B"), "a b+");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
        assert_eq!(percent_decode("%00"), "\0");
    }

    #[test]
    fn floats_print_shortest() {
        assert_eq!(fmt_f64(0.001), "0.001");
        assert_eq!(fmt_f64(1e-7), "1e-7");
        assert_eq!(fmt_f64(16.0), "16");
        assert_eq!(fmt_f64(1e-300), "1e-300");
        for x in [0.1 + 0.2, 1.0 / 3.0, 123456.789, 5e-324, f64::MAX] {
            assert_eq!(fmt_f64(x).parse::<f64>().unwrap(), x);
        }
        assert!(parse_f64("NaN").is_err());
        assert!(parse_f64("1e309").is_err());
        assert_eq!(parse_int("1e3"), Ok(1000));
        assert_eq!(parse_int("-5"), Ok(-5));
        assert!(parse_int("2.5").is_err());
        assert_eq!(parse_int(&"9".repeat(60)), Ok(i128::MAX));
    }
}
