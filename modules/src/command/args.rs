//! Ansible's lenient argument types for serde: booleans from `yes`/`no`/`1`, integers
//! from numeric strings, strings from numbers, lists from comma-separated strings
//! (ansible/module_utils/common/validation.py). Shared by every module of this crate.

use serde::de::{Deserialize, Deserializer, Error};
use serde_json::Value;

/// Python's `str()` of a scalar, as Ansible converts `type: str` arguments.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(true) => Some("True".into()),
        Value::Bool(false) => Some("False".into()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(v) => scalar_text(&v)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected a string, got {v}"))),
    }
}

/// Ansible's `boolean()`.
pub(crate) fn parse_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) if n.as_f64() == Some(1.0) => Some(true),
        Value::Number(n) if n.as_f64() == Some(0.0) => Some(false),
        Value::String(s) => match s.trim().to_lowercase().as_str() {
            "y" | "yes" | "on" | "1" | "true" | "t" => Some(true),
            "n" | "no" | "off" | "0" | "false" | "f" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(v) => parse_bool(&v).map(Some).ok_or_else(|| {
            D::Error::custom(format!(
                "the value {v} is not a valid boolean. Valid booleans include: \
                 y, yes, on, 1, true, t, n, no, off, 0, false, f"
            ))
        }),
    }
}

pub(crate) fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => v,
    };
    let parsed = match &v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    parsed
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("{v} cannot be converted to an int")))
}

pub(crate) fn opt_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                scalar_text(i)
                    .ok_or_else(|| D::Error::custom(format!("expected a string, got {i}")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(Value::String(s)) => Ok(Some(s.split(',').map(|p| p.trim().to_string()).collect())),
        Some(v) => scalar_text(&v)
            .map(|s| Some(vec![s]))
            .ok_or_else(|| D::Error::custom(format!("expected a list, got {v}"))),
    }
}

/// Splits a command line as Python's `shlex.split` (POSIX mode, no comments).
pub fn shlex_split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("No closing quotation".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("No closing quotation".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("No closing quotation".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err("No escaped character".into()),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// What the static validator knows of a JSON argument (all values are literal here).
fn arg_value(value: &Value) -> crate::ArgValue {
    use crate::ArgValue as A;
    match value {
        Value::Null => A::Null,
        Value::Bool(b) => A::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => A::Int(i),
            None => A::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => A::Str(s.clone()),
        Value::Array(items) => A::List(items.len()),
        Value::Object(_) => A::Dict,
    }
}

/// Checks `args` against the module's spec as Ansible's `AnsibleModule` does (unknown
/// and missing arguments, types, choices, exclusive groups; messages name the argument),
/// then deserializes them into `T`.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    fqcn: &str,
    args: &serde_json::Map<String, Value>,
) -> Result<T, crate::runtime::ModuleError> {
    use crate::runtime::ModuleError;
    let short = fqcn.rsplit('.').next().unwrap_or(fqcn);
    if let Some(spec) = crate::lookup(fqcn) {
        let free_form = args.get("_raw_params").is_some_and(|v| !v.is_null());
        let values: Vec<(&str, crate::ArgValue)> = args
            .iter()
            .filter(|(k, _)| k.as_str() != "_raw_params")
            .map(|(k, v)| (k.as_str(), arg_value(v)))
            .collect();
        let problems: Vec<String> = crate::validate(spec, &values, free_form)
            .into_iter()
            .filter(|p| !p.is_warning())
            .map(|p| p.message)
            .collect();
        if !problems.is_empty() {
            return Err(ModuleError::Args(problems.join("; ")));
        }
    }
    serde_json::from_value(Value::Object(args.clone()))
        .map_err(|e| ModuleError::Args(format!("{short}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shlex_split_matches_python() {
        // Values from python3: shlex.split(...)
        let cases: &[(&str, &[&str])] = &[
            ("echo hi", &["echo", "hi"]),
            ("  a   b  ", &["a", "b"]),
            ("echo 'a b' \"c d\"", &["echo", "a b", "c d"]),
            (
                r#"echo "a\"b" 'c\d' e\ f"#,
                &["echo", "a\"b", "c\\d", "e f"],
            ),
            (r#"echo "x\y\\z""#, &["echo", "x\\y\\z"]),
            ("echo ''", &["echo", ""]),
            ("a'b'c\"d\"e", &["abcde"]),
            ("echo $HOME; ls", &["echo", "$HOME;", "ls"]),
            (
                "echo # not a comment",
                &["echo", "#", "not", "a", "comment"],
            ),
        ];
        for (line, want) in cases {
            assert_eq!(shlex_split(line).unwrap(), *want, "{line}");
        }
        assert_eq!(
            shlex_split("echo 'open").unwrap_err(),
            "No closing quotation"
        );
        assert_eq!(shlex_split("echo \\").unwrap_err(), "No escaped character");
    }

    #[derive(serde::Deserialize, Debug)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "opt_int")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "opt_string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "opt_list")]
        l: Option<Vec<String>>,
    }

    #[test]
    fn lenient_types_convert_as_ansible() {
        let p: Probe =
            serde_json::from_value(json!({"b": "yes", "i": "22", "s": 5, "l": "a, b"})).unwrap();
        assert_eq!(p.b, Some(true));
        assert_eq!(p.i, Some(22));
        assert_eq!(p.s.as_deref(), Some("5"));
        assert_eq!(p.l, Some(vec!["a".to_string(), "b".to_string()]));
        let p: Probe = serde_json::from_value(json!({"b": 0, "s": true, "i": 3.0})).unwrap();
        assert_eq!(
            (p.b, p.s.as_deref(), p.i),
            (Some(false), Some("True"), Some(3))
        );
        assert!(serde_json::from_value::<Probe>(json!({"b": "maybe"})).is_err());
        assert!(serde_json::from_value::<Probe>(json!({"i": "x"})).is_err());
    }
}
