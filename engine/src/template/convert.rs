//! Conversions between YAML nodes, template values and Python's text forms (`str()`,
//! `repr()`, type names), which Ansible shows whenever a value lands inside a string.

use indexmap::IndexMap;
use minijinja::Value;
use minijinja::value::{ObjectRepr, ValueKind};

use crate::yaml::{Node, Value as YamlValue};

/// A node as data, without templating (strings stay as written).
pub fn node_to_data(node: &Node) -> Value {
    match &node.value {
        YamlValue::Null => Value::from(()),
        YamlValue::Bool(b) => Value::from(*b),
        YamlValue::Int(i) => Value::from(*i),
        YamlValue::Float(f) => Value::from(*f),
        YamlValue::Str(s) | YamlValue::Unsafe(s) | YamlValue::Vault(s) => Value::from(s.as_str()),
        YamlValue::Seq(items) => Value::from(items.iter().map(node_to_data).collect::<Vec<_>>()),
        YamlValue::Map(m) => {
            let map: IndexMap<Value, Value> = m
                .iter()
                .map(|(k, v)| (node_to_data(k), node_to_data(v)))
                .collect();
            Value::from(map)
        }
    }
}

/// A template value as JSON (module arguments, registered results). Undefined becomes
/// null; objects such as `hostvars` are expanded.
pub fn value_to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => J::Null,
        ValueKind::Bool => J::Bool(v.is_true()),
        ValueKind::Number if v.is_integer() => match v.as_i64() {
            Some(i) => J::from(i),
            None => v
                .to_string()
                .parse::<serde_json::Number>()
                .map(J::Number)
                .unwrap_or(J::Null),
        },
        ValueKind::Number => f64::try_from(v.clone())
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(J::Number)
            .unwrap_or(J::Null),
        ValueKind::String => J::String(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Map => J::Object(
            v.try_iter()
                .map(|keys| {
                    keys.map(|k| {
                        let val = v.get_item(&k).unwrap_or_default();
                        (py_str(&k), value_to_json(&val))
                    })
                    .collect()
                })
                .unwrap_or_default(),
        ),
        ValueKind::Seq | ValueKind::Iterable => J::Array(
            v.try_iter()
                .map(|items| items.map(|x| value_to_json(&x)).collect())
                .unwrap_or_default(),
        ),
        _ => J::String(py_str(v)),
    }
}

/// Builds a map value keeping insertion order.
pub fn map_value(entries: impl IntoIterator<Item = (Value, Value)>) -> Value {
    Value::from(entries.into_iter().collect::<IndexMap<Value, Value>>())
}

/// Whether the value behaves as a mapping (dicts and objects like `hostvars`).
pub fn is_mapping(v: &Value) -> bool {
    v.kind() == ValueKind::Map
}

/// Python's type name for a value, as `type_debug` and error messages print it.
pub fn py_type_name(v: &Value) -> &'static str {
    match v.kind() {
        ValueKind::Undefined => "AnsibleUndefined",
        ValueKind::None => "NoneType",
        ValueKind::Bool => "bool",
        ValueKind::Number => {
            if v.is_integer() {
                "int"
            } else {
                "float"
            }
        }
        ValueKind::String => "str",
        ValueKind::Bytes => "bytes",
        ValueKind::Seq | ValueKind::Iterable => "list",
        ValueKind::Map => match v.as_object().map(|o| o.repr()) {
            Some(ObjectRepr::Map) | None => "dict",
            Some(_) => "object",
        },
        ValueKind::Plain
            if v.downcast_object_ref::<super::datetime::PyDateTime>()
                .is_some() =>
        {
            "datetime"
        }
        ValueKind::Plain => "object",
        ValueKind::Invalid => "object",
        _ => "object",
    }
}

/// Python's `str(value)`: strings as they are, everything else as `repr`.
pub fn py_str(v: &Value) -> String {
    match v.as_str() {
        Some(s) => s.to_string(),
        None => py_repr(v),
    }
}

/// Python's `repr(value)` (lists `[1, 'a']`, dicts `{'k': None}`, `True`).
pub fn py_repr(v: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, v);
    out
}

fn write_repr(out: &mut String, v: &Value) {
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("None"),
        ValueKind::Bool => out.push_str(if v.is_true() { "True" } else { "False" }),
        ValueKind::Number => out.push_str(&py_number(v)),
        ValueKind::String => write_str_repr(out, v.as_str().unwrap_or_default()),
        ValueKind::Bytes => {
            out.push('b');
            write_str_repr(
                out,
                &String::from_utf8_lossy(v.as_bytes().unwrap_or_default()),
            );
        }
        ValueKind::Map => {
            out.push('{');
            if let Ok(keys) = v.try_iter() {
                for (i, k) in keys.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_repr(out, &k);
                    out.push_str(": ");
                    write_repr(out, &v.get_item(&k).unwrap_or_default());
                }
            }
            out.push('}');
        }
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            if let Ok(items) = v.try_iter() {
                for (i, item) in items.enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_repr(out, &item);
                }
            }
            out.push(']');
        }
        _ => out.push_str(&v.to_string()),
    }
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`.
pub fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
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
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// A number as Python prints it (`1.0`, `1e+20`, `1.5e-07`).
pub fn py_number(v: &Value) -> String {
    if v.is_integer() {
        return v.to_string();
    }
    match f64::try_from(v.clone()) {
        Ok(f) => py_float(f),
        Err(_) => v.to_string(),
    }
}

/// Python's `repr(float)`: shortest round-trip digits, exponent form outside 1e-4..1e16.
pub fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // `{:e}` gives the shortest round-trip digits: "1.5e-7", "1e20".
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    if (-4..16).contains(&exp) {
        let s = format!("{f}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        // Recorded from Python 3: repr(x)
        assert_eq!(py_float(3.0), "3.0");
        assert_eq!(py_float(1e20), "1e+20");
        assert_eq!(py_float(0.1), "0.1");
        assert_eq!(py_float(2.5), "2.5");
        assert_eq!(py_float(1.5e-7), "1.5e-07");
        assert_eq!(py_float(1e17), "1e+17");
        assert_eq!(py_float(-0.0), "-0.0");
        assert_eq!(py_float(123456.789), "123456.789");
        assert_eq!(py_float(0.0001), "0.0001");
    }

    #[test]
    fn repr_of_containers() {
        let v = Value::from(vec![
            Value::from(1),
            Value::from("a"),
            Value::from(true),
            Value::from(()),
        ]);
        assert_eq!(py_repr(&v), "[1, 'a', True, None]");
        assert_eq!(py_repr(&Value::from("it's")), "\"it's\"");
        let m = map_value([(Value::from("k"), Value::from("a'b\"c"))]);
        assert_eq!(py_repr(&m), "{'k': 'a\\'b\"c'}");
    }
}
