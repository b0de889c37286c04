//! PyYAML's implicit resolution of plain scalars (YAML 1.1), as Ansible's loader uses it
//! (`yaml.resolver.Resolver` plus `SafeConstructor`).
//!
//! The regular expressions of `yaml/resolver.py` are matched by hand (first character
//! dispatch, no backtracking) because every plain scalar of every file goes through here.
//!
//! Representation choices where PyYAML produces a type [`Value`] lacks:
//! - integers outside `i64` (Python ints are unbounded) become `Value::Float`;
//! - timestamps (`2001-12-14`, which PyYAML turns into `datetime.date`) stay `Value::Str`
//!   with the text as written.

use super::Value;

/// What a plain scalar resolves to, before the loader decides what is allowed where.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plain {
    Value(Value),
    /// `<<`: the merge key (only meaningful as a mapping key).
    Merge,
    /// `=`: YAML 1.1's "value" key (a string when used as a key, an error elsewhere).
    ValueKey,
    /// Matches PyYAML's int pattern but has no digits (`0b_`, `0x_`): Python raises.
    BadInt,
}

/// Resolves a plain (unquoted) scalar the way PyYAML's SafeLoader does. `<<`, `=` and
/// digit-less ints (`0x_`), which PyYAML refuses as values, come back as strings here; the
/// loader reports them as errors.
pub fn resolve_plain(text: &str) -> Value {
    match classify_plain(text) {
        Plain::Value(v) => v,
        Plain::Merge | Plain::ValueKey | Plain::BadInt => Value::Str(text.to_string()),
    }
}

/// Classifies a plain scalar by PyYAML's implicit resolvers, in their registration order
/// (bool, float, int, merge, null, timestamp, value).
pub(crate) fn classify_plain(text: &str) -> Plain {
    let Some(&first) = text.as_bytes().first() else {
        return Plain::Value(Value::Null);
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' => {
            if let Some(b) = bool_word(text) {
                return Plain::Value(Value::Bool(b));
            }
            if matches!(text, "null" | "Null" | "NULL") {
                return Plain::Value(Value::Null);
            }
        }
        b'~' if text == "~" => return Plain::Value(Value::Null),
        b'<' if text == "<<" => return Plain::Merge,
        b'=' if text == "=" => return Plain::ValueKey,
        b'-' | b'+' | b'.' | b'0'..=b'9' => {
            if is_float(text) {
                return match construct_float(text) {
                    Some(f) => Plain::Value(Value::Float(f)),
                    None => Plain::Value(Value::Str(text.to_string())),
                };
            }
            if is_int(text) {
                return match construct_int(text) {
                    Some(v) => Plain::Value(v),
                    None => Plain::BadInt,
                };
            }
        }
        _ => {}
    }
    Plain::Value(Value::Str(text.to_string()))
}

/// Whether PyYAML's timestamp resolver matches (such scalars stay strings here, see the
/// module comment; the loader uses this for `!!timestamp`).
pub(crate) fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if b.len() == 10 && digits(&b[0..4]) && b[4] == b'-' && digits(&b[5..7]) && b[7] == b'-' {
        return digits(&b[8..10]);
    }
    let mut p = Cursor { b, i: 0 };
    p.digits_exact(4)
        && p.eat(b'-')
        && p.digits_range(1, 2)
        && p.eat(b'-')
        && p.digits_range(1, 2)
        && (p.eat(b'T') || p.eat(b't') || p.blanks() > 0)
        && p.digits_range(1, 2)
        && p.eat(b':')
        && p.digits_exact(2)
        && p.eat(b':')
        && p.digits_exact(2)
        && {
            if p.eat(b'.') {
                p.digits_range(0, usize::MAX);
            }
            let save = p.i;
            p.blanks();
            if p.eat(b'Z') {
            } else if p.eat(b'-') || p.eat(b'+') {
                if !p.digits_range(1, 2) || (p.eat(b':') && !p.digits_exact(2)) {
                    return false;
                }
            } else {
                p.i = save;
            }
            p.i == b.len()
        }
}

