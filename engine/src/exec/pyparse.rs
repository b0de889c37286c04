//! Python's `int(str)` and `float(str)`, because ansible feeds play keywords such as
//! `serial: " 20 %"` and `max_fail_percentage: "30%"` straight into them: what they
//! accept (surrounding whitespace, a sign, `_` between digits, leading zeros) is
//! what a playbook may contain.
//!
//! Known gap: Python also accepts non-ASCII decimal digits (`int("٣") == 3`); these
//! are rejected here.

/// Checks Python's digit grouping: ASCII digits, each `_` between two digits.
fn valid_digit_run(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    !bytes.is_empty()
        && bytes.iter().enumerate().all(|(i, b)| match b {
            b'0'..=b'9' => true,
            b'_' => {
                i > 0
                    && bytes[i - 1].is_ascii_digit()
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
            }
            _ => false,
        })
}

// Both parsers strip exactly Unicode White_Space, as `char::is_whitespace` does
// (checked over every code point against Python 3.11's `int` and `float`).

/// `int(text)` in base 10, saturated to `i64` (a bigger count behaves the same:
/// "all hosts"). `None` when Python would raise `ValueError`.
pub(crate) fn py_int(text: &str) -> Option<i64> {
    let t = text.trim_matches(char::is_whitespace);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if !valid_digit_run(digits) {
        return None;
    }
    let mut value: i128 = 0;
    for b in digits.bytes().filter(u8::is_ascii_digit) {
        value = value
            .saturating_mul(10)
            .saturating_add(i128::from(b - b'0'));
    }
    if negative {
        value = -value;
    }
    Some(value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
}

/// `float(text)`: decimal or exponent notation with optional `_` grouping, or
/// `inf`/`infinity`/`nan` in any case. `None` when Python would raise `ValueError`.
pub(crate) fn py_float(text: &str) -> Option<f64> {
    let t = text.trim_matches(char::is_whitespace);
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return t.to_ascii_lowercase().parse().ok();
    }
    // Mantissa digits before/after the point and exponent digits must each be
    // well grouped; then Rust's parser (same grammar without `_`) does the rest.
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (lower.as_str(), None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let parts_ok = (valid_digit_run(int_part) || int_part.is_empty())
        && (valid_digit_run(frac_part) || frac_part.is_empty())
        && !(int_part.is_empty() && frac_part.is_empty())
        && exponent.is_none_or(valid_digit_run);
    if !parts_ok {
        return None;
    }
    t.replace('_', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded with /opt/ansible-venv/bin/python: `int(s)` for each string.
    #[test]
    fn int_matches_python() {
        let cases: &[(&str, Option<i64>)] = &[
            ("5", Some(5)),
            (" 20 ", Some(20)),
            ("\t3\n", Some(3)),
            ("+20", Some(20)),
            ("-20", Some(-20)),
            ("03", Some(3)),
            ("1_0", Some(10)),
            ("1__0", None),
            ("_10", None),
            ("10_", None),
            ("- 3", None),
            ("0x3", None),
            ("1.5", None),
            ("3.0", None),
            ("12.5", None),
            ("", None),
            ("abc", None),
            ("% 20", None),
            ("\u{a0}7", Some(7)),
            ("\u{1c}7", None),
            ("99999999999999999999999", Some(i64::MAX)),
            ("-99999999999999999999999", Some(i64::MIN)),
        ];
        for (text, want) in cases {
            assert_eq!(py_int(text), *want, "int({text:?})");
        }
    }

    /// Recorded with /opt/ansible-venv/bin/python: `float(s)` for each string.
    #[test]
    fn float_matches_python() {
        let cases: &[(&str, Option<f64>)] = &[
            ("30", Some(30.0)),
            (" 12.5 ", Some(12.5)),
            ("1e1", Some(10.0)),
            ("1E+1", Some(10.0)),
            (".5", Some(0.5)),
            ("5.", Some(5.0)),
            ("3_0", Some(30.0)),
            ("-inf", Some(f64::NEG_INFINITY)),
            ("Infinity", Some(f64::INFINITY)),
            ("3__0", None),
            ("1e", None),
            (".", None),
            ("", None),
            ("abc", None),
            ("1_.5", None),
            ("0x10", None),
            ("1e1_0", Some(1e10)),
            ("1_e1", None),
            ("+.5e-1_0", Some(5e-11)),
            ("infinit", None),
            ("1.5_", None),
        ];
        for (text, want) in cases {
            assert_eq!(py_float(text), *want, "float({text:?})");
        }
        assert!(py_float("nan").is_some_and(f64::is_nan));
        assert!(py_float(" -NaN ").is_some_and(f64::is_nan));
    }
}
