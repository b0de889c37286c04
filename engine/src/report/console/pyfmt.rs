//! Python's renderings of result values, byte for byte: `json.dumps(v, sort_keys=True,
//! ensure_ascii=False, indent=...)` for results and `str(v)` for loop item labels.

use serde_json::Value;
use std::fmt::Write;

/// `json.dumps(value, sort_keys=True, ensure_ascii=False, indent=indent)`.
pub fn json_dumps(value: &Value, indent: Option<usize>) -> String {
    let mut out = String::new();
    write_json(&mut out, value, indent, 0);
    out
}

fn write_json(out: &mut String, value: &Value, indent: Option<usize>, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_json_str(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(out, i, indent, depth + 1);
                write_json(out, item, indent, depth + 1);
            }
            close(out, indent, depth);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                separator(out, i, indent, depth + 1);
                write_json_str(out, key);
                out.push_str(": ");
                if let Some(v) = map.get(*key) {
                    write_json(out, v, indent, depth + 1);
                }
            }
            close(out, indent, depth);
            out.push('}');
        }
    }
}

/// Python uses `", "` between items without indent and `","` + newline with one.
fn separator(out: &mut String, index: usize, indent: Option<usize>, depth: usize) {
    match indent {
        None => {
            if index > 0 {
                out.push_str(", ");
            }
        }
        Some(width) => {
            if index > 0 {
                out.push(',');
            }
            out.push('\n');
            out.push_str(&" ".repeat(width * depth));
        }
    }
}

fn close(out: &mut String, indent: Option<usize>, depth: usize) {
    if let Some(width) = indent {
        out.push('\n');
        out.push_str(&" ".repeat(width * depth));
    }
}

/// `json.dumps` string escaping with `ensure_ascii=False`, as Ansible's callback dumps.
fn write_json_str(out: &mut String, s: &str) {
    crate::template::write_json_str(out, s, false);
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        out.push_str(&py_float(f, true));
    } else {
        out.push_str(&n.to_string());
    }
}

/// Python's `repr(float)`: the shortest round-tripping digits, scientific notation when
/// the exponent is below -4 or at least 16. `json` spells non-finite values `NaN`,
/// `Infinity`; `repr` spells them `nan`, `inf`.
fn py_float(f: f64, json: bool) -> String {
    if f.is_nan() {
        return if json { "NaN" } else { "nan" }.into();
    }
    if f.is_infinite() {
        let word = if json { "Infinity" } else { "inf" };
        return if f < 0.0 {
            format!("-{word}")
        } else {
            word.into()
        };
    }
    // Rust's `{:e}` gives the shortest round-tripping digits: "-1.5e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        let zeros = "0".repeat(point.unsigned_abs() as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let point = point as usize;
    if digits.len() <= point {
        let zeros = "0".repeat(point - digits.len());
        format!("{sign}{digits}{zeros}.0")
    } else {
        let (int, frac) = digits.split_at(point);
        format!("{sign}{int}.{frac}")
    }
}

/// Python's `str(value)` for a loop item label: strings as they are, containers as
/// their `repr` (`{'n': 1}`, `['a', True, None]`).
pub fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => match n.as_f64().filter(|_| n.is_f64()) {
            Some(f) => py_float(f, false),
            None => n.to_string(),
        },
        Value::String(s) => py_repr_str(s),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", parts.join(", "))
        }
        // Dicts keep insertion order in Python, as the map does here.
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr_str(k), py_repr(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// `repr(str)`: single quotes unless the text has a `'` and no `"`.
fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !py_printable(c) => {
                let cp = c as u32;
                let _ = match cp {
                    0..=0xff => write!(out, "\\x{cp:02x}"),
                    0x100..=0xffff => write!(out, "\\u{cp:04x}"),
                    _ => write!(out, "\\U{cp:08x}"),
                };
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable()` for the characters results contain in practice:
/// control characters, separators other than the space, and format characters
/// (zero-width, bidi marks, BOM) are not printable.
fn py_printable(c: char) -> bool {
    let cp = c as u32;
    !(c.is_control()
        || matches!(
            cp,
            0xa0 | 0xad
                | 0x600..=0x605
                | 0x1680
                | 0x180e
                | 0x2000..=0x200f
                | 0x2028..=0x202f
                | 0x205f..=0x2064
                | 0x2066..=0x206f
                | 0x3000
                | 0xd800..=0xf8ff
                | 0xfeff
                | 0xfff9..=0xfffb
                | 0xe0001
                | 0xe0020..=0xe007f
                | 0xf0000..
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_json_sorts_keys_like_python() {
        let v = json!({"msg": "boom", "changed": false, "nested": {"b": [1, 2.5], "a": {}}});
        assert_eq!(
            json_dumps(&v, None),
            r#"{"changed": false, "msg": "boom", "nested": {"a": {}, "b": [1, 2.5]}}"#
        );
    }

    #[test]
    fn indented_json_matches_python() {
        // python3 -c 'import json; print(json.dumps({"msg": ["a", {}], "x": None}, indent=4))'
        let v = json!({"x": null, "msg": ["a", {}]});
        assert_eq!(
            json_dumps(&v, Some(4)),
            "{\n    \"msg\": [\n        \"a\",\n        {}\n    ],\n    \"x\": null\n}"
        );
    }

    #[test]
    fn floats_and_strings_match_python() {
        let v = json!([1.0, 1e16, 1.5e-5, 0.0001, 123.456, "é\u{1}\"\n"]);
        assert_eq!(
            json_dumps(&v, None),
            "[1.0, 1e+16, 1.5e-05, 0.0001, 123.456, \"é\\u0001\\\"\\n\"]"
        );
    }

    #[test]
    fn item_labels_are_python_str() {
        assert_eq!(py_str(&json!("a")), "a");
        assert_eq!(
            py_str(&json!({"n": 1, "s": "it's", "l": [true, null, 2.0]})),
            "{'n': 1, 's': \"it's\", 'l': [True, None, 2.0]}"
        );
    }

    /// 150 random nested values (unicode, control characters, floats of every
    /// magnitude) with Python's `json.dumps(sort_keys=True, ensure_ascii=False)`
    /// output, compact and with `indent=4`.
    #[test]
    fn random_values_match_python_json_dumps() {
        let cases: Vec<Value> =
            serde_json::from_str(include_str!("fixtures/pyjson_cases.json")).unwrap();
        assert_eq!(cases.len(), 150);
        for c in &cases {
            let v = &c["value"];
            assert_eq!(json_dumps(v, None), c["compact"].as_str().unwrap(), "{v}");
            assert_eq!(json_dumps(v, Some(4)), c["indent"].as_str().unwrap(), "{v}");
        }
    }

    /// 150 random values with Python's `str()` (what a loop item label prints as).
    #[test]
    fn random_labels_match_python_str() {
        let cases: Vec<Value> =
            serde_json::from_str(include_str!("fixtures/pystr_cases.json")).unwrap();
        assert_eq!(cases.len(), 150);
        for c in &cases {
            assert_eq!(
                py_str(&c["value"]),
                c["str"].as_str().unwrap(),
                "{}",
                c["value"]
            );
        }
    }
}