fn bool_word(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// `!!bool` construction: PyYAML looks the lowercased text up in its table.
pub(crate) fn construct_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" => Some(true),
        "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// A tiny byte cursor for the hand-written patterns.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_sign(&mut self) {
        let _ = self.eat(b'-') || self.eat(b'+');
    }
    /// Consumes characters while `f` holds; returns how many.
    fn many(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
        self.i - start
    }
    fn digits_exact(&mut self, n: usize) -> bool {
        self.digits_range(n, n)
    }
    fn digits_range(&mut self, min: usize, max: usize) -> bool {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        self.i - start >= min
    }
    fn blanks(&mut self) -> usize {
        self.many(|c| c == b' ' || c == b'\t')
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    /// `(?::[0-5]?[0-9])+`
    fn sexagesimal_parts(&mut self) -> bool {
        let mut n = 0;
        loop {
            let save = self.i;
            if !self.eat(b':') {
                break;
            }
            let a = self.peek();
            let b = self.b.get(self.i + 1).copied();
            match (a, b) {
                (Some(b'0'..=b'5'), Some(b'0'..=b'9')) => self.i += 2,
                (Some(b'0'..=b'9'), _) => self.i += 1,
                _ => {
                    self.i = save;
                    break;
                }
            }
            n += 1;
        }
        n > 0
    }
}

