//! Serialisation filters: to_json / to_nice_json (Python's json.dumps text), from_json,
//! to_yaml / to_nice_yaml (PyYAML's text), from_yaml.

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, Value};

use super::{fail, require_defined};
use crate::source::SourceFile;
use crate::template::convert::{is_mapping, map_value, node_to_data, py_float};
use crate::template::yaml_emit::{YamlStyle, dump};

pub(super) fn register(env: &mut Environment<'static>) {
    add_filter!(env, "to_json", |v: &Value,
                                 kwargs: Kwargs|
     -> Result<Value, Error> {
        require_defined(v)?;
        let indent: Option<usize> = kwargs.get("indent")?;
        let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
        let ensure_ascii: Option<bool> = kwargs.get("ensure_ascii")?;
        let _: Option<Value> = kwargs.get("separators")?;
        kwargs.assert_all_used()?;
        let opts = JsonOpts {
            indent,
            sort_keys: sort_keys.unwrap_or(false),
            ensure_ascii: ensure_ascii.unwrap_or(true),
            item_sep: if indent.is_some() { "," } else { ", " },
        };
        Ok(Value::from(to_json(v, &opts)))
    });
    add_filter!(env, "to_nice_json", |v: &Value,
                                      kwargs: Kwargs|
     -> Result<Value, Error> {
        require_defined(v)?;
        let indent: Option<usize> = kwargs.get("indent")?;
        let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
        let ensure_ascii: Option<bool> = kwargs.get("ensure_ascii")?;
        kwargs.assert_all_used()?;
        let opts = JsonOpts {
            indent: Some(indent.unwrap_or(4)),
            sort_keys: sort_keys.unwrap_or(true),
            ensure_ascii: ensure_ascii.unwrap_or(true),
            item_sep: ",",
        };
        Ok(Value::from(to_json(v, &opts)))
    });
    add_filter!(env, "from_json", |s: &str| -> Result<Value, Error> {
        let j: serde_json::Value = serde_json::from_str(s).map_err(|e| fail("from_json", e))?;
        Ok(from_json(&j))
    });
    add_filter!(env, "to_yaml", |v: &Value,
                                 kwargs: Kwargs|
     -> Result<Value, Error> {
        require_defined(v)?;
        let indent: Option<usize> = kwargs.get("indent")?;
        let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
        let flow: Option<Value> = kwargs.get("default_flow_style")?;
        let width: Option<usize> = kwargs.get("width")?;
        kwargs.assert_all_used()?;
        let style = YamlStyle {
            indent: indent.unwrap_or(2),
            flow_leaves: flow.is_none_or(|f| f.is_none()),
            sort_keys: sort_keys.unwrap_or(true),
            width: width.unwrap_or(80),
        };
        Ok(Value::from(dump(v, &style)))
    });
    add_filter!(env, "to_nice_yaml", |v: &Value,
                                      kwargs: Kwargs|
     -> Result<Value, Error> {
        require_defined(v)?;
        let indent: Option<usize> = kwargs.get("indent")?;
        let sort_keys: Option<bool> = kwargs.get("sort_keys")?;
        let width: Option<usize> = kwargs.get("width")?;
        kwargs.assert_all_used()?;
        let style = YamlStyle {
            indent: indent.unwrap_or(4),
            flow_leaves: false,
            sort_keys: sort_keys.unwrap_or(true),
            width: width.unwrap_or(80),
        };
        Ok(Value::from(dump(v, &style)))
    });
    add_filter!(env, "from_yaml", |s: &str| -> Result<Value, Error> {
        let file = SourceFile::new("<from_yaml>", s);
        let node = crate::yaml::load_str(file).map_err(|e| fail("from_yaml", e))?;
        Ok(node_to_data(&node))
    });
    add_filter!(env, "from_yaml_all", |s: &str| -> Result<Value, Error> {
        let file = SourceFile::new("<from_yaml_all>", s);
        let nodes = crate::yaml::load_all(file).map_err(|e| fail("from_yaml_all", e))?;
        Ok(Value::from(
            nodes.iter().map(node_to_data).collect::<Vec<_>>(),
        ))
    });
}

pub(in crate::template) struct JsonOpts {
    pub indent: Option<usize>,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
    pub item_sep: &'static str,
}

/// Python's `json.dumps` text for a value.
pub(in crate::template) fn to_json(v: &Value, opts: &JsonOpts) -> String {
    let mut out = String::new();
    write_json(&mut out, v, opts, 0);
    out
}

fn write_json(out: &mut String, v: &Value, opts: &JsonOpts, depth: usize) {
    match v.kind() {
        ValueKind::None | ValueKind::Undefined => out.push_str("null"),
        ValueKind::Bool => out.push_str(if v.is_true() { "true" } else { "false" }),
        ValueKind::Number if v.is_integer() => out.push_str(&v.to_string()),
        ValueKind::Number => {
            let f = f64::try_from(v.clone()).unwrap_or(f64::NAN);
            out.push_str(&match py_float(f).as_str() {
                "inf" => "Infinity".to_string(),
                "-inf" => "-Infinity".to_string(),
                "nan" => "NaN".to_string(),
                s => s.to_string(),
            });
        }
        ValueKind::String => write_json_str(out, v.as_str().unwrap_or_default(), opts.ensure_ascii),
        ValueKind::Map | ValueKind::Seq | ValueKind::Iterable => {
            let is_map = is_mapping(v);
            let mut items: Vec<(Option<Value>, Value)> = match v.try_iter() {
                Ok(it) if is_map => it
                    .map(|k| (Some(k.clone()), v.get_item(&k).unwrap_or_default()))
                    .collect(),
                Ok(it) => it.map(|x| (None, x)).collect(),
                Err(_) => Vec::new(),
            };
            if is_map && opts.sort_keys {
                items.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push(if is_map { '{' } else { '[' });
            if !items.is_empty() {
                for (i, (k, val)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(opts.item_sep);
                    }
                    if let Some(n) = opts.indent {
                        out.push('\n');
                        out.push_str(&" ".repeat(n * (depth + 1)));
                    }
                    if let Some(k) = k {
                        let key = match k.kind() {
                            ValueKind::String => k.as_str().unwrap_or_default().to_string(),
                            ValueKind::Bool => if k.is_true() { "true" } else { "false" }.into(),
                            ValueKind::None => "null".into(),
                            _ => k.to_string(),
                        };
                        write_json_str(out, &key, opts.ensure_ascii);
                        out.push_str(": ");
                    }
                    write_json(out, val, opts, depth + 1);
                }
                if let Some(n) = opts.indent {
                    out.push('\n');
                    out.push_str(&" ".repeat(n * depth));
                }
            }
            out.push(if is_map { '}' } else { ']' });
        }
        _ => write_json_str(out, &v.to_string(), opts.ensure_ascii),
    }
}

pub(crate) fn write_json_str(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (ensure_ascii && (c as u32) > 0x7f) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// JSON data as a template value (objects keep their key order).
pub(in crate::template) fn from_json(j: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match j {
        J::Null => Value::from(()),
        J::Bool(b) => Value::from(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::from(i),
            None => Value::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::from(s.as_str()),
        J::Array(a) => Value::from(a.iter().map(from_json).collect::<Vec<_>>()),
        J::Object(o) => map_value(
            o.iter()
                .map(|(k, v)| (Value::from(k.as_str()), from_json(v))),
        ),
    }
}