fn digit_or_underscore(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

/// `[eE][-+][0-9]+`, optional.
fn float_exponent(p: &mut Cursor) -> bool {
    let save = p.i;
    if p.eat(b'e') || p.eat(b'E') {
        if (p.eat(b'-') || p.eat(b'+')) && p.many(|c| c.is_ascii_digit()) > 0 {
            return true;
        }
        p.i = save;
    }
    true
}

fn is_float(text: &str) -> bool {
    let b = text.as_bytes();
    // \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?  and  \.(?:nan|NaN|NAN)
    if b.first() == Some(&b'.') {
        if matches!(&text[1..], "nan" | "NaN" | "NAN" | "inf" | "Inf" | "INF") {
            return true;
        }
        let mut p = Cursor { b, i: 1 };
        return p.peek().is_some_and(|c| c.is_ascii_digit())
            && p.many(digit_or_underscore) > 0
            && float_exponent(&mut p)
            && p.done();
    }
    let mut p = Cursor { b, i: 0 };
    p.eat_sign();
    // [-+]?\.(?:inf|Inf|INF)
    if p.peek() == Some(b'.') {
        return matches!(&text[p.i + 1..], "inf" | "Inf" | "INF");
    }
    if !p.peek().is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    p.many(digit_or_underscore);
    let after_int = p.i;
    // [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?
    if p.eat(b'.') {
        p.many(digit_or_underscore);
        return float_exponent(&mut p) && p.done();
    }
    // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    p.i = after_int;
    if p.sexagesimal_parts() && p.eat(b'.') {
        p.many(digit_or_underscore);
        return p.done();
    }
    false
}

fn is_int(text: &str) -> bool {
    let b = text.as_bytes();
    let mut p = Cursor { b, i: 0 };
    p.eat_sign();
    let body = &b[p.i..];
    match body {
        [b'0', b'b', rest @ ..] if !rest.is_empty() => {
            rest.iter().all(|&c| c == b'0' || c == b'1' || c == b'_')
        }
        [b'0', b'x', rest @ ..] if !rest.is_empty() => {
            rest.iter().all(|&c| c.is_ascii_hexdigit() || c == b'_')
        }
        [b'0'] => true,
        [b'0', rest @ ..] => rest
            .iter()
            .all(|&c| (b'0'..=b'7').contains(&c) || c == b'_'),
        [b'1'..=b'9', ..] => {
            p.i += 1;
            p.many(digit_or_underscore);
            if p.done() {
                return true;
            }
            p.sexagesimal_parts() && p.done()
        }
        _ => false,
    }
}

/// Accumulates digits; switches to a float once the value leaves `i128`.
enum Acc {
    Exact(i128),
    Approx(f64),
}

impl Acc {
    fn push(self, base: u32, digit: u32) -> Acc {
        match self {
            Acc::Exact(v) => match v
                .checked_mul(i128::from(base))
                .and_then(|v| v.checked_add(i128::from(digit)))
            {
                Some(v) => Acc::Exact(v),
                None => Acc::Approx(v as f64 * f64::from(base) + f64::from(digit)),
            },
            Acc::Approx(f) => Acc::Approx(f * f64::from(base) + f64::from(digit)),
        }
    }
    fn add_scaled(self, other: Acc, scale: i128) -> Acc {
        match (self, other) {
            (Acc::Exact(a), Acc::Exact(b)) => {
                match b.checked_mul(scale).and_then(|b| a.checked_add(b)) {
                    Some(v) => Acc::Exact(v),
                    None => Acc::Approx(a as f64 + b as f64 * scale as f64),
                }
            }
            (a, b) => Acc::Approx(a.as_f64() + b.as_f64() * scale as f64),
        }
    }
    fn as_f64(&self) -> f64 {
        match self {
            Acc::Exact(v) => *v as f64,
            Acc::Approx(f) => *f,
        }
    }
}

fn parse_digits(s: &str, base: u32) -> Option<Acc> {
    if s.is_empty() {
        return None;
    }
    let mut acc = Acc::Exact(0);
    for c in s.chars() {
        acc = acc.push(base, c.to_digit(base)?);
    }
    Some(acc)
}

/// PyYAML's `construct_yaml_int` (also used for `!!int`): `_` ignored, sign, `0b`, `0x`,
/// leading `0` octal, `a:b:c` base 60, else decimal. `None` where Python raises.
pub(crate) fn construct_int(text: &str) -> Option<Value> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let (negative, body) = match cleaned.as_bytes().first()? {
        b'-' => (true, &cleaned[1..]),
        b'+' => (false, &cleaned[1..]),
        _ => (false, cleaned.as_str()),
    };
    let acc = if body == "0" {
        Acc::Exact(0)
    } else if let Some(bin) = body.strip_prefix("0b") {
        parse_digits(bin, 2)?
    } else if let Some(hex) = body.strip_prefix("0x") {
        parse_digits(hex, 16)?
    } else if body.starts_with('0') {
        parse_digits(body, 8)?
    } else if body.contains(':') {
        let mut total = Acc::Exact(0);
        let mut scale: i128 = 1;
        for part in body.rsplit(':') {
            total = total.add_scaled(parse_digits(part, 10)?, scale);
            scale = scale.saturating_mul(60);
        }
        total
    } else {
        parse_digits(body, 10)?
    };
    Some(match acc {
        Acc::Exact(v) => {
            let v = if negative { -v } else { v };
            match i64::try_from(v) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Float(v as f64),
            }
        }
        Acc::Approx(f) => Value::Float(if negative { -f } else { f }),
    })
}

/// PyYAML's `construct_yaml_float` (also used for `!!float`). `None` where Python raises.
pub(crate) fn construct_float(text: &str) -> Option<f64> {
    let cleaned: String = text
        .chars()
        .filter(|&c| c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let (sign, body) = match cleaned.as_bytes().first()? {
        b'-' => (-1.0, &cleaned[1..]),
        b'+' => (1.0, &cleaned[1..]),
        _ => (1.0, cleaned.as_str()),
    };
    if body == ".inf" {
        return Some(sign * f64::INFINITY);
    }
    if body == ".nan" {
        return Some(f64::NAN);
    }
    if body.contains(':') {
        let mut total = 0.0;
        let mut scale = 1.0;
        for part in body.rsplit(':') {
            total += python_float(part)? * scale;
            scale *= 60.0;
        }
        return Some(sign * total);
    }
    Some(sign * python_float(body)?)
}

/// Python's `float(str)` for the forms YAML passes it (Rust's parser accepts the same
/// decimal forms: `1.`, `.5`, `1e3`, `inf`, `nan`, surrounding whitespace aside).
fn python_float(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok()
}
